from django.db import transaction

from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record

from .loader import fill_windows, load_regions
from .models import OrgUnit, Region


def regions_load(*, actor, text: str | None = None) -> dict[str, int]:
    """Upsert the division tree and org units from CSV text (default: the bundled file)."""
    with transaction.atomic():
        counts = load_regions(Region, OrgUnit, text)
        fill_windows(OrgUnit)
        audit_record(actor=actor, action=AuditAction.REGIONS_LOAD, detail=counts)
    return counts
