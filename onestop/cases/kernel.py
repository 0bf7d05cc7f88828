"""What every family of case actions shares: locks, routing, new steps, outbox events, the
matters' clocks, and closing a matter or the whole application.

Each action (intake, steps, certificates, clocks, materials) runs in one transaction and leaves
one audit event; two officers acting at once are serialised on a row lock, and retrying an
action that already happened returns the same result instead of acting twice.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeGuard

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from onestop.accounts.actors import Actor
from onestop.accounts.models import StaffUser
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock
from onestop.core.words import bare, words
from onestop.notices.services import notify_application
from onestop.outbox.models import OutboxEvent
from onestop.outbox.services import emit_many
from onestop.policy import calendar
from onestop.policy.matters import Matter as MatterType
from onestop.policy.reasons import said
from onestop.policy.verdict import Assessment
from onestop.regions.enums import Level
from onestop.regions.models import OrgUnit
from onestop.regions.selectors import unit_id, window_unit_id

from .chains import ChainDef, StepDef
from .errors import CaseError
from .models import Application, Matter, Step
from .workflow import APPLICATION, MATTER, STEP, move, move_all

REFUSAL = gettext_noop("原因：{reason}。如不服，可依法申请行政复议或提起行政诉讼")

Topic = OutboxEvent.Topic
CERT_DEPENDENT = {MatterType.LIVING, MatterType.NURSING, MatterType.PENSION}


def locked(application: Application) -> Application:
    """The application, locked (alone), with the persons its notices go to."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("applicant", "representative")
        .get(pk=application.pk)
    )


# --- routing -----------------------------------------------------------------------------------
def unit_for(step: StepDef, application: Application) -> int:
    """The org unit (id) of the applicant's 户籍 township or county that acts on this step."""
    township = step.level == Level.TOWNSHIP
    found = unit_id(step.department, application.township_id if township else application.county_id)
    if found is None:
        region = application.township if township else application.county
        raise CaseError(f"{region.name}没有设立办理“{step.name}”的单位，请联系系统管理员。")
    return found


def can_act(actor: Actor, step: Step) -> TypeGuard[StaffUser]:
    return (
        actor is not None
        and getattr(actor, "is_active", False)
        and actor.org_unit_id == step.unit_id
        and actor.role == step.role
    )


def window_unit(app: Application) -> int | None:
    return window_unit_id(app.county_id)


# --- steps and their events ---------------------------------------------------------------------
def new_step(
    matter: Matter,
    app: Application,
    definition: ChainDef,
    index: int,
    start: date,
    due: date | None = None,
    unit: OrgUnit | None = None,
) -> Step:
    """An active step (unsaved) at the unit the chain routes it to, or ``unit``."""
    sdef = definition.steps[index]
    return Step(
        matter=matter,
        index=index,
        code=sdef.code,
        name=sdef.name,
        role=sdef.role,
        unit_id=unit.pk if unit else unit_for(sdef, app),
        status=move(STEP, None, Step.Status.ACTIVE),
        started_on=start,
        due_date=due or calendar.add_working_days(start, sdef.days),
    )


def start(step: Step, app: Application) -> Step:
    """Save a new active step and tell its unit (the outbox event commits with it)."""
    step.save()
    announce([step], app)
    return step


def announce(steps: list[Step], app: Application) -> None:
    """Tell each new step's unit, in one write for all of them."""
    emit_many(
        [
            event_for(
                Topic.MATTER_DISPATCHED,
                app,
                step.matter,
                step.unit_id,
                step={"id": step.pk, "name": step.name, "due_date": str(step.due_date)},
            )
            for step in steps
        ]
    )


def event_for(
    topic: str, app: Application, matter: Matter | None, unit_id: int | None, **data: Any
) -> OutboxEvent:
    """An outbox event for a unit, unsaved. No personal data travels in it: receivers read the
    matter through the API, which gives each department only the fields it needs."""
    payload = {"tracking_no": app.tracking_no, "matter": matter.kind if matter else None, **data}
    return OutboxEvent(
        topic=topic,
        application_id=app.pk,
        matter_id=matter.pk if matter else None,
        unit_id=unit_id,
        payload=payload,
    )


def emit_for(
    topic: str, app: Application, matter: Matter | None, unit_id: int | None, **data: Any
) -> None:
    emit_many([event_for(topic, app, matter, unit_id, **data)])


def cancel_active_steps(steps: QuerySet[Step]) -> None:
    """End the open steps of a queryset (a matter closed, an application withdrawn)."""
    cancelled = move(STEP, Step.Status.ACTIVE, Step.Status.CANCELLED)
    steps.filter(status=Step.Status.ACTIVE).update(status=cancelled)


# --- clocks ------------------------------------------------------------------------------------
def refresh_due(app: Application) -> None:
    """The application's one clock: the latest due date of its matters."""
    dues = [d for d in app.matters.values_list("due_date", flat=True) if d is not None]
    app.due_date = max(dues) if dues else None
    app.save(update_fields=["due_date"])


def resume(matter: Matter, today: date) -> int:
    """Restart a paused matter's clock; returns the working days it was stopped."""
    paused_on = matter.paused_on or today
    stopped = max(0, calendar.working_days_between(paused_on, today))
    matter.paused_days += stopped
    if matter.due_date is not None:
        matter.due_date = calendar.add_working_days(matter.due_date, stopped)
    matter.paused_on = None
    matter.status = move(MATTER, matter.status, Matter.Status.IN_PROGRESS)
    return stopped


def snapshot(assessment: Assessment) -> dict[str, Any]:
    """The prescreen's conclusion on one matter, as the matter keeps it."""
    amount = assessment.amount
    return {
        "outcome": assessment.outcome.value,
        "outcome_label": assessment.outcome.label,
        "reasons": [r.text for r in assessment.reasons],
        "missing": [f"{m.label}（{m.holder}）" for m in assessment.missing],
        "amount": None if amount is None or amount.value is None else str(amount.value),
        "unit": amount.unit if amount else "",
        # What was said, to show it again in the reader's language (the lists above are Chinese).
        "said": {
            "reasons": [said(r) for r in assessment.reasons],
            "missing": [[m.label, m.holder] for m in assessment.missing],
        },
    }


# Benefits build on cases (an approval starts an entitlement): like delivery below, they register
# here when Django starts (``BenefitsConfig.ready``) and run in the deciding transaction.
_when_decided: list[Callable[..., object]] = []


def when_decided(handler: Callable[..., object]) -> None:
    """Run ``handler(matter=...)`` in the transaction that decides a matter."""
    if handler not in _when_decided:
        _when_decided.append(handler)


# --- ends --------------------------------------------------------------------------------------
def close(matter: Matter, status: str, result: dict, now: datetime) -> None:
    """A matter's decision: its open steps end and the applicant is told (with how to appeal)."""
    matter.status = move(MATTER, matter.status, status)
    matter.result, matter.decided_at, matter.paused_on = result, now, None
    matter.save(update_fields=["status", "result", "decided_at", "paused_on"])
    cancel_active_steps(matter.steps.all())
    for handler in _when_decided:
        handler(matter=matter)
    approved = status == Matter.Status.APPROVED
    notify_application(
        application=matter.application,
        event="decided",
        matter=matter.label,
        outcome=gettext_noop("已批准") if approved else gettext_noop("未批准"),
        reason="" if approved else words(REFUSAL, reason=bare(result.get("reason", ""))),
    )


def end_matters(app: Application, status: str, **fields: Any) -> None:
    """Every matter of an application ends at once (refused or withdrawn as a whole)."""
    matters = app.matters.all()
    move_all(MATTER, matters.values_list("status", flat=True), status)
    matters.update(status=status, **fields)


# Delivery builds on cases (it hands over the decided matters), so cases cannot import it. It
# registers its handler here when Django starts (``DeliveryConfig.ready``); ``conclude`` calls
# it inside the same transaction, so a concluded application always has its handover. A plain
# list, not a Django signal: the one subscriber is named in one place and runs in order.
_when_concluded: list[Callable[..., object]] = []


def when_concluded(handler: Callable[..., object]) -> None:
    """Run ``handler(application=...)`` in the transaction that concludes an application."""
    if handler not in _when_concluded:
        _when_concluded.append(handler)


def conclude(app: Application) -> None:
    """All matters decided: the application is concluded and its results go to delivery."""
    app.status = move(APPLICATION, app.status, Application.Status.CONCLUDED)
    app.concluded_at = clock.now()
    app.save(update_fields=["status", "concluded_at"])
    emit_for(Topic.APPLICATION_CONCLUDED, app, None, window_unit(app))
    audit_record(
        actor=None,
        action=AuditAction.APPLICATION_CONCLUDE,
        subject=app,
        detail={m.kind: m.status for m in app.matters.all()},
    )
    for handler in _when_concluded:
        handler(application=app)
