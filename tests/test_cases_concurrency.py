"""Two people acting at the same moment, on real connections (SQLite file or PostgreSQL)."""

import threading
from datetime import UTC, date, datetime, time

import pytest
from django.db import connection, transaction

from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction, AuditEvent
from onestop.audit.verify import audit_verify
from onestop.cases.acceptance import application_accept
from onestop.cases.chains import Outcome
from onestop.cases.errors import Conflict
from onestop.cases.intake import application_submit
from onestop.cases.models import Application, Step
from onestop.cases.steps import Decision, step_decide
from onestop.core import clock

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)
DAY = datetime.combine(date(2026, 11, 2), time(10), tzinfo=UTC)


def run_together(*actions):
    """Start the actions at the same instant in their own threads; return what each returned
    or raised."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def runner(i, action):
        try:
            barrier.wait()
            with clock.frozen(DAY):
                results[i] = action()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def setup(reference_data):
    clerk = factories.staff("cc_clerk", Role.WINDOW_CLERK, "cdpf-150702")
    one = factories.staff("cc_one", Role.CDPF_REVIEWER, "cdpf-150702", name="马建国")
    two = factories.staff("cc_two", Role.CDPF_REVIEWER, "cdpf-150702", name="李娜")
    person = factories.person("150702001", name="其木格", birth=date(1975, 3, 3))
    return clerk, one, two, person


def _submit(clerk, person, key=None):
    with clock.frozen(DAY):
        return application_submit(
            actor=clerk,
            channel="window",
            applicant=person,
            matters=["CERT"],
            delivery="pickup",
            consent_given=True,
            sensitive_consent_given=True,
            idempotency_key=key,
        )


def test_two_officers_deciding_one_step_at_once_exactly_one_wins(setup):
    clerk, one, two, person = setup
    app = _submit(clerk, person)
    with clock.frozen(DAY):
        application_accept(actor=clerk, application=app)
    step = Step.objects.get(matter__application=app, status=Step.Status.ACTIVE)
    decision = Decision(Outcome.APPROVE)
    results = run_together(
        lambda: step_decide(actor=one, step=step, decision=decision),
        lambda: step_decide(actor=two, step=step, decision=decision),
    )
    wins = [r for r in results if isinstance(r, Step)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert "已由" in str(losses[0]) and "请刷新后查看" in str(losses[0])
    assert AuditEvent.objects.filter(action=AuditAction.STEP_DECIDE).count() == 1
    assert Step.objects.filter(matter__application=app, status=Step.Status.ACTIVE).count() == 1
    assert audit_verify().ok


def test_the_same_submit_sent_twice_at_once_makes_one_application(setup):
    clerk, _, _, person = setup
    results = run_together(
        lambda: _submit(clerk, person, key="same-request"),
        lambda: _submit(clerk, person, key="same-request"),
    )
    assert all(isinstance(r, Application) for r in results), results
    assert results[0].pk == results[1].pk
    assert Application.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.APPLICATION_SUBMIT).count() == 1


def test_a_certificate_added_while_a_batch_is_being_written_is_updated_not_refused(reference_data):
    """The certificate system resends a batch while the first send is still being written: the
    second finds the number taken after it looked, looks again, and applies the record."""
    from onestop.exchange.sync import import_records
    from onestop.people.models import Certificate

    holder = factories.person("150702001", name="重发", birth=date(1979, 9, 9))
    number = holder.id_number + "42"
    record = {
        "id_number": holder.id_number,
        "type": "certificate",
        "value": {"number": number, "issue_date": "2024-06-01", "status": "cancelled"},
        "source": "残疾人证管理系统",
        "version": "2026-11-02T09:00:00+08:00",
    }
    outcome: list = []

    def resend():
        try:
            outcome.extend(import_records(actor=None, records=[record]))
        except Exception as exc:
            outcome.append(exc)
        finally:
            connection.close()

    with transaction.atomic():  # the first send, not yet committed
        first = Certificate(
            person=holder,
            category=4,
            level=2,
            issue_date=date(2024, 6, 1),
            valid_until=date(2034, 6, 1),
            source="残疾人证管理系统",
            source_time=datetime(2026, 11, 1, tzinfo=UTC),
        )
        first.set_number(number)
        first.save()
        second = threading.Thread(target=resend)
        second.start()
        second.join(timeout=1)  # it looks, finds nothing, and waits on the number
    second.join(timeout=60)
    assert [(r.status, r.message) for r in outcome] == [("applied", "")]
    assert list(Certificate.objects.filter(person=holder).values_list("status", flat=True)) == [
        "cancelled"
    ]
