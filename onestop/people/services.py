import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_noop

from onestop.accounts.actors import Actor
from onestop.audit.models import AuditAction
from onestop.audit.services import Entry, audit_record, audit_records
from onestop.core import clock, pii
from onestop.core.language import READING_LANGUAGES
from onestop.regions.models import Region

from .identifiers import IdentifierError, parse_certificate_number, parse_id_number, parse_mobile
from .models import (
    CERT_CONTEXT,
    ID_CONTEXT,
    Certificate,
    CertificateStatus,
    DibaoCategory,
    Guardian,
    GuardianKind,
    Person,
    TekunCategory,
)
from .mongolian import clean_mongolian_name

# CJK (including the extension planes, for rare characters in names), the middle dot of
# transcribed Mongolian and other minority names, and Latin letters.
NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f·•.A-Za-z ]{1,50}")
CERTIFICATE_YEARS = 10
T = TypeVar("T")


class FieldErrors:
    """Collects every field's problem so the person sees all of them at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def check(self, key: str, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T | None:
        try:
            return fn(*args, **kwargs)
        except IdentifierError as exc:
            self.add(key, str(exc))
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _clean_name(errors: FieldErrors, field: str, label: str, value: str) -> str:
    name = (value or "").strip()
    if not name:
        errors.add(field, gettext("请填写{}。").format(gettext(label)))
    elif not NAME.fullmatch(name):
        errors.add(
            field,
            gettext("{label}只能包含汉字、字母和间隔号“·”，不超过 50 个字。").format(
                label=gettext(label)
            ),
        )
    return name


LANGUAGES = {code for code, _ in READING_LANGUAGES}


def _check_scope(actor: Actor, region: Region) -> None:
    if actor is not None and (actor.scope is None or not actor.scope.contains(region)):
        raise PermissionDenied(gettext("该人员的户籍地不在您的管辖范围内。"))


def person_register(
    *,
    actor: Actor,
    name: str,
    id_number: str,
    hukou_region_code: str,
    phone: str = "",
    address: str = "",
    dibao_category: str = DibaoCategory.NONE,
    tekun_category: str = TekunCategory.NONE,
    name_mn: str = "",
    language: str = "",
) -> Person:
    errors = FieldErrors()
    name = _clean_name(errors, "name", gettext_noop("姓名"), name)
    name_mn = errors.check("name_mn", clean_mongolian_name, name_mn) or ""
    if language not in LANGUAGES:
        errors.add("language", gettext("阅读语言只能是中文或蒙古文。"))
    parsed = errors.check("id_number", parse_id_number, id_number)
    mobile = errors.check("phone", parse_mobile, phone) if phone else ""
    region = Region.objects.filter(code=(hukou_region_code or "").strip()).first()
    if not (hukou_region_code or "").strip():
        errors.add("hukou_region", gettext("请选择户籍地。"))
    elif region is None:
        errors.add(
            "hukou_region",
            gettext("户籍地区划代码“{code}”不存在。").format(code=hukou_region_code),
        )
    if dibao_category not in DibaoCategory.values:
        errors.add("dibao_category", gettext("低保类别只能是城镇、农村或无。"))
    if tekun_category not in TekunCategory.values:
        errors.add("tekun_category", gettext("特困供养类别无效。"))
    errors.raise_if_any()
    assert parsed is not None and region is not None  # any problem was raised just above
    _check_scope(actor, region)
    person = Person(
        name=name,
        name_mn=name_mn,
        language=language,
        sex=parsed.sex,
        birth_date=parsed.birth_date,
        phone=mobile or "",
        hukou_region=region,
        address=(address or "").strip(),
        dibao_category=dibao_category,
        tekun_category=tekun_category,
    )
    person.set_id_number(parsed.number)
    try:
        with transaction.atomic():
            person.save()
            audit_record(
                actor=actor,
                action=AuditAction.PERSON_REGISTER,
                subject=person,
                detail={"hukou_region": region.code},
            )
    except IntegrityError:
        raise ValidationError(
            {"id_number": [gettext("该身份证号已登记，请直接查找该人员。")]}
        ) from None
    return person


def person_find_by_id_number(queryset: QuerySet[Person], id_number: str) -> Person | None:
    """Exact look-up through the keyed index; the caller passes an already scoped queryset."""
    number = (id_number or "").strip().upper()
    return queryset.filter(id_number_index=pii.blind_index(number, context=ID_CONTEXT)).first()


def guardian_add(
    *,
    actor: Actor,
    person: Person,
    kind: str,
    name: str,
    id_number: str,
    relation: str,
    phone: str,
    address: str = "",
) -> Guardian:
    errors = FieldErrors()
    if kind not in GuardianKind.values:
        errors.add("kind", gettext("请选择监护人或代理人。"))
    name = _clean_name(errors, "name", gettext_noop("监护人姓名"), name)
    parsed = errors.check(
        "id_number", parse_id_number, id_number, field=gettext_noop("监护人身份证号")
    )
    mobile = errors.check("phone", parse_mobile, phone, field=gettext_noop("监护人联系电话"))
    relation = (relation or "").strip()
    if not relation:
        errors.add("relation", gettext("请填写监护人与申请人的关系。"))
    errors.raise_if_any()
    assert parsed is not None and mobile is not None  # any problem was raised just above
    if parsed.number == person.id_number:
        raise ValidationError({"id_number": [gettext("监护人或代理人不能是申请人本人。")]})
    _check_scope(actor, person.hukou_region)
    guardian = Guardian(
        person=person,
        kind=kind,
        name=name,
        sex=parsed.sex,
        relation=relation,
        phone=mobile,
        address=(address or "").strip(),
    )
    guardian.set_id_number(parsed.number)
    with transaction.atomic():
        guardian.save()
        audit_record(
            actor=actor,
            action=AuditAction.GUARDIAN_ADD,
            subject=guardian,
            detail={"person": person.pk, "kind": kind},
        )
    return guardian


def certificate_default_expiry(issue_date: date) -> date:
    try:
        return issue_date.replace(year=issue_date.year + CERTIFICATE_YEARS)
    except ValueError:  # 29 February
        return date(issue_date.year + CERTIFICATE_YEARS, 2, 28)


def certificate_record(
    *,
    actor: Actor,
    person: Person,
    number: str,
    issue_date: date,
    valid_until: date | None = None,
    status: str = CertificateStatus.VALID,
) -> Certificate:
    """Record a certificate held by the person; category and level come from the number."""
    try:
        parsed = parse_certificate_number(number, holder_id=person.id_number)
    except IdentifierError as exc:
        raise ValidationError({"number": [str(exc)]}) from None
    if issue_date > clock.today():
        raise ValidationError({"issue_date": [gettext("发证日期不能晚于今天。")]})
    if valid_until is None:
        valid_until = certificate_default_expiry(issue_date)
    if valid_until <= issue_date:
        raise ValidationError({"valid_until": [gettext("有效期应晚于发证日期。")]})
    if status not in CertificateStatus.values:
        raise ValidationError({"status": [gettext("残疾人证状态无效。")]})
    _check_scope(actor, person.hukou_region)
    cert = Certificate(
        person=person,
        category=parsed.category,
        level=parsed.level,
        issue_date=issue_date,
        valid_until=valid_until,
        status=status,
    )
    cert.set_number(parsed.number)
    try:
        with transaction.atomic():
            cert.save()
            audit_record(
                actor=actor,
                action=AuditAction.CERTIFICATE_RECORD,
                subject=cert,
                detail={"person": person.pk, "category": cert.category, "level": cert.level},
            )
    except IntegrityError:
        raise ValidationError({"number": [gettext("该残疾人证号已登记。")]}) from None
    return cert


def certificate_cancel_all(*, actor: Actor, person: Person) -> list[int]:
    """Cancel the person's valid certificates (a renewal replaces the old card)."""
    with transaction.atomic():
        valid = Certificate.objects.select_for_update().filter(
            person=person, status=CertificateStatus.VALID
        )
        cancelled = list(valid.values_list("pk", flat=True))
        if cancelled:
            Certificate.objects.filter(pk__in=cancelled).update(status=CertificateStatus.CANCELLED)
            audit_record(
                actor=actor,
                action=AuditAction.CERTIFICATE_CANCEL,
                subject=person,
                detail={"certificates": cancelled},
            )
    return cancelled


def certificate_find_by_number(queryset: QuerySet[Certificate], number: str) -> Certificate | None:
    index = pii.blind_index((number or "").strip().upper(), context=CERT_CONTEXT)
    return queryset.filter(number_index=index).first()


def person_reveal_id(*, actor: Actor, person: Person) -> str:
    """The full ID number, for roles whose work needs it; every reveal is audited."""
    if actor is None or not actor.can_reveal_id:
        raise PermissionDenied(gettext("您的角色无权查看完整身份证号。"))
    _check_scope(actor, person.hukou_region)
    with transaction.atomic():
        audit_record(actor=actor, action=AuditAction.PERSON_REVEAL_ID, subject=person)
    return person.id_number


def person_language_set(*, actor: Actor, phone: str, language: str) -> int:
    """The language chosen by whoever signed in with ``phone``: it becomes the reading language
    of the persons whose own phone that is (a guardian's choice is theirs, not the ward's).
    Returns how many persons changed."""
    if language not in LANGUAGES:
        raise ValidationError({"language": gettext("不支持这种语言。")})
    with transaction.atomic():
        persons = list(
            Person.objects.select_for_update().filter(phone=phone).exclude(language=language)
        )
        Person.objects.filter(pk__in=[p.pk for p in persons]).update(language=language)
        audit_records(
            [Entry(actor, AuditAction.PERSON_LANGUAGE, p, {"language": language}) for p in persons]
        )
    return len(persons)
