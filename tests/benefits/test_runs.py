"""The monthly roll: who is paid what, once, and only after a second officer approves it."""

import csv
import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from onestop.audit.models import AuditAction, AuditEvent
from onestop.benefits.entitlements import entitlements_end
from onestop.benefits.models import EndReason, Entitlement, Kind, PaymentLine, PaymentRun, Recovery
from onestop.benefits.prepare import run_prepare
from onestop.benefits.runs import run_approve, run_release
from onestop.benefits.services import payee_account_set, returns_import
from onestop.core.actions import ActionRefused
from onestop.exchange.sync import import_records
from onestop.notices.models import Notice
from onestop.outbox.models import OutboxEvent

from ..cases.helpers import at
from .conftest import approved_living


def _month_run(staff, county, month: date, release: bool = True) -> PaymentRun:
    with at(month.replace(day=5)):
        run = run_prepare(actor=staff["county"], county=county, kind=Kind.LIVING, month=month).run
        if release:
            run = run_approve(actor=staff["head"], run=run)
            run = run_release(actor=staff["head"], run=run)
    return run


def _lines(run: PaymentRun) -> list[tuple[str, str, Decimal]]:
    return [
        (f"{line.month:%Y-%m}", line.type, line.amount)
        for line in run.lines.order_by("month", "pk")
    ]


def _audited(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def _named(line: PaymentLine) -> dict[str, object]:
    """How an audit event names a line."""
    return {
        "line": line.pk,
        "run": line.run_id,
        "month": f"{line.month:%Y-%m}",
        "amount": str(line.amount),
    }


def test_a_late_approval_is_paid_back_to_the_month_of_application(staff, hailar):
    approved_living(staff, applied=date(2026, 1, 15), approved=date(2026, 3, 10))
    run = _month_run(staff, hailar, date(2026, 4, 1), release=False)
    assert _lines(run) == [
        ("2026-01", "arrears", Decimal("100.00")),
        ("2026-02", "arrears", Decimal("100.00")),
        ("2026-03", "arrears", Decimal("100.00")),
        ("2026-04", "regular", Decimal("100.00")),
    ]
    assert (run.line_count, run.total, run.status) == (4, Decimal("400.00"), "prepared")


def test_a_death_reported_after_the_run_is_a_recovery_and_stops_the_next_month(staff, hailar):
    entitlement = approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))
    for month in (4, 5, 6):
        _month_run(staff, hailar, date(2026, month, 1))
    with at(date(2026, 6, 25)):  # died in May; told after the June roll was paid
        entitlements_end(
            actor=staff["county"],
            person=entitlement.person,
            reason=EndReason.DECEASED,
            event_day=date(2026, 5, 20),
        )
    recovery = Recovery.objects.get(entitlement=entitlement)
    assert (recovery.line.month, recovery.amount, recovery.status) == (
        date(2026, 6, 1),
        Decimal("100.00"),
        "open",
    )
    [opened] = _audited(AuditAction.RECOVERY_OPEN)
    assert (opened.actor, opened.subject_id) == (staff["county"], str(entitlement.person_id))
    assert opened.detail == {
        "kind": "LIVING",
        "entitlement": entitlement.pk,
        "lines": [_named(recovery.line)],
        "total": "100.00",
    }
    assert not _audited(AuditAction.LINES_REMOVE)  # nothing was waiting in an open roll
    july = _month_run(staff, hailar, date(2026, 7, 1), release=False)
    assert _lines(july) == []
    entitlement.refresh_from_db()
    assert (entitlement.end, entitlement.end_reason) == (date(2026, 5, 1), "deceased")


def test_a_returned_payment_is_paid_again_once_the_account_is_corrected(staff, hailar):
    entitlement = approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))
    april = _month_run(staff, hailar, date(2026, 4, 1))
    line = april.lines.get()
    result = f"流水号,结果,原因\r\n{line.pk},失败,账户已销户\r\n".encode()
    with at(date(2026, 4, 20)):
        report = returns_import(actor=staff["county"], data=result)
        again = returns_import(actor=staff["county"], data=result)
    assert (report.returned, again.returned, again.unchanged) == (1, 0, 1)
    line.refresh_from_db()
    assert (line.status, line.return_reason) == ("returned", "账户已销户")
    told = Notice.objects.filter(person=entitlement.person, event="payment_returned")
    assert told.filter(channel="inbox").get().text.count("账户已销户") == 1
    assert OutboxEvent.objects.get(topic="payments.payment_returned").payload["line"] == line.pk

    may = _month_run(staff, hailar, date(2026, 5, 1))  # not corrected yet: only May
    assert _lines(may) == [("2026-05", "regular", Decimal("100.00"))]
    with at(date(2026, 5, 20)):
        payee_account_set(
            actor=staff["clerk"],
            person=entitlement.person,
            bank="建设银行",
            holder="张三",
            number="6217000000000000011",
        )
    june = _month_run(staff, hailar, date(2026, 6, 1))
    assert _lines(june) == [
        ("2026-04", "reissue", Decimal("100.00")),
        ("2026-06", "regular", Decimal("100.00")),
    ]
    assert june.lines.get(type="reissue").reissue_of == line


def test_the_officer_who_prepared_a_roll_cannot_approve_it(staff, hailar):
    approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))
    with at(date(2026, 4, 25)):
        run = run_prepare(
            actor=staff["county"], county=hailar, kind=Kind.LIVING, month=date(2026, 4, 1)
        ).run
        with pytest.raises(ActionRefused, match="另一名工作人员审核"):
            run_approve(actor=staff["county"], run=run)
        with pytest.raises(ActionRefused, match="不能改为“已发放”"):
            run_release(actor=staff["county2"], run=run)
        with pytest.raises(PermissionDenied):
            run_approve(actor=staff["mzl"], run=run)  # another county's 民政局
        run = run_approve(actor=staff["county2"], run=run)
    assert (run.status, run.approved_by) == ("approved", staff["county2"])


def test_a_run_prepared_again_for_the_same_month_changes_nothing(staff, hailar):
    approved_living(staff, applied=date(2026, 1, 15), approved=date(2026, 3, 10))
    first = _month_run(staff, hailar, date(2026, 4, 1), release=False)
    before = _lines(first)
    with at(date(2026, 4, 6)):
        again = run_prepare(
            actor=staff["county"], county=hailar, kind=Kind.LIVING, month=date(2026, 4, 1)
        )
    assert (again.run.pk, again.added, _lines(again.run)) == (first.pk, 0, before)
    assert PaymentLine.objects.count() == 4


def test_the_disbursement_file_adds_up_and_its_digest_verifies(staff, hailar):
    for i in range(3):
        approved_living(
            staff, applied=date(2026, 2, 3), approved=date(2026, 3, 10), name="张" + "一二三"[i]
        )
    run = _month_run(staff, hailar, date(2026, 4, 1))
    data = run.file.read()
    assert hashlib.new("sm3", data).hexdigest() == run.digest
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, body, summary = rows[0], rows[1:-2], rows[-1]
    assert header[:3] == ["序号", "姓名", "身份证号"]
    amounts = [Decimal(r[header.index("金额（元）")]) for r in body]
    assert sum(amounts) == run.total == Decimal("900.00") and len(body) == 9
    assert summary[:4] == ["笔数", "9", "合计（元）", "900.00"]
    assert {r[header.index("账号")] for r in body} == {"6228480000000000017"}
    assert set(run.lines.values_list("status", flat=True)) == {"sent"}
    event = OutboxEvent.objects.get(topic="payments.run_released")
    assert (event.unit.code, event.payload["total"], event.payload["sm3"]) == (
        "civil-150702",
        "900.00",
        run.digest,
    )
    assert b"6228480000000000017" not in run.file.storage.read_sealed(run.file.name)


def test_a_death_in_the_shared_data_ends_the_entitlement_from_the_next_month(staff, hailar):
    entitlement = approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))
    record = {
        "id_number": entitlement.person.id_number,
        "type": "death",
        "value": {"date": "2026-05-12"},
        "version": "2026-06-01T10:00:00+08:00",
        "source": "公安户籍",
    }
    with at(date(2026, 6, 1)):
        [result] = import_records(actor=None, records=[record])
    assert result.status == "applied"
    entitlement.refresh_from_db()
    assert (entitlement.end, entitlement.end_reason) == (date(2026, 5, 1), "deceased")
    ended = OutboxEvent.objects.get(topic="benefits.entitlement_ended").payload
    assert (ended["last_month"], ended["reason"]) == ("2026-05", "deceased")
    change = entitlement.changes.get(change="end")
    assert (change.effective, change.reason) == (date(2026, 6, 1), "死亡")
    june = _month_run(staff, hailar, date(2026, 6, 1), release=False)
    assert _lines(june) == [
        ("2026-04", "arrears", Decimal("100.00")),
        ("2026-05", "arrears", Decimal("100.00")),
    ]


def test_an_end_reported_after_approval_leaves_the_roll_and_is_recovered_at_release(staff, hailar):
    entitlement = approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))
    _month_run(staff, hailar, date(2026, 4, 1))
    with at(date(2026, 5, 5)):
        may = run_prepare(
            actor=staff["county"], county=hailar, kind=Kind.LIVING, month=date(2026, 5, 1)
        ).run
        may = run_approve(actor=staff["head"], run=may)
        entitlements_end(
            actor=None,
            person=entitlement.person,
            reason=EndReason.DECEASED,
            event_day=date(2026, 4, 28),
        )
        assert may.lines.count() == 1  # what the checker approved is what is released
        run_release(actor=staff["head"], run=may)
    recovery = Recovery.objects.get(entitlement=entitlement)
    assert (recovery.line.month, recovery.amount) == (date(2026, 5, 1), Decimal("100.00"))
    [opened] = _audited(AuditAction.RECOVERY_OPEN)  # by the release that sent it
    assert (opened.actor, opened.detail["lines"]) == (staff["head"], [_named(recovery.line)])


def test_an_end_reported_before_approval_takes_the_line_off_the_roll(staff, hailar):
    entitlement = approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))
    with at(date(2026, 5, 5)):
        may = run_prepare(
            actor=staff["county"], county=hailar, kind=Kind.LIVING, month=date(2026, 5, 1)
        ).run
        assert (may.line_count, may.total) == (2, Decimal("200.00"))  # April owed, and May
        taken = may.lines.get(month=date(2026, 5, 1))
        entitlements_end(
            actor=None,
            person=entitlement.person,
            reason=EndReason.MOVED,
            event_day=date(2026, 4, 28),
        )
    may.refresh_from_db()
    assert _lines(may) == [("2026-04", "arrears", Decimal("100.00"))]
    assert (may.line_count, may.total) == (1, Decimal("100.00"))
    assert not Recovery.objects.exists()
    [removed] = _audited(AuditAction.LINES_REMOVE)
    assert removed.subject_id == str(entitlement.person_id)
    assert removed.detail == {
        "kind": "LIVING",
        "entitlement": entitlement.pk,
        "lines": [_named(taken)],
        "total": "100.00",
    }
    assert not _audited(AuditAction.RECOVERY_OPEN)


def test_an_end_committed_while_the_roll_was_written_still_takes_its_line_off(staff, hailar):
    """The end's transaction could not see the line a chunk was writing at that moment; the
    roll, finishing, takes it off itself."""
    entitlement = approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))

    def end_unseen(done: int, total: int) -> None:  # as if committed while the chunk wrote
        Entitlement.objects.filter(pk=entitlement.pk).update(
            end=date(2026, 4, 1), end_reason=EndReason.DECEASED
        )

    with at(date(2026, 5, 5)):
        may = run_prepare(
            actor=staff["county"],
            county=hailar,
            kind=Kind.LIVING,
            month=date(2026, 5, 1),
            progress=end_unseen,
        ).run
    assert _lines(may) == [("2026-04", "arrears", Decimal("100.00"))]
    assert (may.line_count, may.total, may.status) == (1, Decimal("100.00"), "prepared")
    [removed] = _audited(AuditAction.LINES_REMOVE)
    assert [ln["month"] for ln in removed.detail["lines"]] == ["2026-05"]


def test_a_cancelled_certificate_ends_the_subsidies_it_was_the_ground_for(staff, hailar):
    entitlement = approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))
    person = entitlement.person
    certificate = person.certificates.get()
    record = {
        "id_number": person.id_number,
        "type": "certificate",
        "value": {
            "number": certificate.number,
            "issue_date": f"{certificate.issue_date:%Y-%m-%d}",
            "status": "cancelled",
        },
        "version": "2026-07-14T10:00:00+08:00",
        "source": "残疾人证管理系统",
    }
    with at(date(2026, 7, 15)):
        [result] = import_records(actor=None, records=[record])
    assert result.status == "applied"
    entitlement.refresh_from_db()
    assert (entitlement.end, entitlement.end_reason) == (date(2026, 7, 1), "cert_cancelled")


def test_imprisonment_in_the_shared_data_ends_the_subsidies_from_the_next_month(staff, hailar):
    entitlement = approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))
    record = {
        "id_number": entitlement.person.id_number,
        "type": "imprisoned",
        "value": True,
        "version": "2026-08-03T10:00:00+08:00",
        "source": "司法行政",
    }
    with at(date(2026, 8, 4)):
        [result] = import_records(actor=None, records=[record])
    assert result.status == "applied"
    entitlement.refresh_from_db()
    assert (entitlement.end, entitlement.end_reason) == (date(2026, 8, 1), "imprisoned")


def test_ending_many_people_names_each_ones_lines_and_recoveries(staff, hailar):
    people = [
        approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20), name=n)
        for n in ("张一", "张二", "张三")
    ]
    for month in (4, 5):
        _month_run(staff, hailar, date(2026, month, 1))
    june = _month_run(staff, hailar, date(2026, 6, 1), release=False)
    with at(date(2026, 6, 8)):  # all three died in April: May was sent, June is waiting
        for entitlement in people:
            entitlements_end(
                actor=staff["county"],
                person=entitlement.person,
                reason=EndReason.DECEASED,
                event_day=date(2026, 4, 28),
            )
    june.refresh_from_db()
    assert (june.line_count, june.total) == (0, Decimal("0"))
    removed = {e.detail["entitlement"]: e.detail for e in _audited(AuditAction.LINES_REMOVE)}
    opened = {e.detail["entitlement"]: e.detail for e in _audited(AuditAction.RECOVERY_OPEN)}
    assert removed.keys() == opened.keys() == {e.pk for e in people}
    for entitlement in people:
        recovery = Recovery.objects.get(entitlement=entitlement)
        assert opened[entitlement.pk]["lines"] == [_named(recovery.line)]
        assert [(r["run"], r["month"], r["amount"]) for r in removed[entitlement.pk]["lines"]] == [
            (june.pk, "2026-06", "100.00")
        ]


def test_a_recovery_dropped_because_the_payment_came_back_is_named(staff, hailar):
    entitlement = approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))
    _month_run(staff, hailar, date(2026, 4, 1))
    may = _month_run(staff, hailar, date(2026, 5, 1))
    with at(date(2026, 5, 20)):
        entitlements_end(
            actor=staff["county"],
            person=entitlement.person,
            reason=EndReason.DECEASED,
            event_day=date(2026, 4, 28),
        )
        line = may.lines.get()
        assert Recovery.objects.get().line == line
        returns_import(
            actor=staff["county"], data=f"流水号,结果,原因\n{line.pk},失败,账户已销户\n".encode()
        )
    assert not Recovery.objects.exists()  # the money did not go out
    [returns] = _audited(AuditAction.PAYMENT_RETURNS)
    assert (returns.detail["returned"], returns.detail["recoveries_dropped"]) == (1, [line.pk])
