"""定期复核: each year a county's entitlements are checked again. The shared data pre-checks each
person; the township 民政 officers confirm or stop within a working-day deadline; a review not
done in time is pressed (督办), never stopped silently; a stop takes effect from the next month."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from onestop.accounts.models import StaffUser
from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock
from onestop.core.actions import ActionRefused
from onestop.notices.services import notify_unit
from onestop.people.models import Certificate, CertificateStatus, DibaoCategory, SharedRecord
from onestop.policy import calendar
from onestop.regions.models import OrgUnit, Region
from onestop.regions.selectors import unit_id

from .entitlements import CERTIFIED_KINDS, entitlements_end
from .models import EndReason, Entitlement, Kind, ReviewItem, ReviewRound


def _prechecks(entitlements: list[Entitlement], county: str) -> dict[int, dict[str, bool]]:
    persons = [e.person_id for e in entitlements]
    dead = set(
        SharedRecord.objects.filter(
            person_id__in=persons, fact=SharedRecord.Fact.DECEASED, value=True
        ).values_list("person_id", flat=True)
    )
    certified = set(
        Certificate.objects.filter(
            person_id__in=persons, status=CertificateStatus.VALID
        ).values_list("person_id", flat=True)
    )
    out = {}
    for e in entitlements:
        checks = {
            "alive": e.person_id not in dead,
            "hukou_local": e.person.hukou_region.parent_id == county,
            "certificate_valid": e.person_id in certified,
        }
        if e.kind == Kind.LIVING:
            checks["dibao_valid"] = e.person.dibao_category != DibaoCategory.NONE
        out[e.pk] = checks
    return out


def review_open(*, actor: StaffUser | None, county: Region, year: int) -> ReviewRound:
    """Open the year's review of a county: every subsidy still paid, pre-checked, queued for
    its township. Opening it again adds only those entitled since."""
    if actor is not None and (
        actor.department != "civil"
        or actor.role not in (Role.COUNTY_CIVIL, Role.DEPARTMENT_HEAD)
        or actor.scope is None
        or not actor.scope.contains(county)
    ):
        raise PermissionDenied("定期复核由旗县（市、区）民政局开展。")
    today = clock.today()
    with transaction.atomic():
        review, _ = ReviewRound.objects.get_or_create(
            county=county,
            year=year,
            defaults={
                "opened_at": clock.now(),
                "due_date": calendar.add_working_days(today, settings.BENEFITS_REVIEW_DAYS),
            },
        )
        entitlements = list(
            Entitlement.objects.filter(county=county, kind__in=CERTIFIED_KINDS, end__isnull=True)
            .exclude(reviews__round=review)
            .select_related("person__hukou_region")
        )
        checks = _prechecks(entitlements, county.code)
        ReviewItem.objects.bulk_create(
            ReviewItem(
                round=review,
                entitlement=e,
                township_id=e.person.hukou_region_id,
                precheck=checks[e.pk],
            )
            for e in entitlements
        )
        audit_record(
            actor=actor,
            action=AuditAction.REVIEW_OPEN,
            subject=review,
            detail={"year": year, "added": len(entitlements), "due": str(review.due_date)},
        )
    return review


def review_decide(*, actor: StaffUser, item: ReviewItem, keep: bool, note: str = "") -> ReviewItem:
    """The township officer's conclusion; a stop ends the entitlement from the next month."""
    if actor.role != Role.TOWNSHIP_CIVIL or actor.scope is None:
        raise PermissionDenied("定期复核由户籍所在苏木乡镇（街道）民政审核员办理。")
    note = note.strip()
    if not keep and not note:
        raise ActionRefused("停止享受须写明复核意见（原因）。")
    with transaction.atomic():
        item = (
            ReviewItem.objects.select_for_update()
            .select_related("entitlement__person", "township")
            .get(pk=item.pk)
        )
        if not actor.scope.contains(item.township):
            raise PermissionDenied("该人员不在您所在苏木乡镇（街道）。")
        if item.status != ReviewItem.Status.PENDING:
            raise ActionRefused("该人员已复核过了。")
        item.status = ReviewItem.Status.KEPT if keep else ReviewItem.Status.STOPPED
        item.note, item.decided_by, item.decided_at = note[:200], actor, clock.now()
        item.save(update_fields=["status", "note", "decided_by", "decided_at"])
        if not keep:
            entitlements_end(
                actor=actor,
                person=item.entitlement.person,
                reason=EndReason.REVIEW_FAILED,
                event_day=clock.today(),
                kinds=(item.entitlement.kind,),
            )
        audit_record(
            actor=actor,
            action=AuditAction.REVIEW_DECIDE,
            subject=item.entitlement.person,
            detail={"kind": item.entitlement.kind, "keep": keep, "note": item.note},
        )
    return item


@dataclass
class Pressed:
    townships: int
    items: int


def reviews_press(*, today: date) -> Pressed:
    """Reviews past their deadline: each township's 民政办 is reminded and the county 民政局
    told (督办); nothing is stopped for want of a review."""
    overdue = ReviewItem.objects.filter(
        status=ReviewItem.Status.PENDING, round__due_date__lt=today, pressed_at__isnull=True
    ).select_related("round__county", "township")
    by_township: dict[str, list[ReviewItem]] = {}
    for item in overdue:
        by_township.setdefault(item.township_id, []).append(item)
    pressed = Pressed(len(by_township), sum(map(len, by_township.values())))
    with transaction.atomic():
        for township, items in by_township.items():
            review = items[0].round
            text = (
                f"{items[0].township.name}有 {len(items)} 名享受人员的{review.year}年定期复核"
                f"已超过期限（{review.due_date:%Y年%-m月%-d日}），请尽快复核；未复核的继续发放。"
            )
            for unit in (unit_id("civil", township), unit_id("civil", review.county_id)):
                if unit is not None:
                    notify_unit(unit=OrgUnit(pk=unit), text=text, event="review_pressed")
            ReviewItem.objects.filter(pk__in=[i.pk for i in items]).update(pressed_at=clock.now())
        if by_township:
            audit_record(
                actor=None,
                action=AuditAction.REVIEW_PRESS,
                subject=None,
                detail={"townships": pressed.townships, "items": pressed.items},
            )
    return pressed
