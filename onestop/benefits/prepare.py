"""Preparing the month's rolls: every county's in one pass, or one county's.

Set-based and resumable: the entitlements are taken in chunks of their ids, each chunk one
``INSERT ... SELECT`` for all the rolls at once, committed with the rolls' cursors; a pass killed
midway resumes where it stopped, and the lines' unique key makes a month paid never twice,
whatever ran before."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, Value, When

from onestop.accounts.actors import Actor
from onestop.audit.models import AuditAction
from onestop.audit.services import Entry, audit_records
from onestop.core import clock, partitions
from onestop.core.actions import ActionRefused
from onestop.core.bulk import insert_rows
from onestop.people.models import Person
from onestop.regions.models import Region

from .entitlements import MONTHLY, STANDARD_KEYS, entitlements_end, monthly_standard
from .models import EndReason, Entitlement, Kind, PayeeAccount, PaymentLine, PaymentRun
from .months import months, previous_month
from .rolls import lines_remove, run_figures
from .runs import check_officer, run_move

CHUNK = 100_000
AGES = (16, 59)  # 代缴 is paid for those aged 16 to 59 on the first day of the year
Progress = Callable[[int, int], None]
ARREARS, PENDING = PaymentLine.Type.ARREARS.value, PaymentLine.Status.PENDING.value
# The lines' columns as the bulk inserts write them (attribute names are the column names).
LINE_FIELDS = (
    "run_id",
    "entitlement_id",
    "person_id",
    "kind",
    "month",
    "claim",
    "type",
    "amount",
    "status",
    "return_reason",
)


@dataclass
class Prepared:
    run: PaymentRun
    added: int


def run_prepare(
    *,
    actor: Actor,
    county: Region,
    kind: str,
    month: date,
    chunk: int = CHUNK,
    progress: Progress | None = None,
) -> Prepared:
    """One county's roll (see ``runs_prepare``)."""
    [prepared] = runs_prepare(
        actor=actor, kind=kind, month=month, counties=[county], chunk=chunk, progress=progress
    )
    return prepared


def runs_prepare(
    *,
    actor: Actor,
    kind: str,
    month: date,
    counties: list[Region],
    chunk: int = CHUNK,
    progress: Progress | None = None,
) -> list[Prepared]:
    """The rolls of ``kind`` for ``month`` in these counties: this month's standard for everyone
    entitled, the months owed to those approved late (补发), and lines returned and since fixed
    paid again. A roll already prepared is left as it is."""
    for county in counties:
        check_officer(actor, county, kind, settings.BENEFITS_PREPARE_ROLES)
    if kind == Kind.PENSION:
        if month.month != 1:
            raise ActionRefused("保费代缴名单按年度生成，月份请填该年1月，例如 2027-01。")
        _age_out(counties, month)
    runs = _open_runs(actor, kind, month, counties)
    preparing = [r for r in runs if r.status == PaymentRun.Status.PREPARING]
    before = _counts([r.pk for r in preparing])  # a run killed midway has lines already
    if preparing:
        _regular(preparing, kind, month, chunk, progress)
        if kind in MONTHLY:
            _arrears(preparing, kind, month)
        _reissues(preparing, kind)
        _finish(actor, preparing)
    fresh = {
        r.pk: r
        for r in PaymentRun.objects.filter(pk__in=[r.pk for r in runs]).select_related("county")
    }
    added = {r.pk: fresh[r.pk].line_count - before.get(r.pk, 0) for r in preparing}
    return [Prepared(fresh[r.pk], added.get(r.pk, 0)) for r in runs]


def _age_out(counties: list[Region], year_start: date) -> None:
    """代缴 ends at 60: those who turned 60 before the year stop from the month after."""
    aged = Entitlement.objects.filter(
        county__in=counties,
        kind=Kind.PENSION,
        end__isnull=True,
        person__birth_date__lte=_born_before(year_start, AGES[1] + 1),
    ).select_related("person")
    for entitlement in aged:
        born = entitlement.person.birth_date
        try:
            sixtieth = born.replace(year=born.year + AGES[1] + 1)
        except ValueError:  # born on 29 February
            sixtieth = date(born.year + AGES[1] + 1, 3, 1)
        entitlements_end(
            actor=None,
            person=entitlement.person,
            reason=EndReason.AGED_OUT,
            event_day=sixtieth,
            kinds=(Kind.PENSION,),
        )


def _counts(run_ids: list[int]) -> dict[int, int]:
    lines = PaymentLine.objects.filter(run_id__in=run_ids).values("run_id")
    return dict(lines.annotate(n=Count("pk")).values_list("run_id", "n"))


def _open_runs(actor: Actor, kind: str, month: date, counties: list[Region]) -> list[PaymentRun]:
    """Each county's roll for the month, made if missing, with the month's standard; for 代缴, a
    supplementary list once the year's list is prepared and someone approved since is not on it."""
    with transaction.atomic():
        latest = {
            r.county_id: r  # the last batch wins
            for r in PaymentRun.objects.select_for_update()
            .filter(kind=kind, month=month, county__in=counties)
            .order_by("batch")
        }
        closed = [c for c, r in latest.items() if r.status != PaymentRun.Status.PREPARING]
        unlisted = _unlisted(kind, month, closed) if kind == Kind.PENSION and closed else set()
        missing = [
            PaymentRun(
                county=c,
                kind=kind,
                month=month,
                batch=latest[c.code].batch + 1 if c.code in latest else 0,
                status=PaymentRun.Status.PREPARING,
                prepared_by=actor,
                standard=monthly_standard(kind, c.code, month)[0]
                if kind in STANDARD_KEYS
                else None,
            )
            for c in counties
            if c.code not in latest or c.code in unlisted
        ]
        PaymentRun.objects.bulk_create(missing)
    made = {
        r.county_id: r
        for r in PaymentRun.objects.filter(kind=kind, month=month, county__in=counties).order_by(
            "batch"
        )
    }
    return [made[c.code] for c in counties]


def _unlisted(kind: str, year_start: date, counties: list[str]) -> set[str]:
    """The counties where someone entitled to 代缴 this year is on none of its lists yet."""
    young, old = _born_before(year_start, AGES[0]), _born_before(year_start, AGES[1] + 1)
    listed = PaymentLine.objects.filter(
        person_id=OuterRef("person_id"), kind=kind, month=year_start, claim=0
    )
    entitled = Entitlement.objects.filter(
        Q(end__isnull=True) | Q(end__gte=year_start),
        county_id__in=counties,
        kind=kind,
        start__lte=year_start.replace(month=12),
        person__birth_date__lte=young,
        person__birth_date__gt=old,
    ).filter(~Exists(listed))
    return set(entitled.values_list("county_id", flat=True).distinct())


def _entitled_sql(kind: str, month: date) -> tuple[str, str, list[Any]]:
    """Who is owed this period: (a join, a condition, its parameters)."""
    if kind == Kind.MEDICAL:  # every claim decided by this month, paid once: a returned one
        # is paid again only as its reissue, so any line of the claim counts
        lines = connection.ops.quote_name(PaymentLine._meta.db_table)
        return (
            "",
            (
                f"e.start <= %s AND NOT EXISTS (SELECT 1 FROM {lines} l WHERE l.person_id ="  # noqa: S608
                " e.person_id AND l.kind = e.kind AND l.claim = e.matter_id)"
            ),
            [month],
        )
    current = 'e.start <= %s AND (e."end" IS NULL OR e."end" >= %s)'
    if kind != Kind.PENSION:
        return "", current, [month, month]
    # 代缴 for the year: those aged 16 to 59 on its first day (AGES), not yet on a list of it.
    quote = connection.ops.quote_name
    person = f"JOIN {quote(Person._meta.db_table)} p ON p.id = e.person_id"
    young, old = _born_before(month, AGES[0]), _born_before(month, AGES[1] + 1)
    listed = (
        f"SELECT 1 FROM {quote(PaymentLine._meta.db_table)} l WHERE l.person_id = e.person_id"  # noqa: S608
        " AND l.kind = e.kind AND l.month = %s AND l.claim = 0"
    )
    return (
        person,
        f"{current} AND p.birth_date <= %s AND p.birth_date > %s AND NOT EXISTS ({listed})",
        [month.replace(month=12), month, young, old, month],
    )


def _born_before(day: date, years: int) -> date:
    """The last birth date of someone aged ``years`` on ``day``."""
    return day.replace(year=day.year - years)


def _regular(
    runs: list[PaymentRun], kind: str, month: date, chunk: int, progress: Progress | None
) -> None:
    counties = [r.county_id for r in runs]
    entitled = Entitlement.objects.filter(county_id__in=counties, kind=kind)
    table = PaymentLine._meta.db_table
    into = table if kind == Kind.MEDICAL else partitions.attached(table, month) or table
    low = min(r.cursor for r in runs)
    total = entitled.filter(pk__gt=low).count()
    done = 0
    while True:
        ids = entitled.filter(pk__gt=low).order_by("pk").values_list("pk", flat=True)
        upper = list(ids[chunk - 1 : chunk]) or list(ids.reverse()[:1])
        if not upper:
            return
        high = upper[0]
        with transaction.atomic():
            _insert_select(runs, kind, month, low, high, into)
            PaymentRun.objects.filter(pk__in=[r.pk for r in runs], cursor__lt=high).update(
                cursor=high
            )
        done = min(total, done + chunk)
        low = high
        if progress:
            progress(done, total)


def _insert_select(
    runs: list[PaymentRun], kind: str, month: date, low: int, high: int, into: str
) -> None:
    """One statement for every roll: a line for each entitlement with an id in (low, high]
    that the roll has not passed yet, written into ``into``: the lines' table, or on
    PostgreSQL the month's partition of it.

    Written into the partition, the statement skips the check of the lines' references that
    the table runs per statement (migration 0004): the check's copy of every new line alone
    costs as much as the unique key (``bench/payments.py``), and these lines cannot fail it,
    since their roll, entitlement, person and kind are read from the rolls and entitlements
    by the statement itself; neither is ever deleted or re-keyed while it has lines."""
    quote = connection.ops.quote_name
    medical = kind == Kind.MEDICAL
    names = ", ".join(quote(column) for column in LINE_FIELDS)
    paid_month, claim, amount = (
        ("e.start", "COALESCE(e.matter_id, 0)", "e.amount")
        if medical
        else ("%s", "0", "r.standard")
    )
    ids = ", ".join(["%s"] * len(runs))
    join, entitled, entitled_params = _entitled_sql(kind, month)
    params: list[Any] = [] if medical else [month]
    params += [PaymentLine.Type.REGULAR, PENDING]
    params += [r.pk for r in runs] + [kind, low, high, *entitled_params]
    sql = (
        f"INSERT INTO {quote(into)} ({names}) "  # noqa: S608 - our names
        f"SELECT r.id, e.id, e.person_id, e.kind, {paid_month}, {claim}, %s, {amount}, %s, '' "
        f"FROM {quote(Entitlement._meta.db_table)} e "
        f"JOIN {quote(PaymentRun._meta.db_table)} r ON r.county_id = e.county_id {join} "
        f"WHERE r.id IN ({ids}) AND e.kind = %s AND e.id > r.cursor AND e.id > %s "
        f"AND e.id <= %s AND {entitled}"
    )
    # The SELECT carries its own placeholders in order: the columns' first, then the filter's.
    # A plain INSERT costs half of one with ON CONFLICT (PostgreSQL's speculative insertion);
    # a line already there (a person paid this month in another county's roll, a run racing
    # this one) is rare, and then the chunk is written again skipping it.
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(sql, params)
        except IntegrityError:
            cursor.execute(sql + " ON CONFLICT DO NOTHING", params)


def _arrears(runs: list[PaymentRun], kind: str, month: date) -> None:
    """Months before this one still owed (an approval later than the application, a month no
    roll was prepared for): a 补发 line each, at the standard of that month."""
    before, since = previous_month(month), settings.BENEFITS_ARREARS_FROM
    last_owed = Case(
        When(end__lt=before, then=F("end")), default=Value(before), output_field=DateField()
    )
    # Any line counts, a returned one too: it is paid again as a reissue once the account is fixed.
    # The months owed, as constants, keep the planner to their partitions.
    paid_last = PaymentLine.objects.filter(
        person_id=OuterRef("person_id"),
        kind=kind,
        claim=0,
        month=OuterRef("last_owed"),
        month__gte=since,
        month__lt=month,
    )
    by_county = {r.county_id: r for r in runs}
    candidates = (
        Entitlement.objects.filter(county_id__in=by_county, kind=kind, start__lt=month)
        .exclude(end__lt=F("start"))
        .exclude(end__lt=since)  # ended before 补发 began: owes nothing
        .annotate(last_owed=last_owed)
        .filter(~Exists(paid_last))
        .values_list("pk", "person_id", "county_id", "start", "last_owed")
    )
    for part in _chunks(list(candidates), 1000):
        with transaction.atomic():
            insert_rows(PaymentLine, list(LINE_FIELDS), _owed_rows(by_county, kind, part))


def _owed_rows(
    by_county: dict[str, PaymentRun], kind: str, part: list[tuple[int, int, str, date, date]]
) -> list[tuple[Any, ...]]:
    paid = set(
        PaymentLine.objects.filter(
            kind=kind, claim=0, person_id__in=[person for _, person, _, _, _ in part]
        ).values_list("person_id", "month")
    )
    rows = []
    for pk, person, county, start, last in part:
        for owed in months(max(start, settings.BENEFITS_ARREARS_FROM), last):
            if (person, owed) not in paid:
                amount, _ = monthly_standard(kind, county, owed)
                run = by_county[county].pk
                rows.append((run, pk, person, kind, owed, 0, ARREARS, amount, PENDING, ""))
    return rows


def _reissues(runs: list[PaymentRun], kind: str) -> None:
    """Lines returned by the paying agent whose account has since been corrected."""
    by_county = {r.county_id: r for r in runs}
    fixed = PayeeAccount.objects.filter(
        person_id=OuterRef("person_id"), updated_at__gt=OuterRef("returned_at")
    )
    returned = (
        PaymentLine.objects.filter(
            Exists(fixed),
            run__county_id__in=by_county,
            kind=kind,
            status=PaymentLine.Status.RETURNED,
            reissues__isnull=True,
        )
        # Never for a month after the entitlement ended (a death reported since, say).
        .filter(Q(entitlement__end__isnull=True) | Q(month__lte=F("entitlement__end")))
        .exclude(run__in=runs)
        .select_related("run")
    )
    for line in returned.order_by("pk"):
        PaymentLine.objects.create(
            run=by_county[line.run.county_id],
            entitlement_id=line.entitlement_id,
            person_id=line.person_id,
            kind=line.kind,
            month=line.month,
            claim=line.claim,
            type=PaymentLine.Type.REISSUE,
            amount=line.amount,
            status=PaymentLine.Status.PENDING,
            reissue_of=line,
        )


def _finish(actor: Actor, runs: list[PaymentRun]) -> None:
    """The rolls' totals, equal to the sum of their lines; then each awaits its checker."""
    now = clock.now()
    with transaction.atomic():
        locked = list(PaymentRun.objects.select_for_update().filter(pk__in=[r.pk for r in runs]))
        # An end committed while a chunk was being written (the chunk read the entitlement
        # before it): its lines for later months come off here, as the end would have taken
        # them off had it seen them.
        stale = PaymentLine.objects.filter(
            run__in=locked, entitlement__end__isnull=False, entitlement__end__lt=F("month")
        )
        lines_remove(actor=actor, lines=list(stale))
        figures = run_figures([r.pk for r in locked])  # under the lock: what release checks
        for run in locked:
            run_move(run, PaymentRun.Status.PREPARED)
            run.line_count, run.total = figures.get(run.pk, (0, Decimal(0)))
            run.prepared_by, run.prepared_at = actor or run.prepared_by, now
        fields = ["status", "line_count", "total", "prepared_by", "prepared_at"]
        PaymentRun.objects.bulk_update(locked, fields)
        audit_records(
            [
                Entry(
                    actor,
                    AuditAction.RUN_PREPARE,
                    run,
                    {"lines": run.line_count, "total": str(run.total)},
                )
                for run in locked
            ]
        )


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
