"""Every write to an application goes through here: one transaction, one audit event each.

Two officers acting at once are serialised on the step's row lock; the second is told who acted
first. Retrying an action that already happened (a double click, a network retry) returns the
same result instead of acting twice.
"""

import hashlib
import logging
import mimetypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max

from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock
from onestop.core.actions import ActionRefused
from onestop.exchange.models import OutboxEvent
from onestop.exchange.outbox import emit
from onestop.notices.services import notify_application
from onestop.people.identifiers import CATEGORIES, LEVELS
from onestop.people.models import Certificate as HeldCertificate
from onestop.people.models import Guardian, Person
from onestop.people.services import certificate_record
from onestop.policy import calendar
from onestop.policy.facts import Bill, Facts
from onestop.policy.matters import Matter as MatterType
from onestop.policy.rules import MedicalClaim
from onestop.policy.services import prescreen
from onestop.regions.enums import Level
from onestop.regions.models import OrgUnit, Region

from . import consent, reference
from .chains import ChainDef, Outcome, StepDef, parse_chain
from .models import (
    Alert,
    Application,
    AuthorityScope,
    ChainVersion,
    Channel,
    CommunicationNeed,
    Delivery,
    Material,
    MaterialSource,
    Matter,
    Step,
)
from .selectors import open_matters_for
from .tracking import new_tracking_no

Topic = OutboxEvent.Topic

log = logging.getLogger(__name__)
CERT_DEPENDENT = {MatterType.LIVING, MatterType.NURSING, MatterType.PENSION}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_TYPES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"%PDF-": "application/pdf",
}


class CaseError(ActionRefused):
    """An action cannot be done now; the message says why, in words for the user."""


class Conflict(CaseError):
    """Someone else acted first."""


class AlreadyOpen(CaseError):
    """The person already has an open application for a requested matter."""

    def __init__(self, message: str, application: Application):
        super().__init__(message)
        self.application = application


# --- chains ------------------------------------------------------------------------------------
def chain_for(matter: str, region: Region) -> ChainVersion:
    """The chain version a new matter in this region starts on."""
    found = reference.chain_id_for(matter, region.code)
    if found is None:
        raise CaseError(
            f"没有为该地区配置“{MatterType(matter).label}”的办理流程，请联系系统管理员。"
        )
    return ChainVersion.objects.get(pk=found)


def chain_version_create(*, actor, matter: str, region: Region, definition) -> ChainVersion:
    """Add a new version of a chain for a region; running matters keep theirs."""
    if actor is not None and (actor.scope is None or not actor.scope.contains(region)):
        raise PermissionDenied("只能为本管辖范围内的区划配置流程。")
    parse_chain(matter, definition)  # raises ChainError with the reason
    with transaction.atomic():
        Region.objects.select_for_update().get(pk=region.pk)
        latest = ChainVersion.objects.filter(matter=matter, region=region).aggregate(
            v=Max("version")
        )
        version = ChainVersion.objects.create(
            matter=matter,
            region=region,
            version=(latest["v"] or 0) + 1,
            definition=definition,
            created_by=actor,
        )
        transaction.on_commit(reference.chains.reset)
        audit_record(
            actor=actor,
            action=AuditAction.CHAIN_VERSION_CREATE,
            subject=version,
            detail={"matter": matter, "region": region.code, "version": version.version},
        )
    reference.chains.reset()
    return version


# --- routing -----------------------------------------------------------------------------------
def _unit_for(step: StepDef, application: Application) -> int:
    """The org unit (id) of the applicant's 户籍 township or county that acts on this step."""
    township = step.level == Level.TOWNSHIP
    found = reference.unit_id(
        step.department, application.township_id if township else application.county_id
    )
    if found is None:
        region = application.township if township else application.county
        raise CaseError(f"{region.name}没有设立办理“{step.name}”的单位，请联系系统管理员。")
    return found


def _can_act(actor, step: Step) -> bool:
    return (
        actor is not None
        and getattr(actor, "is_active", False)
        and actor.org_unit_id == step.unit_id
        and actor.role == step.role
    )


# --- intake ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MaterialIn:
    """A material handed in: an uploaded file, a shared e-licence, or an original checked."""

    code: str
    source: str = MaterialSource.UPLOAD
    content: bytes = b""
    filename: str = ""
    reference: str = ""


def upload_check(content: bytes, filename: str) -> str:
    """The content type of an uploaded file, judged by its content, not its name."""
    if not content:
        raise ValidationError(f"“{filename}”是空文件。")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError(f"“{filename}”超过 10 MB，请压缩或分页拍照后上传。")
    for magic, content_type in UPLOAD_TYPES.items():
        if content.startswith(magic):
            return content_type
    raise ValidationError(f"“{filename}”不是 JPG、PNG 或 PDF 文件。")


def _check_upload(m: MaterialIn) -> str:
    try:
        return upload_check(m.content, m.filename or m.code)
    except ValidationError as exc:
        raise ValidationError({"materials": exc.messages}) from None


def _store_materials(application: Application, materials: Iterable[MaterialIn], step=None):
    stored = []
    for m in materials:
        row = Material(application=application, code=m.code, source=m.source, supplied_for=step)
        if m.source == MaterialSource.UPLOAD:
            row.content_type = _check_upload(m)
            row.size = len(m.content)
            row.sha256 = hashlib.sha256(m.content).hexdigest()
            row.original_name = m.filename[:200]
            ext = mimetypes.guess_extension(row.content_type) or ""
            row.file.save(row.sha256[:32] + ext, ContentFile(m.content), save=False)
        elif m.source == MaterialSource.ELICENCE:
            row.reference = m.reference[:64]
        row.save()
        stored.append(row)
    return stored


def _validate_intake(
    *,
    applicant,
    matters,
    delivery,
    delivery_address,
    communication_needs,
    representative,
    authority_scope,
    authority_until,
    consent_version,
) -> list[str]:
    errors: dict[str, str] = {}
    kinds = list(dict.fromkeys(matters))
    if not kinds:
        errors["matters"] = "请至少选择一个要办理的事项。"
    elif any(k not in MatterType.values for k in kinds):
        errors["matters"] = "所选事项无效。"
    if consent_version not in consent.TEXTS:
        errors["consent"] = "授权共享告知书版本无效。"
    if delivery not in Delivery.values:
        errors["delivery"] = "请选择送达方式（窗口自取或邮政寄送）。"
    elif delivery == Delivery.POST and not delivery_address.strip():
        errors["delivery_address"] = "选择邮政寄送时请填写邮寄地址。"
    if not set(communication_needs) <= set(CommunicationNeed.values):
        errors["communication_needs"] = "沟通需要的选项无效。"
    if representative is not None:
        if representative.person_id != applicant.pk:
            errors["representative"] = "所选监护人或代理人不是该申请人的。"
        elif not authority_scope or not set(authority_scope) <= set(AuthorityScope.values):
            errors["authority_scope"] = "请选择代理权限。"
        elif representative.kind == "agent" and (
            authority_until is None or authority_until < clock.today()
        ):
            errors["authority_until"] = "代理人须有未过期的授权期限。"
    if applicant.hukou_region.level != Level.TOWNSHIP:
        errors["applicant"] = "申请人户籍地需精确到苏木乡镇（街道），请先更新户籍信息。"
    if errors:
        raise ValidationError(errors)
    return kinds


def application_submit(
    *,
    actor,
    channel: str,
    applicant: Person,
    matters: Sequence[str],
    delivery: str,
    consent_given: bool,
    sensitive_consent_given: bool,
    consent_version: str = consent.CURRENT_VERSION,
    delivery_address: str = "",
    communication_needs: Sequence[str] = (),
    representative: Guardian | None = None,
    authority_scope: Sequence[str] = (),
    authority_until: date | None = None,
    answers: dict | None = None,
    materials: Sequence[MaterialIn] = (),
    idempotency_key: str | None = None,
) -> Application:
    """Receive one application for several matters (统一受理). Nothing is written unless all of
    it is: the application, one matter per item on its pinned chain, the materials."""
    existing = _submitted_before(idempotency_key, applicant)
    if existing is not None:
        return existing
    if channel not in Channel.values or channel == Channel.PROACTIVE:
        raise ValidationError({"channel": "申请渠道无效。"})
    if actor is not None and (
        actor.scope is None or not actor.scope.contains(applicant.hukou_region)
    ):
        raise PermissionDenied("申请人户籍不在您的管辖范围内，请到户籍所在地窗口办理。")
    if not consent_given or not sensitive_consent_given:
        raise ValidationError(
            {
                "consent": "需要申请人（或监护人）同意共享信息，并同意处理残疾、健康等"
                "敏感个人信息，否则无法办理。"
            }
        )
    kinds = _validate_intake(
        applicant=applicant,
        matters=matters,
        delivery=delivery,
        delivery_address=delivery_address,
        communication_needs=communication_needs,
        representative=representative,
        authority_scope=authority_scope,
        authority_until=authority_until,
        consent_version=consent_version,
    )
    medical_claim(answers or {})
    now = clock.now()
    try:
        with transaction.atomic():
            Person.objects.select_for_update().filter(pk=applicant.pk).first()  # one at a time
            existing = _submitted_before(idempotency_key, applicant)  # while this one waited
            if existing is not None:
                return existing
            _refuse_duplicate(applicant, kinds)
            application = _create_application(
                actor=actor,
                channel=channel,
                applicant=applicant,
                kinds=kinds,
                status=Application.Status.SUBMITTED,
                idempotency_key=idempotency_key,
                delivery=delivery,
                delivery_address=delivery_address.strip(),
                communication_needs=list(dict.fromkeys(communication_needs)),
                representative=representative,
                authority_scope=list(authority_scope),
                authority_until=authority_until,
                answers=answers or {},
                consent_version=consent_version,
                consent_at=now,
                sensitive_consent_at=now,
                trips=1 if channel == Channel.WINDOW else 0,
                submitted_at=now,
            )
            _store_materials(application, materials)
            audit_record(
                actor=actor,
                action=AuditAction.APPLICATION_SUBMIT,
                subject=application,
                detail={"channel": channel, "matters": kinds, "materials": len(materials)},
            )
    except IntegrityError:
        if idempotency_key:  # a concurrent retry of the same request won the race
            existing = Application.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise
    return application


def _submitted_before(idempotency_key: str | None, applicant: Person) -> Application | None:
    """The application a retry of the same request made (a double click, a network retry)."""
    if not idempotency_key:
        return None
    existing = Application.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None and existing.applicant_id != applicant.pk:
        raise Conflict("该请求编号已用于另一份申请。")
    return existing


def _refuse_duplicate(applicant: Person, kinds: Sequence[str]) -> None:
    """已有在办申请: one open matter of a kind per person, whichever channel asks."""
    open_matters = list(open_matters_for(applicant, kinds))
    if open_matters:
        existing = open_matters[0].application
        labels = "、".join(
            dict.fromkeys(m.get_kind_display() for m in open_matters if m.application == existing)
        )
        raise AlreadyOpen(
            f"已有在办申请（受理编号 {existing.tracking_no}）：{labels}正在办理，不能重复申请。",
            existing,
        )


def _create_application(*, applicant: Person, kinds: list[str], **fields) -> Application:
    township = applicant.hukou_region
    county = township.parent_id
    if county is None:
        raise CaseError("申请人户籍须登记到苏木乡镇（街道）。")
    day = clock.today()
    application = Application(
        applicant=applicant,
        township=township,
        county_id=county,
        tracking_no=new_tracking_no(day),
        **{k: v for k, v in fields.items() if k != "actor"},
        created_by=fields.get("actor"),
    )
    application.save()
    result = prescreen(
        facts=Facts(),
        region_code=township.code,
        day=day,
        matters=[MatterType(k) for k in kinds],
        person=applicant,
        claim=medical_claim(application.answers),
    )
    by_kind = {a.matter: a for a in result.assessments}
    matters = []
    for kind in kinds:
        chain_id = reference.chain_id_for(kind, application.county_id)
        if chain_id is None:
            raise CaseError(
                f"没有为该地区配置“{MatterType(kind).label}”的办理流程，请联系系统管理员。"
            )
        for step in reference.chain_definition(chain_id).steps:
            _unit_for(step, application)  # route every step now: a missing unit fails the submit
        matters.append(
            Matter(
                application=application,
                kind=kind,
                status=Matter.Status.PENDING,
                chain_id=chain_id,
                prescreen=_snapshot(by_kind[MatterType(kind)]),
            )
        )
    Matter.objects.bulk_create(matters)
    return application


def _snapshot(assessment) -> dict:
    amount = assessment.amount
    return {
        "outcome": assessment.outcome.value,
        "outcome_label": assessment.outcome.label,
        "reasons": [r.text for r in assessment.reasons],
        "missing": [f"{m.label}（{m.holder}）" for m in assessment.missing],
        "amount": None if amount is None or amount.value is None else str(amount.value),
        "unit": amount.unit if amount else "",
    }


def medical_claim(answers: dict) -> MedicalClaim:
    """The medical bills listed on the single form (answers["medical_bills"])."""
    bills = []
    for i, raw in enumerate(answers.get("medical_bills") or [], start=1):
        try:
            bill = Bill(
                date.fromisoformat(str(raw["day"])),
                Decimal(str(raw["policy_self_pay"])),
                bool(raw.get("networked", False)),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation):
            raise ValidationError({"medical_bills": f"第 {i} 张票据的日期或金额无效。"}) from None
        if bill.policy_self_pay < 0 or not bill.policy_self_pay.is_finite():
            raise ValidationError({"medical_bills": f"第 {i} 张票据的金额不能为负数。"})
        bills.append(bill)
    return MedicalClaim(tuple(bills))


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _check_window(actor, application: Application) -> None:
    if actor is None:
        return
    if (
        actor.role not in (Role.WINDOW_CLERK, Role.CDPF_REVIEWER)
        or actor.scope is None
        or not actor.scope.contains(application.township)
    ):
        raise PermissionDenied("只有申请人户籍地的窗口工作人员可以受理。")


def application_accept(*, actor, application: Application) -> Application:
    """受理: dispatch every matter to its first unit and start the clocks."""
    _check_window(actor, application)
    with transaction.atomic():
        app = _locked(application)
        if app.status == Application.Status.IN_PROGRESS:
            return app  # accepted already (a retry)
        if app.status != Application.Status.SUBMITTED:
            raise CaseError(f"该申请当前状态为“{app.get_status_display()}”，不能受理。")
        today = clock.today()
        matters = list(app.matters.all())
        kinds = {m.kind for m in matters}
        holds_cert = (
            MatterType.CERT not in kinds
            or not kinds & CERT_DEPENDENT
            or HeldCertificate.objects.filter(
                person_id=app.applicant_id, status="valid", valid_until__gte=today
            ).exists()
        )
        steps = []
        for matter in matters:
            definition = reference.chain_definition(matter.chain_id)
            matter.dispatched_on = today
            matter.due_date = calendar.add_working_days(today, definition.days)
            if matter.kind in CERT_DEPENDENT and not holds_cert:
                matter.status = Matter.Status.WAITING_CERT
                matter.paused_on = today
            else:
                matter.status = Matter.Status.IN_PROGRESS
                steps.append(_new_step(matter, app, definition, 0, today))
        # A few grouped UPDATEs: far cheaper than bulk_update's per-row CASE expressions.
        groups: dict[tuple, list[int]] = {}
        for m in matters:
            groups.setdefault((m.status, m.due_date, m.paused_on), []).append(m.pk)
        for (status, due, paused), pks in groups.items():
            Matter.objects.filter(pk__in=pks).update(
                status=status, due_date=due, paused_on=paused, dispatched_on=today
            )
        Step.objects.bulk_create(steps)
        for step in steps:
            _announce(step, app)
        app.status = Application.Status.IN_PROGRESS
        app.accepted_at = clock.now()
        app.due_date = max(m.due_date for m in matters if m.due_date is not None)
        app.save(update_fields=["status", "accepted_at", "due_date"])
        audit_record(
            actor=actor,
            action=AuditAction.APPLICATION_ACCEPT,
            subject=app,
            detail={"due": str(app.due_date), "matters": sorted(kinds)},
        )
        notify_application(application=app, event="accepted", due=f"{app.due_date:%Y年%-m月%-d日}")
    return app


def application_refuse(*, actor, application: Application, reason: str) -> Application:
    """不予受理, with the reason told to the applicant."""
    _check_window(actor, application)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写不予受理的理由。"})
    with transaction.atomic():
        app = _locked(application)
        if app.status == Application.Status.REFUSED:
            return app
        if app.status != Application.Status.SUBMITTED:
            raise CaseError(f"该申请当前状态为“{app.get_status_display()}”，不能作不予受理。")
        app.status = Application.Status.REFUSED
        app.refusal_reason = reason[:500]
        app.concluded_at = clock.now()
        app.save(update_fields=["status", "refusal_reason", "concluded_at"])
        app.matters.update(status=Matter.Status.WITHDRAWN)
        audit_record(
            actor=actor,
            action=AuditAction.APPLICATION_REFUSE,
            subject=app,
            detail={"reason": reason[:500]},
        )
    return app


# --- steps -------------------------------------------------------------------------------------
def _new_step(
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
        unit_id=unit.pk if unit else _unit_for(sdef, app),
        status=Step.Status.ACTIVE,
        started_on=start,
        due_date=due or calendar.add_working_days(start, sdef.days),
    )


def _start(step: Step, app: Application) -> Step:
    """Save a new active step and tell its unit (the outbox event commits with it)."""
    step.save()
    _announce(step, app)
    return step


def _announce(step: Step, app: Application) -> None:
    _emit(
        Topic.MATTER_DISPATCHED,
        app,
        step.matter,
        step.unit_id,
        step={"id": step.pk, "name": step.name, "due_date": str(step.due_date)},
    )


def _window_unit(app: Application) -> int | None:
    return reference.unit_id("cdpf", app.county_id)


def _emit(topic: str, app: Application, matter, unit_id, **data) -> None:
    """An outbox event for a unit. No personal data travels in it: receivers read the matter
    through the API, which gives each department only the fields it needs."""
    payload = {"tracking_no": app.tracking_no, "matter": matter.kind if matter else None, **data}
    emit(topic=topic, payload=payload, application=app, matter=matter, unit=_unit(unit_id))


def _unit(unit_id):
    return OrgUnit(pk=unit_id) if unit_id else None


def _refresh_due(app: Application) -> None:
    """The application's one clock: the latest due date of its matters."""
    dues = [d for d in app.matters.values_list("due_date", flat=True) if d is not None]
    app.due_date = max(dues) if dues else None
    app.save(update_fields=["due_date"])


def step_claim(*, actor, step: Step) -> Step:
    if not _can_act(actor, step):
        raise PermissionDenied("该环节不由您所在的单位和岗位办理。")
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


def step_assign(*, actor, step: Step, assignee) -> Step:
    """Hand an open step to a colleague of the same unit and role."""
    if not _can_act(actor, step) or not _can_act(assignee, step):
        raise PermissionDenied("只能在本单位同一岗位的工作人员之间分派。")
    with transaction.atomic():
        locked = Step.objects.select_for_update().get(pk=step.pk)
        if locked.status != Step.Status.ACTIVE:
            raise Conflict("该环节已办理，不能再分派。")
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
        audit_record(
            actor=actor,
            action=AuditAction.STEP_ASSIGN,
            subject=locked.matter.application,
            detail={"matter": locked.matter.kind, "step": locked.name, "to": assignee.username},
        )
    return locked


@dataclass(frozen=True)
class Decision:
    outcome: str
    reason: str = ""
    missing_materials: tuple[str, ...] = ()
    transfer_to: OrgUnit | None = None
    category: int | None = None  # for the assessment step
    level: int | None = None
    amount: Decimal | None = None  # for the medical amount


def step_decide(*, actor, step: Step, decision: Decision) -> Step:
    """Decide the step; exactly one of two simultaneous deciders wins."""
    with transaction.atomic():
        locked = (
            Step.objects.select_for_update(of=("self",))
            .select_related("matter__chain", "decided_by", "assignee")
            .get(pk=step.pk)
        )
        if locked.status != Step.Status.ACTIVE:
            if (
                locked.decided_by_id == getattr(actor, "pk", None)
                and locked.outcome == decision.outcome
            ):
                return locked  # the same decision, retried
            who = locked.decided_by.display_name if locked.decided_by else "他人"
            when = f"{locked.decided_at:%m月%d日 %H:%M}" if locked.decided_at else ""
            label = Outcome.LABELS.get(locked.outcome, "已取消")
            raise Conflict(f"该环节已由{who}于{when}办理（{label}），请刷新后查看。")
        if not _can_act(actor, locked):
            raise PermissionDenied("该环节不由您所在的单位和岗位办理。")
        if locked.assignee is not None and locked.assignee_id != actor.pk:
            raise Conflict(
                f"该环节已由{locked.assignee.display_name}认领，请联系其办理或申请改派。"
            )
        matter = Matter.objects.select_for_update().get(pk=locked.matter_id)
        app = _locked(matter.application)
        if matter.status != Matter.Status.IN_PROGRESS:
            raise CaseError(f"该事项当前为“{matter.get_status_display()}”，暂不能办理。")
        definition = reference.chain_definition(matter.chain_id)
        sdef = definition.steps[locked.index]
        decision_check(matter=matter, step=locked, sdef=sdef, decision=decision)
        _emit(
            Topic.STEP_DECIDED,
            app,
            matter,
            locked.unit_id,
            step={"id": locked.pk, "name": locked.name},
            outcome=decision.outcome,
        )
        detail = _apply(actor, app, matter, locked, sdef, definition, decision)
        _refresh_due(app)
        audit_record(actor=actor, action=AuditAction.STEP_DECIDE, subject=app, detail=detail)
        if all(not m.is_open for m in app.matters.all()):
            _conclude(app)
    return locked


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


def _apply(actor, app, matter, step, sdef, definition, decision: Decision) -> dict:
    today, now = clock.today(), clock.now()
    reason = (decision.reason or "").strip()[:500]
    detail = {
        "matter": matter.kind,
        "step": step.name,
        "outcome": decision.outcome,
        "due": str(step.due_date),
    }
    step.status, step.outcome, step.reason = Step.Status.DONE, decision.outcome, reason
    step.decided_by, step.decided_at, step.assignee = actor, now, step.assignee or actor

    if decision.outcome == Outcome.RETURN:
        missing = [m.strip() for m in decision.missing_materials if m.strip()]
        step.missing_materials = missing
        step.save()
        matter.status, matter.paused_on = Matter.Status.SUPPLEMENT, today
        matter.save(update_fields=["status", "paused_on"])
        _emit(Topic.SUPPLEMENT_REQUESTED, app, matter, _window_unit(app), missing=missing)
        notify_application(
            application=app,
            event="supplement",
            matter=matter.get_kind_display(),
            missing="、".join(missing),
        )
        detail["missing"] = missing
        return detail

    if decision.outcome == Outcome.TRANSFER:
        target = cast(OrgUnit, decision.transfer_to)  # decision_check made sure of it
        step.save()
        # The deadline travels with the work: a transfer does not restart the clock.
        _start(
            _new_step(matter, app, definition, step.index, today, due=step.due_date, unit=target),
            app,
        )
        detail["to"] = target.name
        return detail

    if decision.outcome == Outcome.REJECT:
        step.save()
        _close(matter, Matter.Status.REJECTED, {"reason": reason}, now)
        detail["reason"] = reason
        if matter.kind == MatterType.CERT:
            _cert_refused(app, now)
        return detail

    # Approve, recording what the step records.
    if sdef.records == "assessment":
        step.data = {"category": decision.category, "level": decision.level}
        matter.result = {**matter.result, **step.data}
    elif sdef.records == "amount":
        step.data = _medical_amount(matter, decision, reason)
        matter.result = {**matter.result, **step.data}
    step.save()
    detail.update(step.data)
    if step.index + 1 < len(definition.steps):
        _start(_new_step(matter, app, definition, step.index + 1, today), app)
        matter.save(update_fields=["result"])
        return detail
    result = dict(matter.result)
    if sdef.records == "certificate":
        result.update(_issue_certificate(actor, app, matter, today))
    if matter.kind in (MatterType.LIVING, MatterType.NURSING, MatterType.PENSION):
        result.setdefault("amount", matter.prescreen.get("amount"))
        result.setdefault("unit", matter.prescreen.get("unit"))
    _close(matter, Matter.Status.APPROVED, result, now)
    if matter.kind == MatterType.CERT:
        _resume_waiting(app, today)
    return detail


def _medical_amount(matter: Matter, decision: Decision, reason: str) -> dict:
    proposed = matter.prescreen.get("amount")
    amount = (
        decision.amount
        if decision.amount is not None
        else (Decimal(proposed) if proposed else None)
    )
    if amount is None:
        raise ValidationError({"amount": "请填写核定的报销金额。"})
    try:
        amount = Decimal(amount).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationError({"amount": "报销金额应为数字。"}) from None
    if amount < 0:
        raise ValidationError({"amount": "报销金额不能为负数。"})
    edited = proposed is not None and amount != Decimal(proposed)
    if (edited or proposed is None) and not reason:
        raise ValidationError({"reason": "核定金额与系统计算不同时，请填写调整理由。"})
    return {"amount": str(amount), "unit": "元", "calculated": proposed, "adjusted": edited}


def _issue_certificate(actor, app: Application, matter: Matter, today: date) -> dict:
    person = app.applicant
    category, level = matter.result.get("category"), matter.result.get("level")
    number = f"{person.id_number}{category}{level}"
    existing = HeldCertificate.objects.filter(person=person, status="valid")
    existing.update(status="cancelled")  # a renewal replaces the old card
    cert = certificate_record(actor=actor, person=person, number=number, issue_date=today)
    _emit(
        Topic.CERTIFICATE_ISSUED, app, matter, _window_unit(app), valid_until=str(cert.valid_until)
    )
    return {
        "certificate_id": cert.pk,
        "valid_until": str(cert.valid_until),
        "category": category,
        "level": level,
    }


def _close(matter: Matter, status: str, result: dict, now) -> None:
    matter.status, matter.result, matter.decided_at, matter.paused_on = status, result, now, None
    matter.save(update_fields=["status", "result", "decided_at", "paused_on"])
    matter.steps.filter(status=Step.Status.ACTIVE).update(status=Step.Status.CANCELLED)
    approved = status == Matter.Status.APPROVED
    notify_application(
        application=matter.application,
        event="decided",
        matter=matter.get_kind_display(),
        outcome="已批准" if approved else "未批准",
        reason=""
        if approved
        else f"原因：{result.get('reason', '')}。如不服，可依法申请行政复议或提起行政诉讼。",
    )


def _resume(matter: Matter, today: date) -> int:
    """Restart a paused matter's clock; returns the working days it was stopped."""
    paused_on = matter.paused_on or today
    stopped = max(0, calendar.working_days_between(paused_on, today))
    matter.paused_days += stopped
    if matter.due_date is not None:
        matter.due_date = calendar.add_working_days(matter.due_date, stopped)
    matter.paused_on = None
    matter.status = Matter.Status.IN_PROGRESS
    return stopped


def _resume_waiting(app: Application, today: date) -> None:
    """The certificate is issued: the matters that waited for it go on by themselves."""
    for matter in (
        app.matters.select_for_update()
        .filter(status=Matter.Status.WAITING_CERT)
        .select_related("chain")
    ):
        stopped = _resume(matter, today)
        result = prescreen(
            facts=Facts(),
            region_code=app.township_id,
            day=today,
            matters=[MatterType(matter.kind)],
            person=app.applicant,
        )
        matter.prescreen = _snapshot(result.assessments[0])
        matter.save()
        _start(_new_step(matter, app, reference.chain_definition(matter.chain_id), 0, today), app)
        audit_record(
            actor=None,
            action=AuditAction.MATTER_RESUME,
            subject=app,
            detail={"matter": matter.kind, "stopped_days": stopped, "due": str(matter.due_date)},
        )


def _cert_refused(app: Application, now) -> None:
    for matter in app.matters.select_for_update().filter(status=Matter.Status.WAITING_CERT):
        _close(matter, Matter.Status.REJECTED, {"reason": "未取得残疾人证，本事项无法办理。"}, now)


# --- supplement, withdrawal, conclusion ----------------------------------------------------------
def matter_supply(
    *, actor, matter: Matter, materials: Sequence[MaterialIn], in_person: bool = False
) -> Matter:
    """The applicant hands in what was asked for; the clock restarts where it stopped."""
    with transaction.atomic():
        locked = Matter.objects.select_for_update().select_related("chain").get(pk=matter.pk)
        app = _locked(locked.application)
        if locked.status != Matter.Status.SUPPLEMENT:
            raise CaseError("该事项当前不需要补正材料。")
        if actor is not None and (actor.scope is None or not actor.scope.contains(app.township)):
            raise PermissionDenied("申请人户籍不在您的管辖范围内。")
        if not materials:
            raise ValidationError({"materials": "请提交需要补正的材料。"})
        returned = locked.steps.filter(outcome=Outcome.RETURN).order_by("-decided_at").first()
        if returned is None:
            raise CaseError("该事项当前不需要补正材料。")
        today = clock.today()
        stopped = _resume(locked, today)
        locked.save()
        _store_materials(app, materials, step=returned)
        resumed = _new_step(
            locked,
            app,
            reference.chain_definition(locked.chain_id),
            returned.index,
            today,
            due=calendar.add_working_days(returned.due_date, stopped),
            unit=returned.unit,
        )
        resumed.save()
        _emit(
            Topic.SUPPLEMENT_SUPPLIED,
            app,
            locked,
            resumed.unit_id,
            step={"id": resumed.pk, "name": resumed.name, "due_date": str(resumed.due_date)},
        )
        if in_person:
            app.trips += 1
            app.save(update_fields=["trips"])
        _refresh_due(app)
        audit_record(
            actor=actor,
            action=AuditAction.MATTER_SUPPLY,
            subject=app,
            detail={
                "matter": locked.kind,
                "stopped_days": stopped,
                "due": str(locked.due_date),
                "materials": [m.code for m in materials],
            },
        )
    return locked


def matter_attach(*, actor, matter: Matter, material: MaterialIn) -> Material:
    """A document a department adds to a matter it works on (e.g. a decision notice)."""
    step = Step.objects.filter(matter=matter, unit_id=getattr(actor, "org_unit_id", None)).first()
    if step is None:
        raise PermissionDenied("只能为本单位办理的事项附上文书。")
    with transaction.atomic():
        app = _locked(matter.application)
        active = matter.steps.filter(status=Step.Status.ACTIVE).first()
        # Tied to a step of this matter even when none is active, so it stays with the matter.
        (stored,) = _store_materials(app, [material], step=active or step)
        audit_record(
            actor=actor,
            action=AuditAction.MATERIAL_ATTACH,
            subject=app,
            detail={"matter": matter.kind, "material": stored.pk, "code": stored.code},
        )
    return stored


def application_withdraw(*, actor, application: Application, reason: str = "") -> Application:
    """The applicant withdraws before any decision has been made."""
    with transaction.atomic():
        app = _locked(application)
        if app.status == Application.Status.WITHDRAWN:
            return app
        if app.status not in (
            Application.Status.PENDING_CONFIRMATION,
            Application.Status.SUBMITTED,
            Application.Status.IN_PROGRESS,
        ):
            raise CaseError(f"该申请当前为“{app.get_status_display()}”，不能撤回。")
        if Step.objects.filter(
            matter__application=app, outcome__in=(Outcome.APPROVE, Outcome.REJECT)
        ).exists():
            raise CaseError("已有事项作出了决定，不能整体撤回；如需停办请联系窗口。")
        now = clock.now()
        app.status, app.concluded_at = Application.Status.WITHDRAWN, now
        app.save(update_fields=["status", "concluded_at"])
        Step.objects.filter(matter__application=app, status=Step.Status.ACTIVE).update(
            status=Step.Status.CANCELLED
        )
        app.matters.update(status=Matter.Status.WITHDRAWN, decided_at=now, paused_on=None)
        audit_record(
            actor=actor,
            action=AuditAction.APPLICATION_WITHDRAW,
            subject=app,
            detail={"reason": reason[:500]},
        )
    return app


def _conclude(app: Application) -> None:
    app.status, app.concluded_at = Application.Status.CONCLUDED, clock.now()
    app.save(update_fields=["status", "concluded_at"])
    _emit(Topic.APPLICATION_CONCLUDED, app, None, _window_unit(app))
    audit_record(
        actor=None,
        action=AuditAction.APPLICATION_CONCLUDE,
        subject=app,
        detail={m.kind: m.status for m in app.matters.all()},
    )
    from onestop.delivery.services import handover_prepare  # delivery builds on cases

    handover_prepare(application=app)


# --- supervision and clocks -------------------------------------------------------------------
def matter_press(*, actor, matter: Matter, message: str) -> Alert:
    """督办: a supervisor presses the unit holding the matter's open step."""
    if actor is None or actor.role != Role.SUPERVISOR:
        raise PermissionDenied("只有政务服务监督员可以督办。")
    app = matter.application
    if actor.scope is None or not actor.scope.contains(app.township):
        raise PermissionDenied("该申请不在您的监督范围内。")
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": "请填写督办意见。"})
    with transaction.atomic():
        locked = Matter.objects.select_for_update().get(pk=matter.pk)
        step = locked.steps.filter(status=Step.Status.ACTIVE).first()
        if step is None:
            raise CaseError("该事项当前没有正在办理的环节，无需督办。")
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
    soon = calendar.add_working_days(day, 1)
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


# --- 免申即享 ------------------------------------------------------------------------------------
def _proactive_key(finding) -> str:
    # One application per finding (reopened findings get a new first_found, so a new one).
    return f"proactive-{finding.pk}-{finding.first_found}"


def application_propose(*, finding) -> Application:
    """Turn a proactive finding into an application waiting for the person's one confirmation."""
    with transaction.atomic():
        existing = Application.objects.filter(idempotency_key=_proactive_key(finding)).first()
        if existing is not None:
            return existing
        person = Person.objects.select_related("hukou_region__parent").get(pk=finding.person_id)
        if person.hukou_region.level != Level.TOWNSHIP:
            raise CaseError("户籍地未精确到苏木乡镇（街道），不能主动推送。")
        app = _create_application(
            actor=None,
            applicant=person,
            kinds=[finding.matter],
            channel=Channel.PROACTIVE,
            status=Application.Status.PENDING_CONFIRMATION,
            idempotency_key=_proactive_key(finding),
            trips=0,
        )
        audit_record(
            actor=None,
            action=AuditAction.APPLICATION_PROPOSE,
            subject=app,
            detail={"matter": finding.matter},
        )
        notify_application(
            application=app, event="proactive", matter=MatterType(finding.matter).label
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
    actor,
    application: Application,
    delivery: str = Delivery.POST,
    delivery_address: str = "",
    consent_version: str = consent.CURRENT_VERSION,
) -> Application:
    """The person's one confirmation: consent recorded, submitted and accepted, zero trips."""
    with transaction.atomic():
        app = _locked(application)
        if app.status != Application.Status.PENDING_CONFIRMATION:
            if app.status in (Application.Status.SUBMITTED, Application.Status.IN_PROGRESS):
                return app
            raise CaseError(f"该申请当前为“{app.get_status_display()}”，无需确认。")
        address = delivery_address or app.applicant.address
        _validate_intake(
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
        app.status, app.submitted_at = Application.Status.SUBMITTED, now
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
