import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from onestop.accounts.actors import Actor
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core.bulk import update_rows
from onestop.core.replica import replica_reads
from onestop.people.models import Person
from onestop.regions.models import Region

from . import calendar, registry
from .facts import Facts
from .holidays import HolidaySchedule
from .materials import MaterialNeed, materials_for
from .matters import Matter
from .medical import MedicalClaim
from .models import HolidayDay, HolidayNotice, ProactiveFinding, RuleParameter
from .parameters import SPEC, ParameterError, RuleParams, overlaps, parse_value, to_json
from .rules import assess
from .verdict import Assessment, Outcome

log = logging.getLogger(__name__)


def holiday_notice_load(*, actor: Actor, schedule: HolidaySchedule) -> HolidayNotice:
    """Replace the year's official schedule with this one (all of it, or nothing)."""
    with transaction.atomic():
        notice, created = HolidayNotice.objects.select_for_update().get_or_create(
            year=schedule.year, defaults={"papers": schedule.papers, "loaded_by": actor}
        )
        if not created:
            notice.papers = schedule.papers
            notice.loaded_by = actor
            notice.save()
            notice.days.all().delete()
        HolidayDay.objects.bulk_create(
            HolidayDay(notice=notice, date=d, is_off=off, name=name)
            for d, (off, name) in sorted(schedule.days.items())
        )
        audit_record(
            actor=actor,
            action=AuditAction.HOLIDAYS_LOAD,
            subject=notice,
            detail={"year": schedule.year, "days": len(schedule.days), "replaced": not created},
        )
        transaction.on_commit(calendar.reset_cache)
    calendar.reset_cache()
    return notice


# --- rule parameters -----------------------------------------------------------------------------
def rule_parameter_check(
    *,
    key: str,
    region: Region | None,
    valid_from: date | None,
    valid_to: date | None,
    value: Any,
    exclude_pk: int | None = None,
) -> Any:
    """Validate one parameter row; returns the parsed value or raises field-level errors."""
    errors: dict[str, str] = {}
    parsed = None
    if key not in SPEC:
        errors["key"] = "请选择有效的参数。"
    else:
        try:
            parsed = parse_value(key, value)
        except ParameterError as exc:
            errors["value"] = str(exc)
    if region is None:
        errors["region"] = "请选择适用区划。"
    if valid_from is None:
        errors["valid_from"] = "请填写起始日期。"
    elif valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = "截止日期不能早于起始日期。"
    if valid_from is not None and not errors:
        others = RuleParameter.objects.filter(key=key, region=region)
        if exclude_pk is not None:
            others = others.exclude(pk=exclude_pk)
        clash = next(
            (p for p in others if overlaps(p.valid_from, p.valid_to, valid_from, valid_to)),
            None,
        )
        if clash is not None:
            until = f"{clash.valid_to:%Y-%m-%d}" if clash.valid_to else "长期"
            errors["valid_from"] = (
                f"与该区划已有的同一参数（{clash.valid_from:%Y-%m-%d} 至 {until}）时间重叠；"
                "请先给原记录设置截止日期。"
            )
    if errors:
        raise ValidationError(errors)
    return parsed


def rule_parameter_save(
    *,
    actor: Actor,
    key: str,
    region: Region,
    valid_from: date,
    valid_to: date | None,
    value: Any,
    example: bool = False,
    note: str = "",
    parameter: RuleParameter | None = None,
) -> RuleParameter:
    """Create or change one parameter row; no two rows of a key may overlap in one region."""
    if actor is not None and (actor.scope is None or not actor.scope.contains(region)):
        raise ValidationError({"region": "只能设置本管辖范围内区划的参数。"})
    with transaction.atomic():
        # The region row is the lock: two admins editing one region's parameters queue up, so
        # the overlap check below cannot be raced.
        Region.objects.select_for_update().get(pk=region.pk)
        parsed = rule_parameter_check(
            key=key,
            region=region,
            valid_from=valid_from,
            valid_to=valid_to,
            value=value,
            exclude_pk=parameter.pk if parameter else None,
        )
        before = None if parameter is None else _audited_state(parameter)
        row = parameter or RuleParameter()
        row.key, row.region, row.valid_from, row.valid_to = key, region, valid_from, valid_to
        row.value, row.example, row.note, row.updated_by = (
            to_json(key, parsed),
            example,
            note,
            actor,
        )
        row.save()
        audit_record(
            actor=actor,
            action=AuditAction.RULE_PARAMETER_SAVE,
            subject=row,
            detail={"key": key, "region": region.code, **_audited_state(row), "before": before},
        )
        transaction.on_commit(registry.parameters.reset)
    registry.parameters.reset()
    return row


def _audited_state(row: RuleParameter) -> dict[str, Any]:
    """What the audit trail records of a parameter row, before and after a change."""
    return {
        "value": row.value,
        "valid_from": str(row.valid_from),
        "valid_to": str(row.valid_to) if row.valid_to else None,
    }


# --- pre-screening -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prescreen:
    county: str
    day: date
    facts: Facts
    params: RuleParams
    assessments: list[Assessment]
    materials: list[MaterialNeed]


def prescreen(
    *,
    facts: Facts,
    region_code: str,
    day: date,
    matters: Iterable[Matter] = tuple(Matter),
    claim: MedicalClaim | None = None,
    guardian: str = "",
    person: Person | None = None,
) -> Prescreen:
    """Every requested matter's outcome, reasons, missing facts and amount, and the one list of
    materials. With ``person`` (already scoped by the caller) the shared data fills what it
    knows and ``facts`` only fills what it does not."""
    county = registry.application_county(region_code)
    if county is None:
        raise ValidationError(
            {"region": f"区划代码“{region_code}”不是旗县（市、区）或苏木乡镇（街道）。"}
        )
    if person is not None:
        facts = registry.facts_for(person, day).merged(facts)
    params = registry.params_for(county, day)
    assessments = assess(facts, params, county, day, tuple(matters), claim)
    return Prescreen(
        county,
        day,
        facts,
        params,
        assessments,
        materials_for(assessments, facts, guardian=guardian),
    )


# --- 免申即享 ------------------------------------------------------------------------------------
PROACTIVE_MATTERS = (Matter.LIVING, Matter.NURSING, Matter.PENSION)


def discover(facts: Facts, params: RuleParams, county: str, day: date) -> list[Assessment]:
    """Matters the facts show the person qualifies for and does not yet receive."""
    todo = [m for m in PROACTIVE_MATTERS if m not in facts.receiving]
    return [a for a in assess(facts, params, county, day, todo) if a.outcome == Outcome.ELIGIBLE]


@dataclass
class ScanReport:
    persons: int = 0
    opened: int = 0
    confirmed: int = 0
    closed: int = 0


def proactive_scan(
    *,
    day: date,
    batch_size: int = 2000,
    progress: Callable[[ScanReport], None] | None = None,
) -> ScanReport:
    """Run discovery over the whole registry in batches; record findings (one audit event per
    batch). Re-running is safe: findings are confirmed, opened or closed, never duplicated."""
    report = ScanReport()
    last_pk = 0
    while batch := _read_batch(last_pk, batch_size, day):
        last_pk = batch[-1][0]
        _scan_batch(batch, day, report)
        if progress:
            progress(report)
        log.info(
            "proactive scan: %s persons, %s opened, %s confirmed, %s closed",
            report.persons,
            report.opened,
            report.confirmed,
            report.closed,
        )
    return report


def _read_batch(after_pk: int, size: int, day: date) -> list[tuple[int, Facts]]:
    # The night's whole registry may be a moment old (a person changed since is looked at
    # again by ``proactive_rescan``, which reads the primary); the findings are written, and
    # read back for update, on the primary.
    with replica_reads():
        return registry.facts_batch(after_pk, size, day)


def proactive_rescan(*, person_ids: list[int], day: date) -> ScanReport:
    """Look again at these persons (their shared data changed)."""
    report = ScanReport()
    for start in range(0, len(person_ids), 2000):
        batch = registry.facts_for_ids(person_ids[start : start + 2000], day)
        if batch:
            _scan_batch(batch, day, report)
    return report


Found = dict[tuple[int, str], Assessment]  # by person and matter


def _scan_batch(batch: list[tuple[int, Facts]], day: date, report: ScanReport) -> None:
    found = _discover_batch(batch, day)
    with transaction.atomic():
        existing = {
            (f.person_id, f.matter): f
            for f in ProactiveFinding.objects.select_for_update().filter(
                person_id__any_of=[pk for pk, _ in batch]
            )
        }
        create, update, counts = _reconcile(found, existing, day)
        ProactiveFinding.objects.bulk_create(create)
        fields = ["status", "first_found", "last_found", "amount", "unit"]
        update_rows(
            ProactiveFinding, fields, [(f.pk, *(getattr(f, n) for n in fields)) for f in update]
        )
        audit_record(
            actor=None,
            action=AuditAction.PROACTIVE_SCAN,
            detail={
                "day": str(day),
                "persons": len(batch),
                "first_pk": batch[0][0],
                "last_pk": batch[-1][0],
                "opened": counts.opened,
                "closed": counts.closed,
            },
        )
    report.persons += len(batch)
    report.opened += counts.opened
    report.confirmed += counts.confirmed
    report.closed += counts.closed


def _discover_batch(batch: list[tuple[int, Facts]], day: date) -> Found:
    """What discovery finds in a batch; a person without a known county is skipped."""
    found: Found = {}
    for pk, facts in batch:
        path = facts.hukou_path or ()
        county = path[2] if len(path) > 2 else None
        if county is None:
            continue
        for a in discover(facts, registry.params_for(county, day), county, day):
            found[(pk, a.matter)] = a
    return found


def _reconcile(
    found: Found, existing: dict[tuple[int, str], ProactiveFinding], day: date
) -> tuple[list[ProactiveFinding], list[ProactiveFinding], ScanReport]:
    """The findings to create and to update: a new or closed one opens, an open one found again
    is confirmed, an open one no longer found closes."""
    create, update = [], []
    counts = ScanReport()
    for key, a in found.items():
        amount = a.amount.value if a.amount else None
        unit = a.amount.unit if a.amount else ""
        f = existing.get(key)
        if f is None:
            create.append(
                ProactiveFinding(
                    person_id=key[0],
                    matter=key[1],
                    first_found=day,
                    last_found=day,
                    amount=amount,
                    unit=unit,
                )
            )
            counts.opened += 1
            continue
        if f.status == ProactiveFinding.Status.CLOSED:
            f.status, f.first_found = ProactiveFinding.Status.OPEN, day
            counts.opened += 1
        else:
            counts.confirmed += 1
        f.last_found, f.amount, f.unit = day, amount, unit
        update.append(f)
    for key, f in existing.items():
        if key not in found and f.status == ProactiveFinding.Status.OPEN:
            f.status = ProactiveFinding.Status.CLOSED
            update.append(f)
            counts.closed += 1
    return create, update, counts
