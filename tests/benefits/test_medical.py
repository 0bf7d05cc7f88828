"""医疗救助: a decided claim is paid once into the person's account, and the year's cap is
shared by the person's claims (a second claim sees what the first used)."""

from datetime import date
from decimal import Decimal

from onestop.benefits.models import Entitlement, Kind
from onestop.benefits.prepare import run_prepare
from onestop.benefits.runs import run_approve, run_release
from onestop.benefits.services import payee_account_set, returns_import
from onestop.cases.models import Matter

from .. import factories
from ..cases.helpers import at, decide, submit


def _claimant():
    person = factories.certified_person(dibao_category="urban", fact="resident_medical")
    with at(date(2026, 1, 5)):  # long before any claim is paid or returned
        payee_account_set(
            actor=None,
            person=person,
            bank="农业银行",
            holder=person.name,
            number="6228480000000000017",
        )
    return person


def _claim(staff, person, day: date, self_pay: str) -> Matter:
    app = submit(
        staff,
        person,
        matters=["MEDICAL"],
        day=day,
        answers={"medical_bills": [{"day": day.isoformat(), "policy_self_pay": self_pay}]},
    )
    return Matter.objects.get(application=app, kind="MEDICAL")


def _decide(staff, matter: Matter, day: date) -> None:
    for _ in range(3):  # 受理审核 (the amount), 复核, 支付
        decide(staff["medical"], matter.application, "MEDICAL", day)


def test_a_second_claim_in_the_year_sees_what_the_first_used_of_the_cap(staff):
    person = factories.certified_person(dibao_category="urban", fact="resident_medical")
    first = _claim(staff, person, date(2026, 3, 2), "40000")
    assert first.prescreen["amount"] == "28000.00"  # 低保: 70%, cap 30000 (示例值)
    _decide(staff, first, date(2026, 3, 10))
    second = _claim(staff, person, date(2026, 5, 6), "10000")
    assert second.prescreen["amount"] == "2000.00"  # what the cap has left
    _decide(staff, second, date(2026, 5, 12))
    next_year = _claim(staff, person, date(2027, 1, 12), "1000")
    assert next_year.prescreen["amount"] == "700.00"


def test_a_decided_claim_is_paid_once_in_the_next_medical_roll(staff, hailar):
    person = _claimant()
    matter = _claim(staff, person, date(2026, 3, 2), "1000")
    _decide(staff, matter, date(2026, 3, 10))
    entitlement = Entitlement.objects.get(person=person, kind=Kind.MEDICAL)
    assert (entitlement.amount, entitlement.start, entitlement.end) == (
        Decimal("700.00"),
        date(2026, 3, 1),
        date(2026, 3, 1),
    )
    with at(date(2026, 4, 5)):
        april = run_prepare(
            actor=staff["medical"], county=hailar, kind=Kind.MEDICAL, month=date(2026, 4, 1)
        ).run
        assert (april.line_count, april.total) == (1, Decimal("700.00"))
        run_release(actor=staff["medical2"], run=run_approve(actor=staff["medical2"], run=april))
    with at(date(2026, 5, 5)):
        may = run_prepare(
            actor=staff["medical"], county=hailar, kind=Kind.MEDICAL, month=date(2026, 5, 1)
        ).run
    assert may.line_count == 0


def test_a_returned_claim_is_paid_again_only_once_the_account_is_fixed(staff, hailar):
    person = _claimant()
    matter = _claim(staff, person, date(2026, 3, 2), "1000")
    _decide(staff, matter, date(2026, 3, 10))
    with at(date(2026, 4, 5)):
        april = run_prepare(
            actor=staff["medical"], county=hailar, kind=Kind.MEDICAL, month=date(2026, 4, 1)
        ).run
        run_release(actor=staff["medical2"], run=run_approve(actor=staff["medical2"], run=april))
        line = april.lines.get()
        returns_import(actor=None, data=f"流水号,结果,原因\n{line.pk},失败,账户已销户\n".encode())
    with at(date(2026, 5, 5)):
        may = run_prepare(
            actor=staff["medical"], county=hailar, kind=Kind.MEDICAL, month=date(2026, 5, 1)
        ).run
    assert may.line_count == 0  # not paid again to the closed account
    with at(date(2026, 5, 20)):
        payee_account_set(
            actor=None,
            person=person,
            bank="建设银行",
            holder=person.name,
            number="6217000000000000011",
        )
    with at(date(2026, 6, 5)):
        june = run_prepare(
            actor=staff["medical"], county=hailar, kind=Kind.MEDICAL, month=date(2026, 6, 1)
        ).run
    assert list(june.lines.values_list("type", "amount")) == [("reissue", Decimal("700.00"))]
