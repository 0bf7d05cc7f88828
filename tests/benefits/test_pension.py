"""城乡居民养老保险保费代缴: a yearly list per county of those aged 16 to 59 on the year's
first day, released to 人社 and confirmed per person; turning 60 ends it."""

from datetime import date
from decimal import Decimal

import pytest

from onestop.benefits.models import Entitlement, Kind
from onestop.benefits.prepare import run_prepare
from onestop.core.actions import ActionRefused

from .. import factories
from ..cases.helpers import at, decide, submit


def _approved_pension(staff, born: date, name: str) -> Entitlement:
    person = factories.certified_person(
        dibao_category="urban", fact="resident_pension", birth=born, name=name
    )
    app = submit(staff, person, matters=["PENSION"], day=date(2026, 3, 2), answers={})
    while app.matters.get().status != "approved":
        decide(staff["hrss"], app, "PENSION", date(2026, 3, 9))
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
