"""Certificate records, which arrive by the hundred thousand from the certificate system: checked
one by one in Python, then matched, version-checked and written set-wise in chunks."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction

from onestop.accounts.actors import Actor
from onestop.benefits.entitlements import CERTIFIED_KINDS, entitlements_end
from onestop.benefits.models import EndReason, Entitlement
from onestop.core import clock, pii
from onestop.people.identifiers import IdentifierError, parse_certificate_number
from onestop.people.models import (
    CERT_CONTEXT,
    CERT_NUMBER_CONTEXT,
    ID_CONTEXT,
    Certificate,
    CertificateStatus,
    Person,
)
from onestop.people.services import certificate_default_expiry
from onestop.people.shared_data import certificates_write

from .records import (
    NOT_REGISTERED,
    OUT_OF_SCOPE,
    RecordError,
    RecordResult,
    out_of_scope,
    record_field,
    record_header,
)


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


class CertificateParser:
    """Checks certificate records one by one, with what every record of a chunk shares (the day,
    the keys) looked up once."""

    def __init__(self, department: str | None) -> None:
        self.department = department
        self.today = clock.today()
        self.id_index = pii.blind_indexer(ID_CONTEXT)
        self.number_index = pii.blind_indexer(CERT_CONTEXT)

    def row(self, index: int, record: Any) -> _CertRow:
        _kind, version, source, holder = record_header(record, self.department, self.today)
        value = record_field(record, "value")
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


def apply_certificates(
    actor: Actor,
    chunk: list[tuple[int, Any]],
    department: str | None,
    results: dict[int, RecordResult],
) -> set[int]:
    """One chunk of certificate records: checked in Python, then written set-wise."""
    parser = CertificateParser(department)
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


_Held = tuple[int, date, datetime | None]  # pk, valid until, source version


def _people(latest: dict[str, _CertRow]) -> dict[str, tuple[int, int]]:
    """The registered holders by ID index: their pk and their region's place in the tree."""
    return {
        id_index: (pk, lft)
        for id_index, pk, lft in Person.objects.filter(
            id_number_index__any_of={r.id_index for r in latest.values()}
        ).values_list("id_number_index", "pk", "hukou_region__lft")
    }


def _held(latest: dict[str, _CertRow]) -> dict[str, _Held]:
    """The certificates already held for these numbers, locked until the transaction ends."""
    rows = (
        Certificate.objects.select_for_update()
        .filter(number_index__any_of=latest.keys())
        .values_list("number_index", "pk", "valid_until", "source_time")
    )
    return {
        number_index: (pk, valid_until, version) for number_index, pk, valid_until, version in rows
    }


def _new(person_id: int, key: str, row: _CertRow, seal: Callable[[str], str]) -> tuple[Any, ...]:
    return (
        person_id,
        seal(row.number),
        key,
        row.category,
        row.level,
        row.issued,
        row.valid_until or certificate_default_expiry(row.issued),
        row.status,
        row.source,
        row.version,
    )


def _changed(existing: _Held, row: _CertRow) -> tuple[Any, ...]:
    return (existing[0], row.status, row.valid_until or existing[1], row.source, row.version)


def _write_certificates(
    actor: Actor, latest: dict[str, _CertRow], results: dict[int, RecordResult]
) -> set[int]:
    """Match, version-check and write the checked rows in one transaction."""
    with transaction.atomic():
        people = _people(latest)
        held = _held(latest)
        new, changed, touched = [], [], set()
        seal = pii.encrypter(CERT_NUMBER_CONTEXT)
        for key, row in latest.items():
            found = people.get(row.id_index)
            if found is None:
                results[row.index] = RecordResult(row.index, "error", NOT_REGISTERED)
                continue
            person_id, lft = found
            if out_of_scope(actor, lft):
                results[row.index] = RecordResult(row.index, "error", OUT_OF_SCOPE)
                continue
            existing = held.get(key)
            if existing is not None and existing[2] is not None and existing[2] > row.version:
                results[row.index] = RecordResult(row.index, "stale")
                continue
            if existing is None:
                new.append(_new(person_id, key, row, seal))
            else:
                changed.append(_changed(existing, row))
            results[row.index] = RecordResult(row.index, "applied")
            touched.add(person_id)
        certificates_write(actor=actor, new=new, changed=changed, persons=touched)
        _end_entitlements(actor, [r for r in latest.values() if r.status in ENDING], people)
    return touched


# A certificate no longer valid ends the subsidies it was the ground for, from the next month.
ENDING = {
    CertificateStatus.EXPIRED: EndReason.CERT_EXPIRED,
    CertificateStatus.CANCELLED: EndReason.CERT_CANCELLED,
}


def _end_entitlements(
    actor: Actor, rows: list[_CertRow], people: dict[str, tuple[int, int]]
) -> None:
    """Only for persons who hold no other valid certificate and are still entitled (one query
    for the chunk; most chunks end nothing)."""
    by_person = {people[r.id_index][0]: r for r in rows if r.id_index in people}
    if not by_person:
        return
    entitled = set(
        Entitlement.objects.filter(
            person_id__in=list(by_person), end__isnull=True, kind__in=CERTIFIED_KINDS
        ).values_list("person_id", flat=True)
    )
    still_valid = set(
        Certificate.objects.filter(
            person_id__in=list(entitled), status=CertificateStatus.VALID
        ).values_list("person_id", flat=True)
    )
    for person_id in entitled - still_valid:
        row = by_person[person_id]
        expired_on = row.valid_until if row.status == CertificateStatus.EXPIRED else None
        entitlements_end(
            actor=actor,
            person=Person.objects.get(pk=person_id),
            reason=ENDING[CertificateStatus(row.status)],
            event_day=expired_on or clock.day_of(row.version),
            kinds=CERTIFIED_KINDS,
        )
