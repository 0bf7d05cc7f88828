import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onestop.audit.models import AuditAction, AuditEvent
from onestop.audit.services import audit_record, audit_verify

from . import factories

pytestmark = pytest.mark.django_db


def test_service_writes_leave_a_chained_event(hlr_clerk):
    person = factories.person()
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.action for e in events[-1:]] == [AuditAction.PERSON_REGISTER]
    assert events[-1].subject_id == str(person.pk)
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert audit_verify().ok


def test_editing_one_row_breaks_the_chain_at_that_row(capsys):
    for i in range(5):
        audit_record(actor=None, action=AuditAction.REGIONS_LOAD, detail={"n": i})
    call_command("verify_audit")
    assert "审计链完好" in capsys.readouterr().out
    target = AuditEvent.objects.order_by("seq")[2]
    AuditEvent.objects.filter(pk=target.pk).update(detail={"n": 99})  # tampering, bypassing save()
    with pytest.raises(CommandError, match=f"第 {target.seq} 条"):
        call_command("verify_audit")


def test_deleting_the_last_row_is_detected():
    for i in range(3):
        audit_record(actor=None, action=AuditAction.REGIONS_LOAD, detail={"n": i})
    last = AuditEvent.objects.order_by("-seq").first()
    AuditEvent.objects.filter(pk=last.pk)._raw_delete(AuditEvent.objects.db)
    assert audit_verify().broken_seq == last.seq


def test_events_cannot_be_changed_or_deleted_through_the_model():
    event = audit_record(actor=None, action=AuditAction.REGIONS_LOAD)
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_the_nightly_task_reports_the_chain_state():
    from onestop.audit.tasks import verify_audit_chain_nightly

    audit_record(actor=None, action=AuditAction.REGIONS_LOAD)
    assert verify_audit_chain_nightly.call_local() is True
    AuditEvent.objects.update(detail={"forged": True})
    assert verify_audit_chain_nightly.call_local() is False
