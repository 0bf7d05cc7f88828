"""免申即享 through the cases: a finding proposed once, confirmed with zero trips."""

from datetime import date

import pytest

from onestop.cases.models import Application
from onestop.cases.proactive import application_confirm, application_propose, proactive_propose_open
from onestop.cases.timeline import timeline
from onestop.people.services import certificate_record

from .helpers import active, at

pytestmark = pytest.mark.django_db


def test_a_proactive_finding_becomes_an_application_confirmed_with_zero_trips(staff, applicant):
    from onestop.policy.models import ProactiveFinding
    from onestop.policy.services import proactive_scan

    certificate_record(
        actor=None, person=applicant, number=applicant.id_number + "41", issue_date=date(2025, 1, 1)
    )
    proactive_scan(day=date(2026, 11, 2))
    finding = ProactiveFinding.objects.get(person=applicant, matter="LIVING")
    with at(date(2026, 11, 2)):
        app = application_propose(finding=finding)
        assert application_propose(finding=finding).pk == app.pk
    assert app.status == Application.Status.PENDING_CONFIRMATION and app.channel == "proactive"
    with at(date(2026, 11, 3)):
        app = application_confirm(actor=None, application=app)
    assert app.status == Application.Status.IN_PROGRESS and app.trips == 0
    assert app.delivery == "post" and app.delivery_address == "正阳街道8号"
    assert active(app, "LIVING").unit.name == "正阳街道民政办"
    texts = [e.text for e in timeline(app)]
    assert texts[0] == "平台发现可享受困难残疾人生活补贴，主动推送，等待本人确认"
    assert texts[1].startswith("已通知（") and texts[1].endswith("：可以享受的待遇")
    assert texts[2] == "申请人确认办理"


def test_open_findings_are_proposed_once(staff, applicant):
    from onestop.cases.tasks import proactive_propose_daily
    from onestop.policy.services import proactive_scan

    certificate_record(
        actor=None, person=applicant, number=applicant.id_number + "41", issue_date=date(2025, 1, 1)
    )
    proactive_scan(day=date(2026, 11, 2))
    with at(date(2026, 11, 2)):
        assert proactive_propose_daily.call_local() == 3  # LIVING, NURSING, PENSION
        assert proactive_propose_open() == 0
    assert (
        Application.objects.filter(channel="proactive", status="pending_confirmation").count() == 3
    )
