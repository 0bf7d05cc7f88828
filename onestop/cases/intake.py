"""Receiving an application (统一受理): submit or propose, confirm. Accepting, refusing and
withdrawing it are in ``acceptance``."""

import logging
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from onestop.accounts.actors import Actor
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock
from onestop.people.models import Certificate, Guardian, Person
from onestop.people.selectors import certificate_to_renew
from onestop.policy.facts import Bill, Facts
from onestop.policy.matters import Matter as MatterType
from onestop.policy.medical import MedicalClaim
from onestop.policy.services import prescreen
from onestop.regions.enums import Level

from . import consent, reference
from .errors import AlreadyOpen, CaseError, Conflict
from .kernel import (
    snapshot,
    unit_for,
)
from .materials import MaterialIn, store_materials
from .models import (
    Application,
    AuthorityScope,
    Channel,
    CommunicationNeed,
    Delivery,
    Matter,
)
from .selectors import open_matters_for
from .tracking import new_tracking_no
from .workflow import APPLICATION, MATTER, move

log = logging.getLogger(__name__)


def validate_intake(
    *,
    applicant: Person,
    matters: Iterable[str],
    delivery: str,
    delivery_address: str,
    communication_needs: Iterable[str],
    representative: Guardian | None,
    authority_scope: Sequence[str],
    authority_until: date | None,
    consent_version: str,
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
    actor: Actor,
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
    _check_submit(actor, channel, applicant, consent_given and sensitive_consent_given)
    kinds = validate_intake(
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
    try:
        return _receive(
            actor=actor,
            applicant=applicant,
            kinds=kinds,
            materials=materials,
            channel=channel,
            idempotency_key=idempotency_key,
            delivery=delivery,
            delivery_address=delivery_address.strip(),
            communication_needs=list(dict.fromkeys(communication_needs)),
            representative=representative,
            authority_scope=list(authority_scope),
            authority_until=authority_until,
            answers=answers or {},
            consent_version=consent_version,
            trips=1 if channel == Channel.WINDOW else 0,
        )
    except IntegrityError:
        existing = _submitted_before(idempotency_key, applicant)  # a concurrent retry won
        if existing is None:
            raise
        return existing


def _submitted_before(idempotency_key: str | None, applicant: Person) -> Application | None:
    """The application a retry of the same request made (a double click, a network retry)."""
    if not idempotency_key:
        return None
    existing = Application.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None and existing.applicant_id != applicant.pk:
        raise Conflict("该请求编号已用于另一份申请。")
    return existing


def duplicate_check(applicant: Person, kinds: Sequence[str]) -> None:
    """已有在办申请: one open matter of a kind per person, whichever channel asks (forms call it
    early to say so where the matter is ticked; the submission checks again under a lock)."""
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


def _receive(
    *,
    actor: Actor,
    applicant: Person,
    kinds: list[str],
    materials: Sequence[MaterialIn],
    **fields: Any,
) -> Application:
    """Write the submitted application, its matters and materials, all or nothing."""
    now = clock.now()
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=applicant.pk).first()  # one at a time
        existing = _submitted_before(fields["idempotency_key"], applicant)  # while this waited
        if existing is not None:
            return existing
        duplicate_check(applicant, kinds)
        # 换证 rather than 新办 when the registry shows a card due for renewal.
        renews = (
            certificate_to_renew(applicant, clock.today()) if MatterType.CERT in kinds else None
        )
        application = create_application(
            actor=actor,
            applicant=applicant,
            kinds=kinds,
            renews=renews,
            status=move(APPLICATION, None, Application.Status.SUBMITTED),
            consent_at=now,
            sensitive_consent_at=now,
            submitted_at=now,
            **fields,
        )
        store_materials(application, materials)
        audit_record(
            actor=actor,
            action=AuditAction.APPLICATION_SUBMIT,
            subject=application,
            detail={
                "channel": fields["channel"],
                "matters": kinds,
                "materials": len(materials),
                **({"renews_certificate": renews.pk} if renews is not None else {}),
            },
        )
    return application


def _check_submit(actor: Actor, channel: str, applicant: Person, consented: bool) -> None:
    if channel not in Channel.values or channel == Channel.PROACTIVE:
        raise ValidationError({"channel": gettext("申请渠道无效。")})
    if actor is not None and (
        actor.scope is None or not actor.scope.contains(applicant.hukou_region)
    ):
        raise PermissionDenied(gettext("申请人户籍不在您的管辖范围内，请到户籍所在地窗口办理。"))
    if not consented:
        raise ValidationError(
            {
                "consent": gettext(
                    "需要申请人（或监护人）同意共享信息，并同意处理残疾、健康等敏感个人信息，"
                    "否则无法办理。"
                )
            }
        )


def create_application(
    *,
    applicant: Person,
    kinds: list[str],
    renews: Certificate | None = None,
    **fields: Any,
) -> Application:
    """The application and one matter per kind; a CERT matter renews ``renews`` if given."""
    township = applicant.hukou_region
    county = township.parent_id
    if county is None:
        raise CaseError(gettext("申请人户籍须登记到苏木乡镇（街道）。"))
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
        claim=medical_claim(application.answers, person=applicant, day=day),
    )
    by_kind = {a.matter: a for a in result.assessments}
    matters = []
    for kind in kinds:
        chain_id = reference.chain_id_for(kind, application.county_id)
        if chain_id is None:
            raise CaseError(
                gettext("没有为该地区配置“{matter}”的办理流程，请联系系统管理员。").format(
                    matter=gettext(MatterType(kind).label)
                )
            )
        for step in reference.chain_definition(chain_id).steps:
            unit_for(step, application)  # route every step now: a missing unit fails the submit
        matters.append(
            Matter(
                application=application,
                kind=kind,
                status=move(MATTER, None, Matter.Status.PENDING),
                chain_id=chain_id,
                prescreen=snapshot(by_kind[MatterType(kind)]),
                renews=renews if kind == MatterType.CERT else None,
            )
        )
    Matter.objects.bulk_create(matters)
    return application


def medical_claim(
    answers: dict, *, person: Person | None = None, day: date | None = None
) -> MedicalClaim:
    """The medical bills listed on the single form (answers["medical_bills"]); given the
    person and the day, with what their earlier claims of the year already used of the cap and
    the deductible."""
    bills = []
    for i, raw in enumerate(answers.get("medical_bills") or [], start=1):
        try:
            bill = Bill(
                date.fromisoformat(str(raw["day"])),
                Decimal(str(raw["policy_self_pay"])),
                bool(raw.get("networked", False)),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation):
            raise ValidationError(
                {"medical_bills": gettext("第 {n} 张票据的日期或金额无效。").format(n=i)}
            ) from None
        if bill.policy_self_pay < 0 or not bill.policy_self_pay.is_finite():
            raise ValidationError(
                {"medical_bills": gettext("第 {n} 张票据的金额不能为负数。").format(n=i)}
            )
        bills.append(bill)
    if person is None or day is None:
        return MedicalClaim(tuple(bills))
    paid, used = _medical_year_so_far(person, day)
    return MedicalClaim(tuple(bills), paid_this_year=paid, deductible_used_this_year=used)


def _medical_year_so_far(person: Person, day: date) -> tuple[Decimal, Decimal]:
    """Medical aid approved for the person this calendar year, and the bills it counted."""
    approved = Matter.objects.filter(
        application__applicant=person,
        kind=MatterType.MEDICAL,
        status=Matter.Status.APPROVED,
        decided_at__year=day.year,
    ).select_related("application")
    paid = used = Decimal(0)
    for matter in approved:
        paid += Decimal(str(matter.result.get("amount") or 0))
        for bill in medical_claim(matter.application.answers).bills:
            used += bill.policy_self_pay if bill.day.year == day.year else 0
    return paid, used
