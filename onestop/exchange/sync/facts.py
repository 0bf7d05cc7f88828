"""Records of one fact about a person (低保, 特困, 户籍, death, the yes-or-no facts), applied one
by one; a death or a move out of the county stops the subsidies from the following month."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied

from onestop.accounts.actors import Actor
from onestop.benefits.entitlements import entitlements_end
from onestop.benefits.models import EndReason
from onestop.core import clock, pii
from onestop.outbox.models import OutboxEvent
from onestop.outbox.services import emit
from onestop.people.models import (
    ID_CONTEXT,
    Benefit,
    DibaoCategory,
    Person,
    SharedRecord,
    TekunCategory,
)
from onestop.people.shared_data import benefits_stop, person_facts_update, shared_record_upsert
from onestop.policy.calendar import month_end
from onestop.regions.models import OrgUnit, Region

from .records import (
    NOT_REGISTERED,
    OUT_OF_SCOPE,
    RecordError,
    out_of_scope,
    record_field,
    record_header,
)

STOPPABLE = (Benefit.Kind.LIVING, Benefit.Kind.NURSING, Benefit.Kind.PENSION)


def apply_fact(actor: Actor, record: Any, department: str | None) -> tuple[Person, bool]:
    kind, version, source, holder = record_header(record, department, clock.today())
    person = (
        Person.objects.select_for_update(of=("self",))
        .filter(id_number_index=pii.blind_index(holder.number, context=ID_CONTEXT))
        .select_related("hukou_region__parent")
        .first()
    )
    if person is None:
        raise RecordError(NOT_REGISTERED)
    if out_of_scope(actor, person.hukou_region.lft):
        raise PermissionDenied(OUT_OF_SCOPE)
    value = record_field(record, "value")
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
    applied = (
        shared_record_upsert(
            actor=actor, person=person, fact=fact, value=value, source=source, source_time=version
        )
        is not None
    )
    if applied and value and fact == SharedRecord.Fact.IMPRISONED:
        county = person.hukou_region.parent_id
        _stop_benefits(actor, person, clock.day_of(version), county, EndReason.IMPRISONED)
    return applied


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
        _stop_benefits(actor, person, moved, old_county, EndReason.MOVED)
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
    _stop_benefits(actor, person, died, person.hukou_region.parent_id, EndReason.DECEASED)
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


def _stop_benefits(
    actor: Actor, person: Person, day: date, county: str | None, reason: EndReason
) -> None:
    """Subsidies are paid through the month of the event and stop from the next one: the
    entitlements this platform pays, and the benefits the shared data records."""
    entitlements_end(actor=actor, person=person, reason=reason, event_day=day)
    why = reason.label
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
