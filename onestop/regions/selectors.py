"""Org units as the services read them: cached, rebuilt when their table changes."""

from onestop.core.tablecache import TableCache

from .models import OrgUnit

units = TableCache(
    lambda: {
        (d, r): pk for pk, d, r in OrgUnit.objects.values_list("pk", "department", "region_id")
    },
    lambda: OrgUnit.objects.count(),
    recheck=300,
)


def unit_id(department: str, region_code: str) -> int | None:
    return units.get().get((department, region_code))


def window_unit_id(county_code: str) -> int | None:
    """The applicant's window: the county 残联, which accepts, calls and hands over results."""
    return unit_id("cdpf", county_code)
