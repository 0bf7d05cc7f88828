"""Taking an application in or not (受理, 不予受理) at the window, and the applicant's
withdrawal before any decision."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext

from onestop.accounts.actors import Actor
from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction
from onestop.audit.services import Entry, audit_record
from onestop.core import clock
from onestop.core.bulk import update_rows
from onestop.notices.services import notify_application
from onestop.people.models import Certificate as HeldCertificate
from onestop.people.models import CertificateStatus
from onestop.policy import calendar
from onestop.policy.matters import Matter as MatterType

from . import reference
from .chains import Outcome
from .errors import CaseError
from .kernel import CERT_DEPENDENT, announce, cancel_active_steps, end_matters, locked, new_step
from .models import Application, Matter, Step
from .workflow import APPLICATION, MATTER, move


def _check_window(actor: Actor, application: Application) -> None:
    if actor is None:
        return
    if (
        actor.role not in (Role.WINDOW_CLERK, Role.CDPF_REVIEWER)
        or actor.scope is None
        or not actor.scope.contains(application.township)
    ):
        raise PermissionDenied(gettext("只有申请人户籍地的窗口工作人员可以受理。"))


def application_accept(*, actor: Actor, application: Application) -> Application:
    """受理: dispatch every matter to its first unit and start the clocks."""
    _check_window(actor, application)
    with transaction.atomic():
        app = locked(application)
        if app.status == Application.Status.IN_PROGRESS:
            return app  # accepted already (a retry)
        app.status = move(
            APPLICATION,
            app.status,
            Application.Status.IN_PROGRESS,
            refusal=gettext("该申请当前状态为“{status}”，不能受理。").format(
                status=gettext(app.get_status_display())
            ),
        )
        matters = list(app.matters.all())
        _dispatch(app, matters, clock.today())
        app.accepted_at = clock.now()
        app.due_date = max(m.due_date for m in matters if m.due_date is not None)
        app.save(update_fields=["status", "accepted_at", "due_date"])
        detail = {"due": str(app.due_date), "matters": sorted({m.kind for m in matters})}
        notify_application(
            application=app,
            event="accepted",
            due=app.due_date,
            audit_with=[Entry(actor, AuditAction.APPLICATION_ACCEPT, app, detail)],
        )
    return app


def _holds_certificate(app: Application, kinds: set[str], today: date) -> bool:
    """Whether the matters that need a certificate can start now (or must wait for it)."""
    return (
        MatterType.CERT not in kinds
        or not kinds & CERT_DEPENDENT
        or HeldCertificate.objects.filter(
            person_id=app.applicant_id, status=CertificateStatus.VALID, valid_until__gte=today
        ).exists()
    )


def _dispatch(app: Application, matters: list[Matter], today: date) -> None:
    """Start every matter's clock and its first step (or pause it for the certificate)."""
    holds_cert = _holds_certificate(app, {m.kind for m in matters}, today)
    steps = []
    for matter in matters:
        definition = reference.chain_definition(matter.chain_id)
        matter.dispatched_on = today
        matter.due_date = calendar.add_working_days(today, definition.days)
        if matter.kind in CERT_DEPENDENT and not holds_cert:
            matter.status = move(MATTER, matter.status, Matter.Status.WAITING_CERT)
            matter.paused_on = today
        else:
            matter.status = move(MATTER, matter.status, Matter.Status.IN_PROGRESS)
            steps.append(new_step(matter, app, definition, 0, today))
    update_rows(
        Matter,
        ["status", "due_date", "paused_on", "dispatched_on"],
        [(m.pk, m.status, m.due_date, m.paused_on, today) for m in matters],
    )
    Step.objects.bulk_create(steps)
    announce(steps, app)


def application_refuse(*, actor: Actor, application: Application, reason: str) -> Application:
    """不予受理, with the reason told to the applicant."""
    _check_window(actor, application)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("请填写不予受理的理由。")})
    with transaction.atomic():
        app = locked(application)
        if app.status == Application.Status.REFUSED:
            return app
        app.status = move(
            APPLICATION,
            app.status,
            Application.Status.REFUSED,
            refusal=gettext("该申请当前状态为“{status}”，不能作不予受理。").format(
                status=gettext(app.get_status_display())
            ),
        )
        app.refusal_reason = reason[:500]
        app.concluded_at = clock.now()
        app.save(update_fields=["status", "refusal_reason", "concluded_at"])
        end_matters(app, Matter.Status.WITHDRAWN)
        audit_record(
            actor=actor,
            action=AuditAction.APPLICATION_REFUSE,
            subject=app,
            detail={"reason": reason[:500]},
        )
    return app


def application_withdraw(
    *, actor: Actor, application: Application, reason: str = ""
) -> Application:
    """The applicant withdraws before any decision has been made."""
    with transaction.atomic():
        app = locked(application)
        if app.status == Application.Status.WITHDRAWN:
            return app
        app.status = move(
            APPLICATION,
            app.status,
            Application.Status.WITHDRAWN,
            refusal=gettext("该申请当前为“{status}”，不能撤回。").format(
                status=gettext(app.get_status_display())
            ),
        )
        if any_decided(app):
            raise CaseError(gettext("已有事项作出了决定，不能整体撤回；如需停办请联系窗口。"))
        now = clock.now()
        app.concluded_at = now
        app.save(update_fields=["status", "concluded_at"])
        cancel_active_steps(Step.objects.filter(matter__application=app))
        end_matters(app, Matter.Status.WITHDRAWN, decided_at=now, paused_on=None)
        audit_record(
            actor=actor,
            action=AuditAction.APPLICATION_WITHDRAW,
            subject=app,
            detail={"reason": reason[:500]},
        )
    return app


def any_decided(app: Application) -> bool:
    """Some step approved or rejected: the application can no longer be withdrawn whole."""
    return Step.objects.filter(
        matter__application=app, outcome__in=(Outcome.APPROVE, Outcome.REJECT)
    ).exists()
