"""Shared data from the authoritative systems (自治区数据共享系统): bulk upsert, record by record.

A record is `{"id_number", "type", "value", "source", "version"}`; `version` is the source's own
ISO timestamp, and an older version never overwrites a newer one. Each record is applied on its own
(a bad one is reported and the rest go in); a person whose data changed is looked at again for
免申即享 by the worker, once the changes are committed, and a death or a move out of the county
stops the subsidies from the following month.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from onestop.accounts.actors import Actor
from onestop.core import clock, pii
from onestop.outbox.models import OutboxEvent
from onestop.outbox.services import emit
from onestop.people.identifiers import (
    IdentifierError,
    IdNumber,
    parse_certificate_number,
    parse_id_number,
)
from onestop.people.models import (
    CERT_CONTEXT,
    ID_CONTEXT,
    Benefit,
    Certificate,
    CertificateStatus,
    DibaoCategory,
    Person,
    SharedRecord,
    TekunCategory,
)
from onestop.people.services import (
    benefits_stop,
    certificate_default_expiry,
    certificates_write,
    person_facts_update,
    shared_record_upsert,
)
from onestop.policy.calendar import month_end
from onestop.regions.models import OrgUnit, Region

# Which department's systems may send which records.
RECORD_TYPES = {
    "certificate": "cdpf",
    "dibao": "civil",
    "dibao_marginal": "civil",
    "low_income": "civil",
    "tekun": "civil",
    "orphan_support": "civil",
    "hukou": "civil",
    "death": "civil",
    "resident_medical": "medical",
    "resident_pension": "hrss",
    "employee_pension": "hrss",
    "work_injury_nursing": "hrss",
    "long_term_care": "cdpf",
    # Held by 公安, 教育, 司法 and 组织 systems: through the platform's own import only.
    "student": "gov",
    "imprisoned": "gov",
    "retired_cadre": "gov",
}
STOPPABLE = (Benefit.Kind.LIVING, Benefit.Kind.NURSING, Benefit.Kind.PENSION)


NOT_REGISTERED = "登记库中没有这个身份证号的人员。"
OUT_OF_SCOPE = "该人员不在本单位管辖范围内。"


class RecordError(ValueError):
    pass


@dataclass(frozen=True)
class RecordResult:
    index: int
    status: str  # "applied", "stale" (an older version, ignored) or "error"
    message: str = ""


CERTIFICATE_CHUNK = 5_000


def import_records(
    *, actor: Actor, records: list[Any], department: str | None = None
) -> list[RecordResult]:
    """Apply each record on its own; ``department`` limits the types (None: the platform).
    Certificates, which arrive by the hundred thousand from the certificate system, are applied
    set-wise in chunks with the same rules and the same per-record results."""
    results: dict[int, RecordResult] = {}
    touched: set[int] = set()
    certificates: list[tuple[int, Any]] = []
    for index, record in enumerate(records):
        if isinstance(record, dict) and record.get("type") == "certificate":
            certificates.append((index, record))
            continue
        try:
            with transaction.atomic():
                person, applied = _apply(actor, record, department)
        except (RecordError, IdentifierError) as exc:
            results[index] = RecordResult(index, "error", str(exc))
        except ValidationError as exc:
            results[index] = RecordResult(index, "error", "；".join(exc.messages))
        except PermissionDenied as exc:
            results[index] = RecordResult(index, "error", str(exc))
        else:
            results[index] = RecordResult(index, "applied" if applied else "stale")
            if applied:
                touched.add(person.pk)
    for start in range(0, len(certificates), CERTIFICATE_CHUNK):
        chunk = certificates[start : start + CERTIFICATE_CHUNK]
        touched |= _certificates(actor, chunk, department, results)
    if touched:
        from onestop.policy.tasks import proactive_rescan_queued

        ids = sorted(touched)
        transaction.on_commit(lambda: proactive_rescan_queued(ids))
    return [results[i] for i in range(len(records))]


def _field(record: Any, name: str) -> Any:
    if not isinstance(record, dict) or name not in record:
        raise RecordError(f"缺少字段 {name}。")
    return record[name]


def _header(
    record: Any, department: str | None, today: date
) -> tuple[str, datetime, str, IdNumber]:
    """Type, version, source and ID number, checked alike for every kind of record."""
    kind = _field(record, "type")
    if kind not in RECORD_TYPES:
        raise RecordError(f"记录类型“{kind}”无效。")
    if department is not None and RECORD_TYPES[kind] != department:
        raise RecordError(f"本系统不能报送“{kind}”类记录。")
    raw_version = str(_field(record, "version"))
    try:
        version = datetime.fromisoformat(raw_version)
    except ValueError:
        raise RecordError("version 应为带时区的时间，如 2026-11-29T10:00:00+08:00。") from None
    if version.tzinfo is None:
        raise RecordError("version 须带时区。")
    source = str(_field(record, "source"))[:64] or "未注明"
    return kind, version, source, parse_id_number(str(_field(record, "id_number")), today=today)


def _out_of_scope(actor: Actor, lft: int) -> bool:
    """Whether the region at ``lft`` (of the nested set) lies outside the actor's scope."""
    return (
        actor is not None and actor.scope is not None and not actor.scope.contains(Region(lft=lft))
    )


def _apply(actor: Actor, record: Any, department: str | None) -> tuple[Person, bool]:
    kind, version, source, holder = _header(record, department, clock.today())
    person = (
        Person.objects.select_for_update(of=("self",))
        .filter(id_number_index=pii.blind_index(holder.number, context=ID_CONTEXT))
        .select_related("hukou_region__parent")
        .first()
    )
    if person is None:
        raise RecordError(NOT_REGISTERED)
    if _out_of_scope(actor, person.hukou_region.lft):
        raise PermissionDenied(OUT_OF_SCOPE)
    value = _field(record, "value")
    if kind in SharedRecord.BOOLEAN:
        return person, _boolean(actor, person, kind, value, source, version)
    return person, APPLY[kind](actor, person, value, source, version)


def _newer(person: Person, fact: str, version: datetime) -> bool:
    held = (
        SharedRecord.objects.filter(person=person, fact=fact)
        .values_list("source_time", flat=True)
        .first()
    )
    return held is None or held <= version


def _carry(
    actor: Actor, person: Person, fact: str, value: Any, source: str, version: datetime
) -> None:
    shared_record_upsert(
        actor=actor, person=person, fact=fact, value=value, source=source, source_time=version
    )


def _set(
    actor: Actor,
    person: Person,
    fields: dict[str, Any],
    fact: str,
    value: Any,
    source: str,
    version: datetime,
) -> None:
    person_facts_update(
        actor=actor,
        person=person,
        fields=fields,
        fact=fact,
        value=value,
        source=source,
        source_time=version,
    )


def _boolean(
    actor: Actor, person: Person, fact: str, value: Any, source: str, version: datetime
) -> bool:
    if not isinstance(value, bool):
        raise RecordError("value 应为 true 或 false。")
    return (
        shared_record_upsert(
            actor=actor, person=person, fact=fact, value=value, source=source, source_time=version
        )
        is not None
    )


def _dibao(actor: Actor, person: Person, value: Any, source: str, version: datetime) -> bool:
    category = value.get("category") if isinstance(value, dict) else None
    if category not in DibaoCategory.values:
        raise RecordError("低保记录的 category 应为 urban、rural 或 none。")
    until = value.get("until")
    try:
        until = date.fromisoformat(until) if until else None
    except ValueError:
        raise RecordError("低保记录的 until 不是有效日期。") from None
    if not _newer(person, "dibao", version):
        return False
    _set(actor, person, {"dibao_category": category}, "dibao", category, source, version)
    _carry(actor, person, "dibao_until", until, source, version)
    return True


def _tekun(actor: Actor, person: Person, value: Any, source: str, version: datetime) -> bool:
    if value not in TekunCategory.values:
        raise RecordError("特困记录的 value 应为 none、centralized 或 dispersed。")
    if not _newer(person, "tekun", version):
        return False
    _set(actor, person, {"tekun_category": value}, "tekun", value, source, version)
    return True


def _hukou(actor: Actor, person: Person, value: Any, source: str, version: datetime) -> bool:
    code = value.get("region") if isinstance(value, dict) else None
    region = Region.objects.filter(code=code, level="township").first()
    if region is None:
        raise RecordError(f"户籍记录的 region“{code}”不是有效的苏木乡镇（街道）代码。")
    if not _newer(person, "hukou", version):
        return False
    old_county = person.hukou_region.parent_id
    _set(actor, person, {"hukou_region": region}, "hukou", code, source, version)
    if region.parent_id != old_county:
        moved = _event_day(value, version)
        _stop_benefits(actor, person, moved, old_county, "户籍迁出本旗县（市、区）")
    return True


def _death(actor: Actor, person: Person, value: Any, source: str, version: datetime) -> bool:
    died = _event_day(value, version)
    if (
        shared_record_upsert(
            actor=actor,
            person=person,
            fact="deceased",
            value=True,
            source=source,
            source_time=version,
        )
        is None
    ):
        return False
    _stop_benefits(actor, person, died, person.hukou_region.parent_id, "死亡")
    return True


def _event_day(value: Any, version: datetime) -> date:
    try:
        return (
            date.fromisoformat(value["date"])
            if isinstance(value, dict) and value.get("date")
            else version.date()
        )
    except ValueError:
        raise RecordError("记录中的 date 不是有效日期。") from None


def _stop_benefits(actor: Actor, person: Person, day: date, county: str | None, why: str) -> None:
    """Subsidies are paid through the month of the event and stop from the next one."""
    last_paid = month_end(day)
    stopped = benefits_stop(
        actor=actor, person=person, kinds=STOPPABLE, last_paid=last_paid, why=why
    )
    if not stopped:
        return
    unit = OrgUnit.objects.filter(department="civil", region_id=county).first()
    emit(
        topic=OutboxEvent.Topic.BENEFIT_STOPPED,
        payload={
            "person": person.pk,
            "kinds": stopped,
            "last_paid_month": f"{last_paid:%Y-%m}",
            "why": why,
        },
        unit=unit,
    )
    from onestop.notices.services import notify_unit

    notify_unit(
        unit=unit,
        text=f"{person.name}{why}，{'、'.join(Benefit.Kind(k).label for k in stopped)}"
        f"发放到 {last_paid:%Y年%-m月}，自下月起停发，请核对。",
    )


APPLY: dict[str, Callable[[Actor, Person, Any, str, datetime], bool]] = {
    "dibao": _dibao,
    "tekun": _tekun,
    "hukou": _hukou,
    "death": _death,
}


# --- certificates, set-wise -----------------------------------------------------------------------
@dataclass
class _CertRow:
    index: int
    id_index: str
    number_index: str
    number: str
    category: int
    level: int
    issued: date
    valid_until: date | None
    status: str
    source: str
    version: datetime


CERTIFICATE_STATUSES = frozenset(CertificateStatus.values)


class _CertificateParser:
    """Checks certificate records one by one, with what every record of a chunk shares (the day,
    the keys) looked up once."""

    def __init__(self, department: str | None) -> None:
        self.department = department
        self.today = clock.today()
        self.id_index = pii.blind_indexer(ID_CONTEXT)
        self.number_index = pii.blind_indexer(CERT_CONTEXT)

    def row(self, index: int, record: Any) -> _CertRow:
        _kind, version, source, holder = _header(record, self.department, self.today)
        value = _field(record, "value")
        if not isinstance(value, dict):
            raise RecordError("残疾人证记录的 value 应为对象（number、issue_date、status）。")
        parsed = parse_certificate_number(
            str(value.get("number", "")), holder_id=holder, today=self.today
        )
        status = value.get("status", CertificateStatus.VALID)
        if status not in CERTIFICATE_STATUSES:
            raise RecordError("残疾人证状态应为 valid、expired 或 cancelled。")
        try:
            issued = date.fromisoformat(str(value.get("issue_date")))
            until = value.get("valid_until")
            valid_until = date.fromisoformat(until) if until else None
        except (TypeError, ValueError):
            raise RecordError("残疾人证记录的日期无效。") from None
        if issued > self.today:
            raise RecordError("发证日期不能晚于今天。")
        if valid_until is not None and valid_until <= issued:
            raise RecordError("有效期应晚于发证日期。")
        return _CertRow(
            index,
            self.id_index(holder.number),
            self.number_index(parsed.number),
            parsed.number,
            parsed.category,
            parsed.level,
            issued,
            valid_until,
            status,
            source,
            version,
        )


def _certificates(
    actor: Actor,
    chunk: list[tuple[int, Any]],
    department: str | None,
    results: dict[int, RecordResult],
) -> set[int]:
    """One chunk of certificate records: checked in Python, then written set-wise."""
    parser = _CertificateParser(department)
    latest: dict[str, _CertRow] = {}
    superseded: dict[str, list[int]] = {}  # earlier records of a number share the latest's fate
    for index, record in chunk:
        try:
            row = parser.row(index, record)
        except (RecordError, IdentifierError) as exc:
            results[index] = RecordResult(index, "error", str(exc))
            continue
        earlier = latest.get(row.number_index)
        if earlier is not None and earlier.version > row.version:
            results[index] = RecordResult(index, "stale")
            continue
        if earlier is not None:
            superseded.setdefault(row.number_index, []).append(earlier.index)
        latest[row.number_index] = row
    for attempt in range(3):
        try:
            touched = _write_certificates(actor, latest, results)
            break
        except IntegrityError:
            # A concurrent request (a retry, say) added one of these numbers after we looked,
            # and everything here rolled back: look again, and it is an update now.
            if attempt == 2:
                raise
    for key, indexes in superseded.items():
        outcome = results[latest[key].index]
        for index in indexes:
            results[index] = RecordResult(index, outcome.status, outcome.message)
    return touched


def _write_certificates(
    actor: Actor, latest: dict[str, _CertRow], results: dict[int, RecordResult]
) -> set[int]:
    """Match, version-check and write the checked rows in one transaction."""
    with transaction.atomic():
        people = {
            id_index: (pk, lft)
            for id_index, pk, lft in Person.objects.filter(
                id_number_index__any_of={r.id_index for r in latest.values()}
            ).values_list("id_number_index", "pk", "hukou_region__lft")
        }
        rows = (
            Certificate.objects.select_for_update()
            .filter(number_index__any_of=latest.keys())
            .values_list("number_index", "pk", "valid_until", "source_time")
        )
        held: dict[str, tuple[int, date, datetime | None]] = {
            number_index: (pk, valid_until, version)
            for number_index, pk, valid_until, version in rows
        }
        new, changed, touched = [], [], set()
        for key, row in latest.items():
            found = people.get(row.id_index)
            if found is None:
                results[row.index] = RecordResult(row.index, "error", NOT_REGISTERED)
                continue
            person_id, lft = found
            if _out_of_scope(actor, lft):
                results[row.index] = RecordResult(row.index, "error", OUT_OF_SCOPE)
                continue
            existing = held.get(key)
            if existing is not None and existing[2] is not None and existing[2] > row.version:
                results[row.index] = RecordResult(row.index, "stale")
                continue
            if existing is None:
                new.append(
                    (
                        person_id,
                        Certificate.seal_number(row.number),
                        key,
                        row.category,
                        row.level,
                        row.issued,
                        row.valid_until or certificate_default_expiry(row.issued),
                        row.status,
                        row.source,
                        row.version,
                    )
                )
            else:
                changed.append(
                    (
                        existing[0],
                        row.status,
                        row.valid_until or existing[1],
                        row.source,
                        row.version,
                    )
                )
            results[row.index] = RecordResult(row.index, "applied")
            touched.add(person_id)
        certificates_write(actor=actor, new=new, changed=changed, persons=touched)
    return touched
