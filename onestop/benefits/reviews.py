"""定期复核: each year a county's entitlements are checked again. The shared data pre-checks each
person; the township 民政 officers (or, for a person whose 户籍 is no longer in the county, the
county 民政局) confirm or stop, each within a working-day deadline counted from the day the person
was queued; a review not done in time is pressed (督办), never stopped silently; a stop takes
effect from the next month."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext

from onestop.accounts.models import StaffUser
from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock
from onestop.core.actions import ActionRefused
from onestop.notices.services import notify_unit
from onestop.people.models import Certificate, CertificateStatus, DibaoCategory, SharedRecord
from onestop.policy import calendar
from onestop.regions.models import Level, OrgUnit, Region
from onestop.regions.selectors import unit_id

from .entitlements import CERTIFIED_KINDS, entitlements_end
from .models import EndReason, Entitlement, Kind, ReviewItem, ReviewRound


def _is_local(hukou: Region, county: str) -> bool:
    return hukou.code == county or hukou.parent_id == county


def _queue(hukou: Region, county: str) -> str:
    """Where the person is reviewed: the township of the 户籍 when it is one of the county's,
    else the county itself."""
    return hukou.code if hukou.parent_id == county and hukou.level == Level.TOWNSHIP else county


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
            "hukou_local": _is_local(e.person.hukou_region, county),
            "certificate_valid": e.person_id in certified,
        }
        if e.kind == Kind.LIVING:
            checks["dibao_valid"] = e.person.dibao_category != DibaoCategory.NONE
        out[e.pk] = checks
    return out


def review_open(*, actor: StaffUser | None, county: Region, year: int) -> ReviewRound:
    """Open the year's review of a county: every subsidy still paid, pre-checked, queued for
    the township of the 户籍 (or the county 民政局 when the 户籍 is not in one of its townships),
    each due in the review's working days from today. Opening it again adds only those entitled
    since, with their own deadline."""
    if actor is not None and (
        actor.department != "civil"
        or actor.role not in (Role.COUNTY_CIVIL, Role.DEPARTMENT_HEAD)
        or actor.scope is None
        or not actor.scope.contains(county)
    ):
        raise PermissionDenied(gettext("定期复核由旗县（市、区）民政局开展。"))
    due = calendar.add_working_days(clock.today(), settings.BENEFITS_REVIEW_DAYS)
    with transaction.atomic():
        ReviewRound.objects.get_or_create(
            county=county, year=year, defaults={"opened_at": clock.now(), "due_date": due}
        )
        # Two openings at once: the second waits here and then adds only what is left.
        review = ReviewRound.objects.select_for_update().get(county=county, year=year)
        entitlements = list(
            Entitlement.objects.filter(county=county, kind__in=CERTIFIED_KINDS, end__isnull=True)
            .exclude(reviews__round=review)
            .select_related("person__hukou_region")
        )
        checks = _prechecks(entitlements, county.code)
        items = ReviewItem.objects.bulk_create(
            ReviewItem(
                round=review,
                entitlement=e,
                region_id=_queue(e.person.hukou_region, county.code),
                due_date=due,
                precheck=checks[e.pk],
            )
            for e in entitlements
        )
        audit_record(
            actor=actor,
            action=AuditAction.REVIEW_OPEN,
            subject=review,
            detail={
                "year": year,
                "added": len(items),
                "to_county": sum(1 for i in items if i.region_id == county.code),
                "due": str(due),
            },
        )
    return review


def may_decide(actor: StaffUser, item: ReviewItem) -> bool:
    """A township's people are decided by its 民政 officer; those queued for the county (户籍
    no longer in its townships) by the county 民政局's approver, and no others: the township
    knows its people and checks them in person, the county keeps the approver's place."""
    if actor.scope is None or actor.department != "civil":
        return False
    role = Role.COUNTY_CIVIL if item.by_county else Role.TOWNSHIP_CIVIL
    return actor.role == role and actor.scope.contains(item.region)


def review_decide(*, actor: StaffUser, item: ReviewItem, keep: bool, note: str = "") -> ReviewItem:
    """The conclusion of the officer whose queue the person is in; a stop ends the entitlement
    from the next month."""
    note = note.strip()
    with transaction.atomic():
        item = (
            # The item alone: decisions in one round must not queue on the round's row.
            ReviewItem.objects.select_for_update(of=("self",))
            .select_related("entitlement__person", "region", "round")
            .get(pk=item.pk)
        )
        if not may_decide(actor, item):
            raise PermissionDenied(
                gettext("户籍已不在本旗县的人员由发放旗县（市、区）民政局复核。")
                if item.by_county
                else gettext("定期复核由户籍所在苏木乡镇（街道）民政审核员办理。")
            )
        if not keep and not note:
            raise ActionRefused(gettext("停止享受须写明复核意见（原因）。"))
        if item.status != ReviewItem.Status.PENDING:
            raise ActionRefused(gettext("该人员已复核过了。"))
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
            detail={
                "kind": item.entitlement.kind,
                "keep": keep,
                "note": item.note,
                "by_county": item.by_county,
            },
        )
    return item


@dataclass
class Pressed:
    queues: int
    items: int


def _press_text(region: Region, review: ReviewRound, items: list[ReviewItem]) -> str:
    earliest = min(i.due_date for i in items)
    whose = (
        f"由{region.name}民政局直接复核的 {len(items)} 名享受人员（户籍已不在本旗县）"
        if region.pk == review.county_id
        else f"{region.name}有 {len(items)} 名享受人员"
    )
    return (
        f"{whose}的{review.year}年定期复核已超过期限"
        f"（{'最早的' if len({i.due_date for i in items}) > 1 else ''}"
        f"期限为 {earliest:%Y年%-m月%-d日}），请尽快复核；未复核的继续发放。"
    )


def reviews_press(*, today: date) -> Pressed:
    """Reviews past their own deadline: the 民政 unit whose queue they are in is reminded and
    the county 民政局 told (督办); nothing is stopped for want of a review."""
    overdue = ReviewItem.objects.filter(
        status=ReviewItem.Status.PENDING, due_date__lt=today, pressed_at__isnull=True
    ).select_related("round__county", "region")
    by_queue: dict[tuple[str, int], list[ReviewItem]] = {}
    for item in overdue:
        by_queue.setdefault((item.region_id, item.round_id), []).append(item)
    pressed = Pressed(len(by_queue), sum(map(len, by_queue.values())))
    with transaction.atomic():
        for (region, _), items in by_queue.items():
            review = items[0].round
            text = _press_text(items[0].region, review, items)
            for unit in dict.fromkeys(
                (unit_id("civil", region), unit_id("civil", review.county_id))
            ):
                if unit is not None:
                    notify_unit(unit=OrgUnit(pk=unit), text=text, event="review_pressed")
            ReviewItem.objects.filter(pk__in=[i.pk for i in items]).update(pressed_at=clock.now())
        if by_queue:
            audit_record(
                actor=None,
                action=AuditAction.REVIEW_PRESS,
                subject=None,
                detail={"queues": pressed.queues, "items": pressed.items},
            )
    return pressed
