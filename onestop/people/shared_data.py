"""Writes of the shared data the departments' systems are the source of: the authoritative facts
(versioned, an older version never overwriting a newer one), the person's fields they set, the
benefits paid, and certificates written set-wise by the sync."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from onestop.accounts.actors import Actor
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core.bulk import insert_rows, update_rows

from .models import Benefit, Certificate, Person, SharedRecord


def shared_record_upsert(
    *, actor: Actor, person: Person, fact: str, value: Any, source: str, source_time: datetime
) -> SharedRecord | None:
    """Record one authoritative fact; an older version never overwrites a newer one.

    Returns the stored record, or None when the incoming version was older and ignored.
    """
    if fact not in SharedRecord.Fact.values:
        raise ValidationError({"fact": [f"共享数据项“{fact}”不存在。"]})
    stored: str | bool
    if fact == SharedRecord.Fact.DIBAO_UNTIL:
        if value is not None and not isinstance(value, date):
            raise ValidationError({"value": ["低保终止日期应为日期。"]})
        stored = value.isoformat() if value else ""  # "": no end date known
    elif fact in SharedRecord.BOOLEAN:
        if not isinstance(value, bool):
            raise ValidationError({"value": ["该共享数据项的值应为“是”或“否”。"]})
        stored = value
    else:  # a version carrier: the caller has already checked and applied the value
        stored = value
    with transaction.atomic():
        record = SharedRecord.objects.select_for_update().filter(person=person, fact=fact).first()
        if record is not None and record.source_time > source_time:
            return None
        if record is None:
            record = SharedRecord(person=person, fact=fact)
        record.value, record.source, record.source_time = stored, source, source_time
        record.save()
        audit_record(
            actor=actor,
            action=AuditAction.SHARED_RECORD_UPSERT,
            subject=person,
            detail={"fact": fact, "value": stored, "source": source},
        )
    return record


# The person's own fields an authoritative record sets, beside the record that versions it.
PERSON_FACT_FIELDS = frozenset({"dibao_category", "tekun_category", "hukou_region"})


def person_facts_update(
    *,
    actor: Actor,
    person: Person,
    fields: dict[str, Any],
    fact: str,
    value: Any,
    source: str,
    source_time: datetime,
) -> None:
    """Set the fields an authoritative record carries and keep the record's version; audited as
    the shared record's update. The caller has checked that the record is the newer one."""
    if not fields or not fields.keys() <= PERSON_FACT_FIELDS:
        raise ValueError(f"not a field a shared record sets: {sorted(fields)}")
    with transaction.atomic():
        Person.objects.filter(pk=person.pk).update(**fields)
        shared_record_upsert(
            actor=actor,
            person=person,
            fact=fact,
            value=value,
            source=source,
            source_time=source_time,
        )


def benefits_stop(
    *, actor: Actor, person: Person, kinds: Iterable[str], last_paid: date, why: str
) -> list[str]:
    """Stop these benefits after the month last paid; returns the kinds that were still paid."""
    with transaction.atomic():
        paid = Benefit.objects.filter(person=person, kind__in=kinds).exclude(end__lte=last_paid)
        stopped = list(paid.values_list("kind", flat=True))
        if stopped:
            paid.update(end=last_paid)
            audit_record(
                actor=actor,
                action=AuditAction.BENEFIT_STOP,
                subject=person,
                detail={"kinds": stopped, "last_paid": str(last_paid), "why": why},
            )
    return stopped


def benefit_record(
    *,
    actor: Actor,
    person: Person,
    kind: str,
    monthly_amount: Decimal,
    start: date,
    end: date | None = None,
) -> Benefit:
    if kind not in Benefit.Kind.values:
        raise ValidationError({"kind": ["待遇类型无效。"]})
    if monthly_amount < 0:
        raise ValidationError({"monthly_amount": ["每月金额不能为负数。"]})
    if end is not None and end < start:
        raise ValidationError({"end": ["终止日期不能早于起始日期。"]})
    with transaction.atomic():
        benefit = Benefit.objects.create(
            person=person, kind=kind, monthly_amount=monthly_amount, start=start, end=end
        )
        audit_record(
            actor=actor,
            action=AuditAction.BENEFIT_RECORD,
            subject=person,
            detail={"kind": kind, "monthly_amount": str(monthly_amount), "start": str(start)},
        )
    return benefit


# The columns of certificates the certificate system sends set-wise, new and changed.
CERTIFICATE_NEW = [
    "person",
    "number_cipher",
    "number_index",
    "category",
    "level",
    "issue_date",
    "valid_until",
    "status",
    "source",
    "source_time",
]
CERTIFICATE_CHANGED = ["status", "valid_until", "source", "source_time"]


def certificates_write(
    *, actor: Actor, new: list[tuple], changed: list[tuple], persons: set[int]
) -> None:
    """Write checked certificate rows set-wise (columns as above, ``changed`` led by the pk),
    with one audit event for the lot."""
    with transaction.atomic():
        insert_rows(Certificate, CERTIFICATE_NEW, new)
        update_rows(Certificate, CERTIFICATE_CHANGED, changed)
        if persons:
            audit_record(
                actor=actor,
                action=AuditAction.SHARED_IMPORT,
                detail={
                    "kind": "certificate",
                    "created": len(new),
                    "updated": len(changed),
                    "persons": sorted(persons),
                },
            )
