"""Entitlements start from an approval and end from an event the platform hears of; every change
is one ``EntitlementChange`` and one audit event, in the transaction of its cause."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from onestop.accounts.actors import Actor
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.cases.models import Matter
from onestop.core import clock
from onestop.people.models import Person
from onestop.policy.registry import params_for

from .events import entitlement_ended
from .models import (
    EndReason,
    Entitlement,
    EntitlementChange,
    Kind,
    PaymentLine,
    PaymentRun,
    Recovery,
)
from .months import month_of, next_month, previous_month
from .rolls import OPEN_ROLLS, lines_remove, recoveries_open

MONTHLY = (Kind.LIVING, Kind.NURSING)
# The subsidies a valid 残疾人证 is a condition of.
CERTIFIED_KINDS = MONTHLY
CENT = Decimal("0.01")


STANDARD_KEYS = {
    Kind.LIVING: "living.monthly_amount",
    Kind.NURSING: "nursing.annual_amount",
    Kind.PENSION: "pension.min_tier_amount",
}


def monthly_standard(kind: str, region_code: str, month: date) -> tuple[Decimal, bool]:
    """The standard of a period in force at its start (a month; for 代缴 the year, from its
    January), and whether it is an example value (示例值) rather than a sourced one."""
    params = params_for(region_code, month)
    key = STANDARD_KEYS[Kind(kind)]
    found = params.source(key)
    if found is None:
        raise LookupError(f"no {key} in force for {region_code} in {month:%Y-%m}")
    value = Decimal(found.value)
    if kind == Kind.NURSING:  # the standard is yearly; paid monthly
        value = (value / 12).quantize(CENT)
    return value, found.example


def entitlement_from_decision(*, matter: Matter) -> Entitlement | None:
    """An approved subsidy owes from the month it was applied for (so a late approval owes the
    months between: 补发); an approved 代缴 from its month; a decided medical claim once."""
    if matter.status != Matter.Status.APPROVED or matter.kind not in Kind.values:
        return None
    app = matter.application
    decided = clock.day_of(matter.decided_at or clock.now())
    kind = Kind(matter.kind)
    example = False
    if kind in MONTHLY:
        start = month_of(clock.day_of(app.submitted_at or clock.now()))
        amount, example = monthly_standard(kind, app.township_id, decided)
    else:  # the medical amount decided, or the yearly premium
        start = month_of(decided)
        amount = Decimal(matter.result.get("amount") or 0)
    open_one = Entitlement.objects.filter(person_id=app.applicant_id, kind=kind, end__isnull=True)
    if kind != Kind.MEDICAL and open_one.exists():
        return open_one.first()  # already entitled: a second approval adds nothing
    entitlement = Entitlement.objects.create(
        person_id=app.applicant_id,
        kind=kind,
        county_id=app.county_id,
        matter=matter,
        amount=amount,
        example=example,
        start=start,
        end=start if kind == Kind.MEDICAL else None,
        end_reason=EndReason.PAID_ONCE if kind == Kind.MEDICAL else "",
        created_at=clock.now(),
    )
    EntitlementChange.objects.create(
        entitlement=entitlement,
        change=EntitlementChange.Change.START,
        effective=start,
        reason=f"批准{matter.get_kind_display()}（受理编号 {app.tracking_no}）",
        at=clock.now(),
    )
    audit_record(
        actor=None,
        action=AuditAction.ENTITLEMENT_START,
        subject=app.applicant,
        detail={
            "kind": kind,
            "start": str(start),
            "amount": str(amount),
            "matter": matter.pk,
        },
    )
    return entitlement


def entitlements_end(
    *,
    actor: Actor,
    person: Person,
    reason: EndReason,
    event_day: date,
    kinds: tuple[str, ...] = (Kind.LIVING, Kind.NURSING, Kind.PENSION),
) -> list[Entitlement]:
    """Stop the person's open entitlements of these kinds from the month after the event.
    Lines of a roll not yet released for later months leave the roll; money already sent for
    them becomes a recovery to follow up."""
    last = month_of(event_day)
    with transaction.atomic():
        ended = list(
            Entitlement.objects.select_for_update().filter(
                person=person, kind__in=kinds, end__isnull=True
            )
        )
        for entitlement in ended:
            # Ended before it began (the event precedes the application): it owes nothing.
            _end(actor, entitlement, reason, max(last, previous_month(entitlement.start)))
    return ended


def _runs_locked(ids: Iterable[int] | QuerySet[Any]) -> dict[int, str]:
    """Each roll's status, the rolls locked."""
    runs = PaymentRun.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return dict(runs.values_list("pk", "status"))


def _end(actor: Actor, entitlement: Entitlement, reason: EndReason, last: date) -> None:
    entitlement.end, entitlement.end_reason = last, reason
    entitlement.save(update_fields=["end", "end_reason"])
    later = PaymentLine.objects.filter(
        person_id=entitlement.person_id,  # the unique key's lead: lines of an entitlement
        kind=entitlement.kind,
        entitlement=entitlement,
        month__gt=last,
    )
    # Rolls, then lines, locked in the order a release takes them: a roll released meanwhile
    # is seen sent here (a recovery), or sees this end itself (runs.run_release), never neither.
    status = _runs_locked(later.values("run_id"))
    lines = list(later.select_for_update().order_by("month", "pk"))
    # A roll prepared in between: locked too before its lines are judged.
    status |= _runs_locked({ln.run_id for ln in lines} - status.keys())
    unsent = [
        ln
        for ln in lines
        if ln.status == PaymentLine.Status.PENDING and status[ln.run_id] in OPEN_ROLLS
    ]
    lines_remove(actor=actor, lines=unsent)
    # Sent already: followed up. In an approved roll: at its release (runs.run_release).
    sent = [ln for ln in lines if ln.status == PaymentLine.Status.SENT]
    already = set(
        Recovery.objects.filter(line__in=[ln.pk for ln in sent]).values_list("line_id", flat=True)
    )
    recoveries_open(actor=actor, lines=[ln for ln in sent if ln.pk not in already])
    now = clock.now()
    EntitlementChange.objects.create(
        entitlement=entitlement,
        change=EntitlementChange.Change.END,
        effective=next_month(last),
        reason=reason.label,
        at=now,
        actor=actor,
    )
    entitlement_ended(entitlement)
    audit_record(
        actor=actor,
        action=AuditAction.ENTITLEMENT_END,
        subject=entitlement.person,
        detail={"kind": entitlement.kind, "last_month": str(last), "reason": reason.value},
    )
