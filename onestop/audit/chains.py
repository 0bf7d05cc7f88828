"""Which chain an event goes to, what a chain is called, and who oversees it.

One chain per acting org unit, per county for events without one (applicants, the worker), and a
system chain for the rest, so writers in different units and counties never wait on each other.
"""

from typing import TYPE_CHECKING

from django.db import models

from .models import LEGACY_CHAIN, SYSTEM_CHAIN

if TYPE_CHECKING:
    from onestop.regions.models import OrgUnit

GENESIS = "0" * 64


def chain_of(unit_id: int | None, subject: models.Model | None = None) -> str:
    """The acting unit's chain; without one (applicants, the worker), the chain of the county the
    subject belongs to, so applicants in different counties do not wait on each other either."""
    if unit_id:
        return f"unit:{unit_id}"
    county = getattr(subject, "county_id", None) or (
        str(getattr(subject, "hukou_region_id", "") or "")[:6] or None
    )
    return f"region:{county}" if county else SYSTEM_CHAIN


def chain_label(chain: str) -> str:
    from onestop.regions.models import OrgUnit

    if chain == SYSTEM_CHAIN:
        return "系统"
    if chain == LEGACY_CHAIN:
        return "升级前的全局链"
    if chain.startswith("region:"):
        from onestop.regions.models import Region

        region = Region.objects.filter(code=chain.removeprefix("region:")).first()
        return f"{region.name}（申请人和系统）" if region is not None else chain
    unit = OrgUnit.objects.filter(pk=chain.removeprefix("unit:")).first()
    return unit.name if unit is not None else chain


def supervising_unit(chain: str, cache: dict[str | None, "OrgUnit | None"]) -> "OrgUnit | None":
    """The 政务服务局 of the chain's region or the nearest above it (the province's for system)."""
    from onestop.regions.models import Department, OrgUnit, Region

    region_code = None
    if chain.startswith("unit:"):
        region_code = (
            OrgUnit.objects.filter(pk=chain.removeprefix("unit:"))
            .values_list("region_id", flat=True)
            .first()
        )
    elif chain.startswith("region:"):
        region_code = chain.removeprefix("region:")
    if region_code not in cache:
        region = Region.objects.filter(code=region_code).first() if region_code else None
        govs = OrgUnit.objects.filter(department=Department.GOVSERVICE)
        if region is None:
            gov = govs.filter(region__parent__isnull=True).first()
        else:
            gov = (
                govs.filter(region__lft__lte=region.lft, region__rgt__gte=region.rgt)
                .order_by("-region__lft")
                .first()
            )
        cache[region_code] = gov
    return cache[region_code]
