"""The 残疾人证 matter's consequences: the card issued, and the matters that waited for it."""

from datetime import date, datetime

from onestop.accounts.actors import Actor
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.people.selectors import certificate_number_unused
from onestop.people.services import certificate_cancel_all, certificate_record
from onestop.policy.facts import Facts
from onestop.policy.matters import Matter as MatterType
from onestop.policy.services import prescreen

from . import reference
from .kernel import Topic, close, emit_for, new_step, resume, snapshot, start, window_unit
from .models import Application, Matter


def certificate_issue(actor: Actor, app: Application, matter: Matter, today: date) -> dict:
    """Record the new card (a renewal replaces the old one, and takes the next reissue mark
    when its category and level are unchanged) and tell the window."""
    person = app.applicant
    category, level = matter.result.get("category"), matter.result.get("level")
    number = certificate_number_unused(f"{person.id_number}{category}{level}")
    certificate_cancel_all(actor=actor, person=person)
    cert = certificate_record(actor=actor, person=person, number=number, issue_date=today)
    emit_for(
        Topic.CERTIFICATE_ISSUED, app, matter, window_unit(app), valid_until=str(cert.valid_until)
    )
    return {
        "certificate_id": cert.pk,
        "valid_until": str(cert.valid_until),
        "category": category,
        "level": level,
    }


def waiting_resume(app: Application, today: date) -> None:
    """The certificate is issued: the matters that waited for it go on by themselves."""
    for matter in (
        app.matters.select_for_update()
        .filter(status=Matter.Status.WAITING_CERT)
        .select_related("chain")
    ):
        stopped = resume(matter, today)
        result = prescreen(
            facts=Facts(),
            region_code=app.township_id,
            day=today,
            matters=[MatterType(matter.kind)],
            person=app.applicant,
        )
        matter.prescreen = snapshot(result.assessments[0])
        matter.save()
        start(new_step(matter, app, reference.chain_definition(matter.chain_id), 0, today), app)
        audit_record(
            actor=None,
            action=AuditAction.MATTER_RESUME,
            subject=app,
            detail={"matter": matter.kind, "stopped_days": stopped, "due": str(matter.due_date)},
        )


def waiting_refuse(app: Application, now: datetime) -> None:
    """The certificate is refused: the matters that waited for it cannot be granted."""
    for matter in app.matters.select_for_update().filter(status=Matter.Status.WAITING_CERT):
        close(matter, Matter.Status.REJECTED, {"reason": "未取得残疾人证，本事项无法办理。"}, now)
