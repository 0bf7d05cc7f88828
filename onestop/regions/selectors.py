"""Org units as the services read them (cached, rebuilt when their table changes), and the
regions a scope holds."""

from django.db.models import QuerySet

from onestop.core.tablecache import TableCache

from .models import OrgUnit, Region

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


class Everywhere:
    """The whole country, for the public's lists (the portal's choice of 旗县)."""


EVERYWHERE = Everywhere()


def regions_under(scope: Region | Everywhere | None, level: str) -> QuerySet[Region]:
    """The regions of one level inside the scope, by code, each with its parent; none for a
    user without a scope (``EVERYWHERE`` is not the same as no scope)."""
    if scope is None:
        return Region.objects.none()
    regions = Region.objects.all() if isinstance(scope, Everywhere) else scope.subtree()
    return regions.filter(level=level).select_related("parent").order_by("code")
