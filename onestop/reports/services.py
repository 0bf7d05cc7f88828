"""Building the daily figures. Rebuilding a range of days replaces those days in one transaction,
so it can run any time and as often as wanted (idempotent)."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.benefits.months import months, next_month
from onestop.cases.models import Application, Matter, Step
from onestop.core import clock
from onestop.policy import calendar
from onestop.ratings.models import NEGATIVE, Level, Rating

from .models import MONTHS, ApplicationDay, FiguresBuilt, MatterDay, RatingDay, StepDay

log = logging.getLogger(__name__)
LONGEST = 60  # working days; longer ones are counted as 60
GOOD = (Level.VERY_SATISFIED, Level.SATISFIED)


@dataclass
class RebuildReport:
    days: int = 0
    rows: int = 0


def _bounds(day_from: date, day_to: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day_from, time.min, tzinfo=tz)
    return start, datetime.combine(day_to + timedelta(days=1), time.min, tzinfo=tz)


@dataclass(frozen=True)
class Span:
    """The days to count, and the moment counted up to: every figure of one rebuild is as of
    that moment, so the report can say so and read the open 差评 as of it too."""

    day_from: date
    day_to: date
    until: datetime

    def bounds(self) -> tuple[datetime, datetime]:
        """From the first midnight, up to and including ``until`` (the end is exclusive)."""
        start, end = _bounds(self.day_from, self.day_to)
        return start, min(end, self.until + timedelta(microseconds=1))


def _counted(model, field: str, keys: list[str], span: Span, **counts):
    start, end = span.bounds()
    return (
        model.objects.filter(**{f"{field}__gte": start, f"{field}__lt": end})
        .annotate(d=TruncDate(field))
        .values("d", *keys)
        .annotate(**counts)
    )


class _Rows(dict):
    """One figure row per key, made the first time the key is asked for."""

    def __init__(self, model, *fields: str):
        super().__init__()
        self.model, self.fields = model, fields

    def __call__(self, *key):
        if key not in self:
            self[key] = self.model(**dict(zip(self.fields, key, strict=True)))
        return self[key]


def _applications(span: Span) -> list[ApplicationDay]:
    row = _Rows(ApplicationDay, "day", "county_id", "channel")

    for field, attr in (
        ("submitted_at", "submitted"),
        ("accepted_at", "accepted"),
        ("concluded_at", "concluded"),
    ):
        for r in _counted(Application, field, ["county_id", "channel"], span, n=Count("pk")):
            setattr(row(r["d"], r["county_id"], r["channel"]), attr, r["n"])
    for r in _counted(
        Application,
        "delivered_at",
        ["county_id", "channel"],
        span,
        n=Count("pk"),
        t0=Count("pk", filter=Q(trips=0)),
        t1=Count("pk", filter=Q(trips=1)),
        more=Count("pk", filter=Q(trips__gt=1)),
    ):
        target = row(r["d"], r["county_id"], r["channel"])
        target.delivered, target.trips_0 = r["n"], r["t0"]
        target.trips_1, target.trips_more = r["t1"], r["more"]
    return list(row.values())


def _matters(span: Span) -> list[MatterDay]:
    row = _Rows(MatterDay, "day", "county_id", "kind")

    for r in _counted(
        Matter,
        "application__submitted_at",
        ["application__county_id", "kind"],
        span,
        n=Count("pk"),
    ):
        row(r["d"], r["application__county_id"], r["kind"]).submitted = r["n"]
    for r in _counted(
        Matter,
        "decided_at",
        ["application__county_id", "kind"],
        span,
        ok=Count("pk", filter=Q(status=Matter.Status.APPROVED)),
        no=Count("pk", filter=Q(status=Matter.Status.REJECTED)),
    ):
        target = row(r["d"], r["application__county_id"], r["kind"])
        target.approved, target.rejected = r["ok"], r["no"]
    return list(row.values())


def _steps(span: Span) -> list[StepDay]:
    """Working days from the step's start to its decision, against the calendar with its
    holidays and 调休; on time means decided on or before the due date."""
    start, end = span.bounds()
    tz = timezone.get_current_timezone()
    row = _Rows(StepDay, "day", "county_id", "unit_id", "step", "days")
    decided = (
        Step.objects.filter(decided_at__gte=start, decided_at__lt=end)
        .exclude(status=Step.Status.CANCELLED)
        .values_list(
            "decided_at",
            "matter__application__county_id",
            "unit_id",
            "name",
            "started_on",
            "due_date",
        )
        .iterator(chunk_size=5000)
    )
    for decided_at, county, unit, name, started, due in decided:
        d = timezone.localtime(decided_at, tz).date()
        taken = min(LONGEST, max(0, int(calendar.working_days_between(started, d))))
        target = row(d, county, unit, name, taken)
        target.decided += 1
        target.on_time += d <= due
    return list(row.values())


def _ratings(span: Span) -> list[RatingDay]:
    counted_in = ~Q(followup=Rating.FollowUp.WITHDRAWN)  # an appeal upheld: not counted
    counted = _counted(
        Rating,
        "created_at",
        ["application__county_id", "unit_id"],
        span,
        n=Count("pk", filter=counted_in),
        good=Count("pk", filter=Q(level__in=GOOD) & counted_in),
        bad=Count("pk", filter=Q(level__in=NEGATIVE) & counted_in),
    )
    return [
        RatingDay(
            day=r["d"],
            county_id=r["application__county_id"],
            unit_id=r["unit_id"],
            rated=r["n"],
            good=r["good"],
            bad=r["bad"],
        )
        for r in counted
        if r["n"]
    ]


def months_roll_up(
    day_model, month_model, keys: tuple[str, ...], sums: tuple[str, ...], first: date, last: date
) -> int:
    """Replace the month rows from ``first`` to ``last`` (first days of months) by the sums of
    their days. Takes the models and columns as arguments so a migration can call it too."""
    month_model._default_manager.filter(day__gte=first, day__lte=last).delete()
    rows = [
        month_model(day=month, **r)
        for month in months(first, last)
        for r in day_model._default_manager.filter(day__gte=month, day__lt=next_month(month))
        .values(*keys)
        .annotate(**{f: Sum(f) for f in sums})
        .order_by()
    ]
    month_model._default_manager.bulk_create(rows, batch_size=2000)
    return len(rows)


def figures_rebuild(*, day_from: date, day_to: date) -> RebuildReport:
    """Recount the figures of these days (local dates, both included), up to now."""
    span = Span(day_from, day_to, clock.now())
    built: dict[type[models.Model], list] = {
        ApplicationDay: _applications(span),
        MatterDay: _matters(span),
        StepDay: _steps(span),
        RatingDay: _ratings(span),
    }
    report = RebuildReport(days=(day_to - day_from).days + 1)
    with transaction.atomic():
        for model, rows in built.items():
            model._default_manager.filter(day__gte=day_from, day__lte=day_to).delete()
            model._default_manager.bulk_create(rows, batch_size=2000)
            report.rows += len(rows)
            rollup = MONTHS[model]
            months_roll_up(model, rollup, rollup.KEYS, rollup.SUMS, day_from.replace(day=1), day_to)
        FiguresBuilt.objects.update_or_create(
            pk=1, defaults={"built_at": span.until, "day_from": day_from, "day_to": day_to}
        )
        audit_record(
            actor=None,
            action=AuditAction.REPORTS_REBUILD,
            detail={"from": str(day_from), "to": str(day_to), "rows": report.rows},
        )
    log.info("figures rebuilt for %s..%s: %s rows", day_from, day_to, report.rows)
    return report
