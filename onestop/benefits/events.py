"""What the departments hear of the payments, through the outbox: no personal data travels;
receivers read the roll or the line through the API."""

from onestop.outbox.models import OutboxEvent
from onestop.outbox.services import emit
from onestop.policy.matters import MATTER_DEPARTMENT
from onestop.policy.matters import Matter as MatterType
from onestop.regions.models import OrgUnit
from onestop.regions.selectors import unit_id

from .models import Entitlement, PaymentLine, PaymentRun


def _unit(kind: str, county: str) -> OrgUnit | None:
    found = unit_id(MATTER_DEPARTMENT[MatterType(kind)], county)
    return OrgUnit(pk=found) if found else None


def run_released(run: PaymentRun) -> None:
    emit(
        topic=OutboxEvent.Topic.RUN_RELEASED,
        payload={
            "run": run.pk,
            "county": run.county_id,
            "kind": run.kind,
            "month": f"{run.month:%Y-%m}",
            "batch": run.batch,
            "lines": run.line_count,
            "total": f"{run.total:.2f}",
            "sm3": run.digest,
        },
        unit=_unit(run.kind, run.county_id),
    )


def payment_returned(line: PaymentLine, county: str) -> None:
    emit(
        topic=OutboxEvent.Topic.PAYMENT_RETURNED,
        payload={"line": line.pk, "run": line.run_id, "month": f"{line.month:%Y-%m}"},
        unit=_unit(line.kind, county),
    )


def entitlement_ended(entitlement: Entitlement) -> None:
    emit(
        topic=OutboxEvent.Topic.ENTITLEMENT_ENDED,
        payload={
            "entitlement": entitlement.pk,
            "kind": entitlement.kind,
            "last_month": f"{entitlement.end:%Y-%m}" if entitlement.end else None,
            "reason": entitlement.end_reason,
        },
        unit=_unit(entitlement.kind, entitlement.county_id),
    )
