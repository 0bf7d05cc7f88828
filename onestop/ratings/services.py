from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.cases.models import Application
from onestop.core import clock

from .models import Level, Rating

RATABLE = (Application.Status.CONCLUDED, Application.Status.DELIVERED)


def rating_submit(
    *, phone: str, application: Application, level: int, comment: str = "", matter=None
) -> Rating:
    """好差评 of the whole application or of one matter, once each, after the results."""
    if application.status not in RATABLE:
        raise ValidationError({"level": "办结后才能评价。"})
    if level not in Level.values:
        raise ValidationError({"level": "请选择一个评价。"})
    if matter is not None and matter.application_id != application.pk:
        raise ValidationError({"matter": "该事项不属于这份申请。"})
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                application=application,
                matter=matter,
                level=level,
                comment=(comment or "").strip()[:500],
                rated_by_phone=phone,
                created_at=clock.now(),
            )
            audit_record(
                actor=None,
                action=AuditAction.RATING_SUBMIT,
                subject=application,
                detail={"matter": matter.kind if matter else None, "level": level},
            )
    except IntegrityError:
        raise ValidationError({"level": "已经评价过了，谢谢您。"}) from None
    return rating


def rating_answer(*, actor, rating: Rating, answer: str, rectify_by: date | None = None) -> Rating:
    """The answer to a 差评 (a call-back and what will be put right, by when)."""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "请填写回复和整改情况。"})
    if (
        actor is None
        or actor.scope is None
        or not actor.scope.contains(rating.application.township)
    ):
        raise ValidationError({"answer": "该评价不在您的管辖范围内。"})
    with transaction.atomic():
        rating = Rating.objects.select_for_update().get(pk=rating.pk)
        rating.answer, rating.answered_by, rating.answered_at = answer, actor, clock.now()
        rating.rectify_by = rectify_by
        rating.save()
        audit_record(
            actor=actor,
            action=AuditAction.RATING_ANSWER,
            subject=rating.application,
            detail={"rating": rating.pk, "rectify_by": str(rectify_by) if rectify_by else None},
        )
    return rating


def rating_rate_rectification(*, phone: str, rating: Rating, level: int) -> Rating:
    if not rating.answered_at:
        raise ValidationError({"level": "还没有收到回复，暂时不能评价整改。"})
    if level not in Level.values:
        raise ValidationError({"level": "请选择一个评价。"})
    with transaction.atomic():
        updated = Rating.objects.filter(pk=rating.pk, rectification_level__isnull=True).update(
            rectification_level=level
        )
        if not updated:
            raise ValidationError({"level": "已经评价过整改情况了，谢谢您。"})
        audit_record(
            actor=None,
            action=AuditAction.RATING_RECTIFICATION,
            subject=rating.application,
            detail={"rating": rating.pk, "level": level},
        )
    rating.refresh_from_db()
    return rating
