"""An officer's work on a step: claim, assign, decide (approve, reject, return for supplement,
transfer), and the applicant's supplement that resumes a returned matter.

Exactly one of two simultaneous deciders wins (the step's row lock); a repeated decision is
returned unchanged.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.timezone import localtime
from django.utils.translation import gettext, gettext_noop

from onestop.accounts.actors import Actor
from onestop.accounts.models import StaffUser
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock
from onestop.notices.services import notify_application
from onestop.people.identifiers import CATEGORIES, LEVELS
from onestop.policy import calendar
from onestop.policy.matters import Matter as MatterType
from onestop.regions.models import OrgUnit

from . import reference
from .certificates import certificate_issue, waiting_refuse, waiting_resume
from .chains import ChainDef, Outcome, StepDef
from .errors import CaseError, Conflict
from .kernel import (
    Topic,
    can_act,
    close,
    conclude,
    emit_for,
    locked,
    new_step,
    refresh_due,
    resume,
    start,
    window_unit,
)
from .materials import MaterialIn, store_materials
from .models import Application, Matter, Step
from .workflow import MATTER, STEP, all_closed, can_decide, can_supply, move


def step_claim(*, actor: StaffUser, step: Step) -> Step:
    if not can_act(actor, step):
        raise PermissionDenied(gettext("该环节不由您所在的单位和岗位办理。"))
    with transaction.atomic():
        claimed = Step.objects.filter(
            pk=step.pk, status=Step.Status.ACTIVE, assignee__isnull=True
        ).update(assignee=actor)
        step.refresh_from_db()
        if not claimed and step.assignee_id != actor.pk:
            who = step.assignee.display_name if step.assignee else "他人"
            raise Conflict(f"该环节已由{who}认领或办理，请刷新后查看。")
        if claimed:
            audit_record(
                actor=actor,
                action=AuditAction.STEP_CLAIM,
                subject=step.matter.application,
                detail={"matter": step.matter.kind, "step": step.name},
            )
    return step


def step_assign(*, actor: StaffUser, step: Step, assignee: StaffUser) -> Step:
    """Hand an open step to a colleague of the same unit and role."""
    if not can_act(actor, step) or not can_act(assignee, step):
        raise PermissionDenied(gettext("只能在本单位同一岗位的工作人员之间分派。"))
    with transaction.atomic():
        locked_step = Step.objects.select_for_update().get(pk=step.pk)
        if locked_step.status != Step.Status.ACTIVE:
            raise Conflict("该环节已办理，不能再分派。")
        locked_step.assignee = assignee
        locked_step.save(update_fields=["assignee"])
        audit_record(
            actor=actor,
            action=AuditAction.STEP_ASSIGN,
            subject=locked_step.matter.application,
            detail={
                "matter": locked_step.matter.kind,
                "step": locked_step.name,
                "to": assignee.username,
            },
        )
    return locked_step


@dataclass(frozen=True)
class Decision:
    outcome: str
    reason: str = ""
    missing_materials: tuple[str, ...] = ()
    transfer_to: OrgUnit | None = None
    category: int | None = None  # for the assessment step
    level: int | None = None
    amount: Decimal | None = None  # for the medical amount


@dataclass
class _Deciding:
    """One decision being applied, with everything its outcome's handler needs."""

    actor: StaffUser
    app: Application
    matter: Matter
    step: Step
    sdef: StepDef
    definition: ChainDef
    decision: Decision
    reason: str
    today: date
    now: datetime
    detail: dict


def _locked_step(actor: StaffUser, step: Step, decision: Decision) -> tuple[Step, bool]:
    """The step, locked, and whether it is still to decide (False: this actor's retry)."""
    found = (
        Step.objects.select_for_update(of=("self",))
        .select_related("matter__chain", "decided_by", "assignee")
        .get(pk=step.pk)
    )
    if found.status != Step.Status.ACTIVE:
        if found.decided_by_id == getattr(actor, "pk", None) and found.outcome == decision.outcome:
            return found, False  # the same decision, retried
        who = found.decided_by.display_name if found.decided_by else gettext("他人")
        when = f"{localtime(found.decided_at):%m-%d %H:%M}" if found.decided_at else ""
        label = gettext(Outcome.LABELS.get(found.outcome, gettext_noop("已取消")))
        raise Conflict(
            gettext("该环节已由{who}于{when}办理（{outcome}），请刷新后查看。").format(
                who=who, when=when, outcome=label
            )
        )
    if not can_act(actor, found):
        raise PermissionDenied(gettext("该环节不由您所在的单位和岗位办理。"))
    if found.assignee is not None and found.assignee_id != actor.pk:
        raise Conflict(
            gettext("该环节已由{who}认领，请联系其办理或申请改派。").format(
                who=found.assignee.display_name
            )
        )
    return found, True


def step_decide(*, actor: StaffUser, step: Step, decision: Decision) -> Step:
    """Decide the step; exactly one of two simultaneous deciders wins."""
    with transaction.atomic():
        found, to_decide = _locked_step(actor, step, decision)
        if not to_decide:
            return found
        matter = Matter.objects.select_for_update().get(pk=found.matter_id)
        app = locked(matter.application)
        if not can_decide(matter.status):
            raise CaseError(
                gettext("该事项当前为“{status}”，暂不能办理。").format(
                    status=gettext(matter.get_status_display())
                )
            )
        definition = reference.chain_definition(matter.chain_id)
        sdef = definition.steps[found.index]
        decision_check(matter=matter, step=found, sdef=sdef, decision=decision)
        emit_for(
            Topic.STEP_DECIDED,
            app,
            matter,
            found.unit_id,
            step={"id": found.pk, "name": found.name},
            outcome=decision.outcome,
        )
        detail = _apply(_deciding(actor, app, matter, found, sdef, definition, decision))
        refresh_due(app)
        audit_record(actor=actor, action=AuditAction.STEP_DECIDE, subject=app, detail=detail)
        if all_closed(m.status for m in app.matters.all()):
            conclude(app)
    return found


def decision_check(*, matter: Matter, step: Step, sdef: StepDef, decision: Decision) -> None:
    """Everything wrong with a decision the officer can fix on the form, all at once, before
    it is confirmed (and again when it is made)."""
    errors: dict[str, str] = {}
    reason = (decision.reason or "").strip()
    if decision.outcome not in sdef.outcomes:
        errors["outcome"] = "该环节不能作出这一结论。"
    elif decision.outcome == Outcome.REJECT and not reason:
        errors["reason"] = "请填写理由，将告知申请人。"
    elif decision.outcome == Outcome.TRANSFER:
        target = decision.transfer_to
        if not reason:
            errors["reason"] = "请填写转办理由。"
        if target is None or target.pk == step.unit_id or target.department != step.unit.department:
            errors["transfer_to"] = "请选择同一部门的另一个单位。"
    elif decision.outcome == Outcome.RETURN:
        if not any(m.strip() for m in decision.missing_materials):
            errors["missing_materials"] = "请列出需要补正的材料，一次告知申请人。"
    elif decision.outcome == Outcome.APPROVE and sdef.records == "assessment":
        if decision.category not in CATEGORIES or decision.level not in LEVELS:
            errors["assessment"] = "请填写评定结果：残疾类别（1-7）和等级（1-4）。"
    elif decision.outcome == Outcome.APPROVE and sdef.records == "amount":
        try:
            _medical_amount(matter, decision, reason)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)


def _deciding(
    actor: StaffUser,
    app: Application,
    matter: Matter,
    step: Step,
    sdef: StepDef,
    definition: ChainDef,
    decision: Decision,
) -> _Deciding:
    return _Deciding(
        actor=actor,
        app=app,
        matter=matter,
        step=step,
        sdef=sdef,
        definition=definition,
        decision=decision,
        reason=(decision.reason or "").strip()[:500],
        today=clock.today(),
        now=clock.now(),
        detail={
            "matter": matter.kind,
            "step": step.name,
            "outcome": decision.outcome,
            "due": str(step.due_date),
        },
    )


def _apply(d: _Deciding) -> dict:
    """Record the step's decision, then do what its outcome does; returns the audit detail."""
    outcome, step = d.decision.outcome, d.step
    step.status = move(STEP, step.status, Step.Status.DONE)
    step.outcome, step.reason = outcome, d.reason
    step.decided_by, step.decided_at, step.assignee = d.actor, d.now, step.assignee or d.actor
    OUTCOMES[outcome](d)
    return d.detail


def _return(d: _Deciding) -> None:
    missing = [m.strip() for m in d.decision.missing_materials if m.strip()]
    d.step.missing_materials = missing
    d.step.save()
    matter = d.matter
    matter.status = move(MATTER, matter.status, Matter.Status.SUPPLEMENT)
    matter.paused_on = d.today
    matter.save(update_fields=["status", "paused_on"])
    emit_for(Topic.SUPPLEMENT_REQUESTED, d.app, matter, window_unit(d.app), missing=missing)
    notify_application(
        application=d.app,
        event="supplement",
        matter=matter.label,
        missing=missing,
    )
    d.detail["missing"] = missing


def _transfer(d: _Deciding) -> None:
    target, step = cast(OrgUnit, d.decision.transfer_to), d.step  # decision_check made sure
    step.save()
    # The deadline travels with the work: a transfer does not restart the clock.
    start(
        new_step(
            d.matter, d.app, d.definition, step.index, d.today, due=step.due_date, unit=target
        ),
        d.app,
    )
    d.detail["to"] = target.name


def _reject(d: _Deciding) -> None:
    d.step.save()
    close(d.matter, Matter.Status.REJECTED, {"reason": d.reason}, d.now)
    d.detail["reason"] = d.reason
    if d.matter.kind == MatterType.CERT:
        waiting_refuse(d.app, d.now)


def _approve(d: _Deciding) -> None:
    """Record what the step records; then the next step, or the matter's approval."""
    step, matter = d.step, d.matter
    if d.sdef.records == "assessment":
        step.data = {"category": d.decision.category, "level": d.decision.level}
        matter.result = {**matter.result, **step.data}
    elif d.sdef.records == "amount":
        step.data = _medical_amount(matter, d.decision, d.reason)
        matter.result = {**matter.result, **step.data}
    step.save()
    d.detail.update(step.data)
    if step.index + 1 < len(d.definition.steps):
        start(new_step(matter, d.app, d.definition, step.index + 1, d.today), d.app)
        matter.save(update_fields=["result"])
        return
    result = dict(matter.result)
    if d.sdef.records == "certificate":
        result.update(certificate_issue(d.actor, d.app, matter, d.today))
    if matter.kind in (MatterType.LIVING, MatterType.NURSING, MatterType.PENSION):
        result.setdefault("amount", matter.prescreen.get("amount"))
        result.setdefault("unit", matter.prescreen.get("unit"))
    close(matter, Matter.Status.APPROVED, result, d.now)
    if matter.kind == MatterType.CERT:
        waiting_resume(d.app, d.today)


OUTCOMES: dict[str, Callable[[_Deciding], None]] = {
    Outcome.APPROVE: _approve,
    Outcome.REJECT: _reject,
    Outcome.RETURN: _return,
    Outcome.TRANSFER: _transfer,
}


def amount_to_record(typed: Decimal | None, proposed: str | None) -> Decimal | None:
    """The 核定金额 a medical approval records: the one typed, else the rule's figure."""
    return typed if typed is not None else (Decimal(proposed) if proposed else None)


def _medical_amount(matter: Matter, decision: Decision, reason: str) -> dict:
    proposed = matter.prescreen.get("amount")
    amount = amount_to_record(decision.amount, proposed)
    if amount is None:
        raise ValidationError({"amount": gettext("请填写核定的报销金额。")})
    try:
        amount = Decimal(amount).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationError({"amount": gettext("报销金额应为数字。")}) from None
    if amount < 0:
        raise ValidationError({"amount": gettext("报销金额不能为负数。")})
    edited = proposed is not None and amount != Decimal(proposed)
    if (edited or proposed is None) and not reason:
        raise ValidationError({"reason": gettext("核定金额与系统计算不同时，请填写调整理由。")})
    return {"amount": str(amount), "unit": "元", "calculated": proposed, "adjusted": edited}


# --- supplement --------------------------------------------------------------------------------
def matter_supply(
    *, actor: Actor, matter: Matter, materials: Sequence[MaterialIn], in_person: bool = False
) -> Matter:
    """The applicant hands in what was asked for; the clock restarts where it stopped."""
    with transaction.atomic():
        held = Matter.objects.select_for_update().select_related("chain").get(pk=matter.pk)
        app = locked(held.application)
        if not can_supply(held.status):
            raise CaseError(gettext("该事项当前不需要补正材料。"))
        if actor is not None and (actor.scope is None or not actor.scope.contains(app.township)):
            raise PermissionDenied(gettext("申请人户籍不在您的管辖范围内。"))
        if not materials:
            raise ValidationError({"materials": gettext("请提交需要补正的材料。")})
        returned = held.steps.filter(outcome=Outcome.RETURN).order_by("-decided_at").first()
        if returned is None:
            raise CaseError(gettext("该事项当前不需要补正材料。"))
        today = clock.today()
        stopped = resume(held, today)
        held.save()
        store_materials(app, materials, step=returned)
        resumed = new_step(
            held,
            app,
            reference.chain_definition(held.chain_id),
            returned.index,
            today,
            due=calendar.add_working_days(returned.due_date, stopped),
            unit=returned.unit,
        )
        resumed.save()
        emit_for(
            Topic.SUPPLEMENT_SUPPLIED,
            app,
            held,
            resumed.unit_id,
            step={"id": resumed.pk, "name": resumed.name, "due_date": str(resumed.due_date)},
        )
        if in_person:
            app.trips += 1
            app.save(update_fields=["trips"])
        refresh_due(app)
        audit_record(
            actor=actor,
            action=AuditAction.MATTER_SUPPLY,
            subject=app,
            detail={
                "matter": held.kind,
                "stopped_days": stopped,
                "due": str(held.due_date),
                "materials": [m.code for m in materials],
            },
        )
    return held
