"""The clocks' watchers: 临期 and 超期 marked by the sweep, and a supervisor's 督办."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext

from onestop.accounts.actors import Actor
from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock
from onestop.policy import calendar

from .errors import CaseError
from .models import Alert, Matter, Step


def matter_press(*, actor: Actor, matter: Matter, message: str) -> Alert:
    """督办: a supervisor presses the unit holding the matter's open step."""
    if actor is None or actor.role != Role.SUPERVISOR:
        raise PermissionDenied(gettext("只有政务服务监督员可以督办。"))
    app = matter.application
    if actor.scope is None or not actor.scope.contains(app.township):
        raise PermissionDenied(gettext("该申请不在您的监督范围内。"))
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": gettext("请填写督办意见。")})
    with transaction.atomic():
        locked = Matter.objects.select_for_update().get(pk=matter.pk)
        step = locked.steps.filter(status=Step.Status.ACTIVE).first()
        if step is None:
            raise CaseError(gettext("该事项当前没有正在办理的环节，无需督办。"))
        alert = Alert.objects.create(
            step=step,
            kind=Alert.Kind.PRESSED,
            unit=step.unit,
            message=message[:500],
            created_by=actor,
        )
        locked.pressed_count += 1
        locked.save(update_fields=["pressed_count"])
        audit_record(
            actor=actor,
            action=AuditAction.MATTER_PRESS,
            subject=app,
            detail={
                "matter": locked.kind,
                "step": step.name,
                "unit": step.unit.name,
                "message": message[:500],
            },
        )
    return alert


def clock_sweep(*, day: date | None = None) -> dict[str, int]:
    """Mark open steps 临期 (one working day or less left) and 超期, once each, with an alert
    to the unit and an audit event; supervisors see both in their lists."""
    day = day or clock.today()
    soon = calendar.due_soon_until(day)
    counts = {"due_soon": 0, "overdue": 0}
    open_steps = Step.objects.filter(
        status=Step.Status.ACTIVE, matter__status=Matter.Status.IN_PROGRESS
    )
    for kind, flag, query in (
        (Alert.Kind.OVERDUE, "overdue", open_steps.filter(overdue=False, due_date__lt=day)),
        (
            Alert.Kind.DUE_SOON,
            "warned",
            open_steps.filter(warned=False, due_date__gte=day, due_date__lte=soon),
        ),
    ):
        for step in query.select_related("matter__application", "unit").iterator():
            with transaction.atomic():
                if not Step.objects.filter(pk=step.pk, **{flag: False}).update(**{flag: True}):
                    continue  # another sweep got here first
                label = "已超期" if kind == Alert.Kind.OVERDUE else "即将到期"
                Alert.objects.create(
                    step=step,
                    kind=kind,
                    unit=step.unit,
                    message=f"{step.name}{label}，期限 {step.due_date:%Y-%m-%d}",
                )
                audit_record(
                    actor=None,
                    action=AuditAction.STEP_OVERDUE
                    if kind == Alert.Kind.OVERDUE
                    else AuditAction.STEP_DUE_SOON,
                    subject=step.matter.application,
                    detail={
                        "matter": step.matter.kind,
                        "step": step.name,
                        "unit": step.unit.name,
                        "due": str(step.due_date),
                    },
                )
            counts["overdue" if kind == Alert.Kind.OVERDUE else "due_soon"] += 1
    return counts
