"""好差评: ratings attributed to the unit and step that caused them, and the follow-up of every 差评
(call back, verify and rectify, answer within a deadline in working days; the unit may appeal a
malicious or mistaken rating, which the supervisor decides)."""

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_noop

from onestop.accounts.actors import Actor
from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.cases.models import Application, Matter, Step
from onestop.cases.workflow import is_ratable
from onestop.core import clock
from onestop.core.words import bare, sentence, words
from onestop.notices.services import notify_application, notify_unit
from onestop.policy import calendar
from onestop.policy.matters import MATTER_DEPARTMENT
from onestop.policy.matters import Matter as MatterType
from onestop.regions.enums import Department
from onestop.regions.models import OrgUnit
from onestop.regions.selectors import unit_id

from .models import NEGATIVE, Level, Rating

RECTIFY_BY = gettext_noop("{answer}。整改期限 {day}")

# How applicants name a department in a comment: by its short name or by one of its matters.
DEPARTMENT_WORDS = {
    Department.CDPF: ("残联", "残疾人联合会", "残疾人证"),
    Department.CIVIL: ("民政", "生活补贴", "护理补贴", "两项补贴"),
    Department.MEDICAL: ("医保", "医疗保障", "医疗救助"),
    Department.HRSS: ("人社", "人力资源", "社保", "养老保险", "保费代缴"),
}


def _decided_step(matter: Matter) -> Step | None:
    return matter.steps.exclude(decided_at=None).order_by("-decided_at", "-pk").first()


def _attribution(application: Application, matter: Matter | None) -> tuple[int | None, Step | None]:
    """A matter's rating falls on the unit of its last decided step; the application's (and a
    window visit's) on the window."""
    step = _decided_step(matter) if matter is not None else None
    if step is not None:
        return step.unit_id, step
    return unit_id("cdpf", application.county_id), None


def _named_units(application: Application, comment: str) -> set[int]:
    """The units an overall 差评 names: the one that decided the application's matter of that
    department, or else the department's unit in the applicant's county."""
    named = {d for d, words in DEPARTMENT_WORDS.items() if any(w in comment for w in words)}
    found: set[int] = set()
    for department in named:
        matter = next(
            (
                m
                for m in application.matters.all()
                if MATTER_DEPARTMENT[MatterType(m.kind)] == department
            ),
            None,
        )
        step = _decided_step(matter) if matter is not None else None
        unit = step.unit_id if step is not None else unit_id(department, application.county_id)
        if unit is not None:
            found.add(unit)
    return found


def _create(
    *,
    application: Application,
    matter: Matter | None,
    level: int,
    comment: str,
    phone: str,
    channel: str,
) -> Rating:
    if level not in Level.values:
        raise ValidationError({"level": gettext("请选择一个评价。")})
    unit, step = _attribution(application, matter)
    negative = level in NEGATIVE
    today = clock.today()
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                application=application,
                matter=matter,
                level=level,
                comment=(comment or "").strip()[:500],
                rated_by_phone=phone,
                channel=channel,
                created_at=clock.now(),
                unit_id=unit,
                step=step,
                followup=Rating.FollowUp.OPEN if negative else Rating.FollowUp.NONE,
                followup_due=calendar.add_working_days(today, settings.RATING_FOLLOWUP_DAYS)
                if negative
                else None,
            )
            audit_record(
                actor=None,
                action=AuditAction.RATING_SUBMIT,
                subject=application,
                detail={
                    "matter": matter.kind if matter else None,
                    "level": level,
                    "channel": channel,
                },
            )
            if negative:
                _route_bad_rating(rating)
    except IntegrityError:
        raise ValidationError({"level": gettext("已经评价过了，谢谢您。")}) from None
    return rating


def _route_bad_rating(rating: Rating) -> None:
    """The rated unit, and the units an overall 差评 names, are told and can follow it up."""
    named: set[int] = set()
    if rating.matter_id is None:
        named = _named_units(rating.application, rating.comment) - {rating.unit_id}
        rating.named_units.set(named)
    text = (
        f"收到差评（{Level(rating.level).label}，受理编号 {rating.application.tracking_no}）："
        f"{_quoted(rating.comment) or '未写意见。'}"
        f"请在 {rating.followup_due:%Y年%-m月%-d日} 前回访、整改并回复申请人。"
    )
    told = named | ({rating.unit_id} if rating.unit_id else set())
    for unit in OrgUnit.objects.filter(pk__in=told):
        notify_unit(unit=unit, event="bad_rating", text=text)


def _quoted(text: str, limit: int = 200) -> str:
    """What a person wrote, as one sentence to quote in a notice, cut short if long."""
    text = bare(text)
    return sentence(text) if len(text) <= limit else text[:limit] + "……"


def rating_submit(
    *,
    phone: str,
    application: Application,
    level: int,
    comment: str = "",
    matter: Matter | None = None,
) -> Rating:
    """好差评 online, of the whole application or of one matter, once each, after the results."""
    if not is_ratable(application.status):
        raise ValidationError({"level": gettext("办结后才能评价。")})
    if matter is not None and matter.application_id != application.pk:
        raise ValidationError({"matter": gettext("该事项不属于这份申请。")})
    return _create(
        application=application,
        matter=matter,
        level=level,
        comment=comment,
        phone=phone,
        channel=Rating.Channel.PORTAL,
    )


def rating_submit_window(
    *, actor: Actor, application: Application, level: int, comment: str = ""
) -> Rating:
    """一次一评: the applicant rates this visit at the window (on the counter's pad)."""
    if (
        actor is None
        or actor.role != Role.WINDOW_CLERK
        or actor.scope is None
        or not actor.scope.contains(application.township)
    ):
        raise PermissionDenied(gettext("只有受理窗口可以请申请人当场评价。"))
    return _create(
        application=application,
        matter=None,
        level=level,
        comment=comment,
        phone="",
        channel=Rating.Channel.WINDOW,
    )


def _check_follow_up(actor: Actor, rating: Rating) -> None:
    own_unit = (
        actor is not None
        and actor.org_unit_id is not None
        and (
            actor.org_unit_id == rating.unit_id
            or rating.named_units.filter(pk=actor.org_unit_id).exists()
        )
    )
    supervisor = (
        actor is not None
        and actor.role == Role.SUPERVISOR
        and actor.scope
        and actor.scope.contains(rating.application.township)
    )
    if not (own_unit or supervisor):
        raise PermissionDenied(gettext("只有被评价的单位或监督员可以跟进这条差评。"))
    if not rating.followup:
        raise ValidationError({"followup": gettext("这不是差评，无需跟进。")})


def rating_call_back(*, actor: Actor, rating: Rating, note: str) -> Rating:
    """Record the call-back to the applicant and what was verified."""
    _check_follow_up(actor, rating)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": gettext("请填写回访和核实情况。")})
    with transaction.atomic():
        Rating.objects.filter(pk=rating.pk).update(
            called_at=clock.now(),
            call_note=note[:500],
            followup=Rating.FollowUp.CALLED
            if rating.followup == Rating.FollowUp.OPEN
            else rating.followup,
        )
        audit_record(
            actor=actor,
            action=AuditAction.RATING_CALL_BACK,
            subject=rating.application,
            detail={"rating": rating.pk},
        )
    rating.refresh_from_db()
    return rating


def rating_answer(
    *, actor: Actor, rating: Rating, answer: str, rectify_by: date | None = None
) -> Rating:
    """The answer to a 差评: what was found and what will be put right, by when."""
    _check_follow_up(actor, rating)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": gettext("请填写回复和整改情况。")})
    with transaction.atomic():
        rating = Rating.objects.select_for_update().get(pk=rating.pk)
        rating.answer, rating.answered_by, rating.answered_at = answer, actor, clock.now()
        rating.rectify_by = rectify_by
        rating.followup = Rating.FollowUp.ANSWERED
        rating.save()
        notify_application(
            application=rating.application,
            event="rating_answered",
            level=rating.get_level_display(),
            answer=words(RECTIFY_BY, answer=bare(_quoted(answer)), day=rectify_by)
            if rectify_by
            else _quoted(answer),
        )
        audit_record(
            actor=actor,
            action=AuditAction.RATING_ANSWER,
            subject=rating.application,
            detail={"rating": rating.pk, "rectify_by": str(rectify_by) if rectify_by else None},
        )
    return rating


def rating_appeal(*, actor: Actor, rating: Rating, reason: str) -> Rating:
    """The unit contests a malicious or mistaken rating; the supervisor decides."""
    if actor is None or actor.org_unit_id != rating.unit_id:
        raise PermissionDenied(gettext("只有被评价的单位可以申诉。"))
    reason = (reason or "").strip()
    if not reason or not rating.followup or rating.followup == Rating.FollowUp.WITHDRAWN:
        raise ValidationError({"reason": gettext("请填写申诉理由（仅差评可申诉）。")})
    with transaction.atomic():
        Rating.objects.filter(pk=rating.pk).update(
            followup=Rating.FollowUp.APPEALED, appeal_reason=reason[:500]
        )
        audit_record(
            actor=actor,
            action=AuditAction.RATING_APPEAL,
            subject=rating.application,
            detail={"rating": rating.pk},
        )
    rating.refresh_from_db()
    return rating


def rating_appeal_decide(*, actor: Actor, rating: Rating, upheld: bool, note: str) -> Rating:
    if (
        actor is None
        or actor.role != Role.SUPERVISOR
        or actor.scope is None
        or not actor.scope.contains(rating.application.township)
    ):
        raise PermissionDenied(gettext("申诉由政务服务监督员处理。"))
    if rating.followup != Rating.FollowUp.APPEALED:
        raise ValidationError({"upheld": gettext("这条评价没有待处理的申诉。")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": gettext("请填写处理意见。")})
    back = Rating.FollowUp.ANSWERED if rating.answered_at else Rating.FollowUp.OPEN
    with transaction.atomic():
        Rating.objects.filter(pk=rating.pk).update(
            followup=Rating.FollowUp.WITHDRAWN if upheld else back, appeal_decision=note[:500]
        )
        audit_record(
            actor=actor,
            action=AuditAction.RATING_APPEAL_DECIDE,
            subject=rating.application,
            detail={"rating": rating.pk, "upheld": upheld},
        )
    rating.refresh_from_db()
    return rating


def rating_rate_rectification(*, phone: str, rating: Rating, level: int) -> Rating:
    if not rating.answered_at:
        raise ValidationError({"level": gettext("还没有收到回复，暂时不能评价整改。")})
    if level not in Level.values:
        raise ValidationError({"level": gettext("请选择一个评价。")})
    with transaction.atomic():
        updated = Rating.objects.filter(pk=rating.pk, rectification_level__isnull=True).update(
            rectification_level=level
        )
        if not updated:
            raise ValidationError({"level": gettext("已经评价过整改情况了，谢谢您。")})
        audit_record(
            actor=None,
            action=AuditAction.RATING_RECTIFICATION,
            subject=rating.application,
            detail={"rating": rating.pk, "level": level},
        )
    rating.refresh_from_db()
    return rating
