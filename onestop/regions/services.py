from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record

from .enums import Department, Level
from .loader import fill_windows, load_regions
from .models import OrgUnit, Region

if TYPE_CHECKING:
    from onestop.accounts.actors import Actor


def regions_load(*, actor: "Actor", text: str | None = None) -> dict[str, int]:
    """Upsert the division tree and org units from CSV text (default: the bundled file)."""
    with transaction.atomic():
        counts = load_regions(Region, OrgUnit, text)
        fill_windows(OrgUnit)
        audit_record(actor=actor, action=AuditAction.REGIONS_LOAD, detail=counts)
    return counts


@dataclass(frozen=True)
class Hotline:
    number: str
    who: str  # whom the number reaches


def default_hotline() -> Hotline:
    return Hotline(settings.HOTLINE_DEFAULT, settings.HOTLINE_DEFAULT_NAME)


def hotline_for(region_code: str) -> Hotline:
    """The 咨询电话 for someone whose 户籍 is in this region: their county's window, or the
    default line where the county has not given one."""
    unit = OrgUnit.objects.filter(
        department=Department.CDPF, region_id=region_code[:6], region__level=Level.COUNTY
    ).first()
    if unit is None or not unit.hotline:
        return default_hotline()
    return Hotline(unit.hotline, f"{unit.region.name}扶残助困「一件事一次办」窗口")


def county_hotlines() -> "list[OrgUnit]":
    """The counties whose window has its own 咨询电话, in division order."""
    return list(
        OrgUnit.objects.filter(department=Department.CDPF, region__level=Level.COUNTY)
        .exclude(hotline="")
        .select_related("region__parent")
    )


def unit_hotline_set(*, actor: "Actor", unit: OrgUnit, hotline: str) -> OrgUnit:
    with transaction.atomic():
        before = unit.hotline
        unit.hotline = hotline.strip()
        unit.save(update_fields=["hotline"])
        audit_record(
            actor=actor,
            action=AuditAction.UNIT_HOTLINE_SET,
            subject=unit,
            detail={"before": before, "after": unit.hotline},
        )
    return unit
