"""免申即享: a proactive finding becomes an application that waits for one confirmation."""

import logging
from typing import TYPE_CHECKING

from django.db import transaction

from onestop.accounts.actors import Actor
from onestop.audit.models import AuditAction
from onestop.audit.services import Entry, audit_record
from onestop.core import clock
from onestop.notices.services import notify_application
from onestop.people.models import Person
from onestop.policy.matters import Matter as MatterType
from onestop.regions.enums import Level

from . import consent
from .acceptance import application_accept
from .errors import CaseError
from .intake import create_application, validate_intake
from .kernel import locked
from .models import Application, Channel, Delivery
from .workflow import APPLICATION, awaits_confirmation, move

if TYPE_CHECKING:
    from onestop.policy.models import ProactiveFinding

log = logging.getLogger(__name__)


def _proactive_key(finding: "ProactiveFinding") -> str:
    # One application per finding (reopened findings get a new first_found, so a new one).
    return f"proactive-{finding.pk}-{finding.first_found}"


def application_propose(*, finding: "ProactiveFinding") -> Application:
    """Turn a proactive finding into an application waiting for the person's one confirmation."""
    with transaction.atomic():
        existing = Application.objects.filter(idempotency_key=_proactive_key(finding)).first()
        if existing is not None:
            return existing
        person = Person.objects.select_related("hukou_region__parent").get(pk=finding.person_id)
        if person.hukou_region.level != Level.TOWNSHIP:
            raise CaseError("户籍地未精确到苏木乡镇（街道），不能主动推送。")
        app = create_application(
            actor=None,
            applicant=person,
            kinds=[finding.matter],
            channel=Channel.PROACTIVE,
            status=move(APPLICATION, None, Application.Status.PENDING_CONFIRMATION),
            idempotency_key=_proactive_key(finding),
            trips=0,
        )
        notify_application(
            application=app,
            event="proactive",
            matter=MatterType(finding.matter).label,
            audit_with=[
                Entry(None, AuditAction.APPLICATION_PROPOSE, app, {"matter": finding.matter})
            ],
        )
    return app


def proactive_propose_open() -> int:
    """Propose an application for every open finding that has none yet; returns how many."""
    from onestop.policy.models import ProactiveFinding

    created = 0
    findings = ProactiveFinding.objects.filter(status=ProactiveFinding.Status.OPEN)
    for finding in findings.iterator():
        if Application.objects.filter(idempotency_key=_proactive_key(finding)).exists():
            continue
        try:
            application_propose(finding=finding)
        except CaseError as exc:
            log.warning("finding %s not proposed: %s", finding.pk, exc)
            continue
        created += 1
    return created


def application_confirm(
    *,
    actor: Actor,
    application: Application,
    delivery: str = Delivery.POST,
    delivery_address: str = "",
    consent_version: str = consent.CURRENT_VERSION,
) -> Application:
    """The person's one confirmation: consent recorded, submitted and accepted, zero trips."""
    with transaction.atomic():
        app = locked(application)
        if not awaits_confirmation(app.status):
            if app.status in (Application.Status.SUBMITTED, Application.Status.IN_PROGRESS):
                return app
            raise CaseError(f"该申请当前为“{app.get_status_display()}”，无需确认。")
        address = delivery_address or app.applicant.address
        validate_intake(
            applicant=app.applicant,
            matters=list(app.matters.values_list("kind", flat=True)),
            delivery=delivery,
            delivery_address=address,
            communication_needs=app.communication_needs,
            representative=None,
            authority_scope=(),
            authority_until=None,
            consent_version=consent_version,
        )
        now = clock.now()
        app.status = move(APPLICATION, app.status, Application.Status.SUBMITTED)
        app.submitted_at = now
        app.consent_version, app.consent_at, app.sensitive_consent_at = consent_version, now, now
        app.delivery, app.delivery_address = delivery, address if delivery == Delivery.POST else ""
        app.save()
        audit_record(
            actor=actor,
            action=AuditAction.APPLICATION_CONFIRM,
            subject=app,
            detail={"delivery": delivery},
        )
        return application_accept(actor=None, application=app)
