"""城乡居民养老保险保费代缴: a yearly list per county of those aged 16 to 59 on the year's
first day, released to 人社 and confirmed per person; turning 60 ends it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from onestop.benefits.models import Entitlement, Kind, PaymentLine
from onestop.benefits.prepare import run_prepare
from onestop.core.actions import ActionRefused

from .. import factories
from ..cases.helpers import at, decide, submit


def _approved_pension(
    staff, born: date, name: str, applied: date = date(2026, 3, 2)
) -> Entitlement:
    person = factories.certified_person(
        dibao_category="urban", fact="resident_pension", birth=born, name=name
    )
    app = submit(staff, person, matters=["PENSION"], day=applied, answers={})
    while app.matters.get().status != "approved":
        decide(staff["hrss"], app, "PENSION", applied + timedelta(days=7))
    return Entitlement.objects.get(person=person, kind=Kind.PENSION)


def test_the_yearly_list_covers_those_aged_16_to_59_and_turning_60_ends_it(staff, hailar):
    younger = _approved_pension(staff, date(1980, 6, 1), "阿拉坦")
    older = _approved_pension(staff, date(1967, 3, 15), "其其格")  # 60 on 2027-03-15
    assert younger.amount == Decimal("200.00")  # the minimum tier (示例值)
    with at(date(2027, 1, 6)):
        roll = run_prepare(
            actor=staff["hrss"], county=hailar, kind=Kind.PENSION, month=date(2027, 1, 1)
        ).run
        with pytest.raises(ActionRefused, match="按年度生成"):
            run_prepare(
                actor=staff["hrss"], county=hailar, kind=Kind.PENSION, month=date(2027, 3, 1)
            )
    assert sorted(roll.lines.values_list("person__name", "amount")) == [
        ("其其格", Decimal("200.00")),
        ("阿拉坦", Decimal("200.00")),
    ]
    with at(date(2028, 1, 5)):
        next_year = run_prepare(
            actor=staff["hrss"], county=hailar, kind=Kind.PENSION, month=date(2028, 1, 1)
        ).run
    assert list(next_year.lines.values_list("person__name", flat=True)) == ["阿拉坦"]
    older.refresh_from_db()
    assert (older.end, older.end_reason) == (date(2027, 3, 1), "aged_out")


def test_those_approved_after_the_years_list_go_on_a_supplementary_list_of_that_year(staff, hailar):
    _approved_pension(staff, date(1980, 6, 1), "阿拉坦")
    year = date(2027, 1, 1)

    def prepare(day: date):
        with at(day):
            return run_prepare(actor=staff["hrss"], county=hailar, kind=Kind.PENSION, month=year)

    main = prepare(date(2027, 1, 6)).run
    _approved_pension(staff, date(1990, 2, 1), "巴特尔", applied=date(2027, 3, 1))
    first = prepare(date(2027, 3, 20))
    assert (first.run.batch, first.added) == (1, 1)
    assert first.run.period == "2027年度补充名单（第1批）"
    assert list(first.run.lines.values_list("person__name", flat=True)) == ["巴特尔"]
    again = prepare(date(2027, 3, 21))  # nobody new: the supplementary list is left as it is
    assert (again.run.pk, again.added) == (first.run.pk, 0)

    _approved_pension(staff, date(1985, 8, 8), "乌兰", applied=date(2027, 6, 1))
    second = prepare(date(2027, 6, 20)).run
    assert second.batch == 2
    assert list(second.lines.values_list("person__name", flat=True)) == ["乌兰"]
    listed = PaymentLine.objects.filter(kind=Kind.PENSION, month=year)
    assert sorted(listed.values_list("person__name", "run__batch")) == [
        ("乌兰", 2),
        ("巴特尔", 1),
        ("阿拉坦", 0),
    ]
    assert main.pk != first.run.pk != second.pk
