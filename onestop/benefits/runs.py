"""Monthly payment runs: prepare the roll (chunked and resumable), approve it (another officer),
release it (the paying agent's file, every line sent).

Preparing is set-based: each chunk of entitlements is one ``INSERT ... SELECT`` guarded by the
unique key of the lines, committed with the run's cursor, so a run killed midway resumes where it
stopped and a run repeated adds nothing."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Case, DateField, Exists, F, OuterRef, Q, QuerySet, Value, When

from onestop.accounts.actors import Actor
from onestop.accounts.models import StaffUser
from onestop.audit.models import AuditAction
from onestop.audit.services import audit_record
from onestop.core import clock
from onestop.core.actions import ActionRefused
from onestop.core.bulk import insert_rows
from onestop.policy.matters import MATTER_DEPARTMENT
from onestop.policy.matters import Matter as MatterType
from onestop.regions.models import Region

from .disbursement import Row, account_number, sm3, write_csv, write_xlsx
from .entitlements import MONTHLY, monthly_standard
from .models import Entitlement, Kind, PayeeAccount, PaymentLine, PaymentRun
from .months import months, previous_month
from .rolls import run_totals_refresh

CHUNK = 20_000
ARREARS, PENDING = PaymentLine.Type.ARREARS.value, PaymentLine.Status.PENDING.value
Progress = Callable[[int, int], None]

# Which status a run may move to, and the word for the refusal.
RUN_MOVES = {
    PaymentRun.Status.PREPARING: {PaymentRun.Status.PREPARED},
    PaymentRun.Status.PREPARED: {PaymentRun.Status.APPROVED},
    PaymentRun.Status.APPROVED: {PaymentRun.Status.RELEASED},
    PaymentRun.Status.RELEASED: set(),
}


def run_move(run: PaymentRun, to: str) -> None:
    if to not in RUN_MOVES[PaymentRun.Status(run.status)]:
        raise ActionRefused(
            f"该发放名册当前为“{run.get_status_display()}”，"
            f"不能改为“{PaymentRun.Status(to).label}”。"
        )
    run.status = to


def _check_officer(actor: Actor, county: Region, kind: str, roles: tuple[str, ...]) -> None:
    """Only the county's own department for the kind, in the roles configured for the step."""
    if actor is None:
        return  # the platform itself (the monthly schedule, the command)
    unit = actor.org_unit
    if (
        actor.role not in roles
        or unit is None
        or unit.department != MATTER_DEPARTMENT[MatterType(kind)]
        or actor.scope is None
        or not actor.scope.contains(county)
    ):
        raise PermissionDenied("您没有办理该旗县此项待遇发放的权限。")


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
    """The roll of ``kind`` in ``county`` for ``month``: this month's amount for everyone
    entitled, the months owed to those approved late (补发), and lines returned and since fixed
    paid again. Preparing a run that is already prepared changes nothing."""
    _check_officer(actor, county, kind, settings.BENEFITS_PREPARE_ROLES)
    with transaction.atomic():
        run, _ = PaymentRun.objects.select_for_update().get_or_create(
            county=county,
            kind=kind,
            month=month,
            defaults={"status": PaymentRun.Status.PREPARING, "prepared_by": actor},
        )
    if run.status != PaymentRun.Status.PREPARING:
        return Prepared(run, 0)
    added = _regular(run, chunk, progress)
    if kind in MONTHLY:
        added += _arrears(run)
    added += _reissues(run)
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().get(pk=run.pk)
        run_totals_refresh([run.pk])
        run.refresh_from_db()
        run_move(run, PaymentRun.Status.PREPARED)
        run.prepared_by, run.prepared_at = actor or run.prepared_by, clock.now()
        run.save(update_fields=["status", "prepared_by", "prepared_at"])
        audit_record(
            actor=actor,
            action=AuditAction.RUN_PREPARE,
            subject=run,
            detail={"lines": run.line_count, "total": str(run.total)},
        )
    return Prepared(run, added)


def _entitled(run: PaymentRun) -> Q:
    if run.kind == Kind.MEDICAL:
        return Q(start__lte=run.month)  # every claim decided by this month, paid once
    return Q(start__lte=run.month) & (Q(end__isnull=True) | Q(end__gte=run.month))


def _regular(run: PaymentRun, chunk: int, progress: Progress | None) -> int:
    entitled = Entitlement.objects.filter(_entitled(run), county_id=run.county_id, kind=run.kind)
    total = entitled.filter(pk__gt=run.cursor).count()
    amount = (
        monthly_standard(run.kind, run.county_id, run.month)[0] if run.kind in MONTHLY else None
    )
    added = done = 0
    while True:
        ids = entitled.filter(pk__gt=run.cursor).order_by("pk").values_list("pk", flat=True)
        upper = list(ids[chunk - 1 : chunk]) or list(ids.reverse()[:1])
        if not upper:
            break
        with transaction.atomic():
            window = entitled.filter(pk__gt=run.cursor, pk__lte=upper[0])
            count = window.count()
            added += _insert_select(run, window, amount)
            run.cursor = upper[0]
            PaymentRun.objects.filter(pk=run.pk).update(cursor=run.cursor)
        done += count
        if progress:
            progress(done, total)
    return added


def _insert_select(run: PaymentRun, window: QuerySet[Entitlement], amount: Decimal | None) -> int:
    """One statement: a line for each entitlement of the window not yet paid for the month (a
    medical claim: not yet paid at all)."""
    medical = run.kind == Kind.MEDICAL
    paid = PaymentLine.objects.filter(
        ~Q(status=PaymentLine.Status.RETURNED),
        person_id=OuterRef("person_id"),
        kind=run.kind,
        month=OuterRef("start") if medical else run.month,
        claim=OuterRef("matter_id") if medical else 0,
    )
    # Aliased, so the outer statement can name the derived table's columns on every engine.
    rows = (
        window.filter(~Exists(paid))
        .annotate(
            e_id=F("pk"),
            e_person=F("person_id"),
            e_start=F("start"),
            e_matter=F("matter_id"),
            e_amount=F("amount"),
        )
        .values_list("e_id", "e_person", "e_start", "e_matter", "e_amount")
    )
    select_sql, select_params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in LINE_FIELDS)
    month, claim, value = (
        ("s.e_start", "COALESCE(s.e_matter, 0)", "s.e_amount") if medical else ("%s", "0", "%s")
    )
    params: list[Any] = [run.pk, run.kind]
    if not medical:
        params.append(run.month)
    params.append(PaymentLine.Type.REGULAR)
    if not medical:
        params.append(amount)
    params += [PaymentLine.Status.PENDING, *select_params]
    sql = (
        f"INSERT INTO {quote(PaymentLine._meta.db_table)} ({names}) "  # noqa: S608 - names from the model
        f"SELECT %s, s.e_id, s.e_person, %s, {month}, {claim}, %s, {value}, %s, '' "
        f"FROM ({select_sql}) AS s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


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


def _arrears(run: PaymentRun) -> int:
    """Months before this one still owed (an approval later than the application, a month no
    roll was prepared for): a 补发 line each, at the standard of that month."""
    before = previous_month(run.month)
    last_owed = Case(
        When(end__lt=before, then=F("end")), default=Value(before), output_field=DateField()
    )
    # Any line counts, a returned one too: it is paid again as a reissue once the account is fixed.
    paid_last = PaymentLine.objects.filter(
        person_id=OuterRef("person_id"),
        kind=run.kind,
        claim=0,
        month=OuterRef("last_owed"),
    )
    candidates = (
        Entitlement.objects.filter(county_id=run.county_id, kind=run.kind, start__lt=run.month)
        .exclude(end__lt=F("start"))
        .annotate(last_owed=last_owed)
        .filter(~Exists(paid_last))
        .values_list("pk", "person_id", "start", "last_owed")
    )
    added = 0
    for chunk in _chunks(list(candidates), 1000):
        with transaction.atomic():
            added += insert_rows(PaymentLine, list(LINE_FIELDS), _owed_rows(run, chunk))
    return added


def _owed_rows(run: PaymentRun, chunk: list[tuple[int, int, date, date]]) -> list[tuple]:
    paid = set(
        PaymentLine.objects.filter(
            kind=run.kind,
            claim=0,
            person_id__in=[person for _, person, _, _ in chunk],
        ).values_list("person_id", "month")
    )
    horizon = settings.BENEFITS_ARREARS_FROM
    rows = []
    for pk, person, start, last in chunk:
        for month in months(max(start, horizon), last):
            if (person, month) not in paid:
                amount, _ = monthly_standard(run.kind, run.county_id, month)
                rows.append((run.pk, pk, person, run.kind, month, 0, ARREARS, amount, PENDING, ""))
    return rows


def _reissues(run: PaymentRun) -> int:
    """Lines returned by the paying agent whose account has since been corrected."""
    fixed = PayeeAccount.objects.filter(
        person_id=OuterRef("person_id"), updated_at__gt=OuterRef("returned_at")
    )
    returned = PaymentLine.objects.filter(
        Exists(fixed),
        run__county_id=run.county_id,
        kind=run.kind,
        status=PaymentLine.Status.RETURNED,
        reissued_by__isnull=True,
    ).exclude(run=run)
    added = 0
    for line in returned.order_by("pk"):
        with transaction.atomic():
            PaymentLine.objects.create(
                run=run,
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
        added += 1
    return added


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def run_approve(*, actor: StaffUser, run: PaymentRun) -> PaymentRun:
    """The checker: another officer than the one who prepared the roll."""
    _check_officer(actor, run.county, run.kind, settings.BENEFITS_APPROVE_ROLES)
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().get(pk=run.pk)
        if run.prepared_by_id == actor.pk:
            raise ActionRefused("发放名册须由另一名工作人员审核，生成名册的人不能审核自己的名册。")
        run_move(run, PaymentRun.Status.APPROVED)
        run.approved_by, run.approved_at = actor, clock.now()
        run.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(
            actor=actor,
            action=AuditAction.RUN_APPROVE,
            subject=run,
            detail={"lines": run.line_count, "total": str(run.total)},
        )
    return run


def _rows(run: PaymentRun) -> Iterator[Row]:
    lines = (
        PaymentLine.objects.filter(run=run)
        .select_related("person", "person__payee_account")
        .order_by("pk")
    )
    for line in lines.iterator(chunk_size=2000):
        account = getattr(line.person, "payee_account", None)
        yield Row(
            line=line,
            name=line.person.name,
            id_number=line.person.id_number,
            bank=account.bank if account else "",
            account=account_number(account.number_cipher) if account else "",
        )


def run_release(
    *, actor: StaffUser, run: PaymentRun, agent: str = "", fmt: str = "csv"
) -> PaymentRun:
    """Write the paying agent's file (kept encrypted, with its SM3 digest) and mark every line
    sent. Only an approved roll is released."""
    agent = agent or settings.BENEFITS_DEFAULT_AGENT
    if agent not in settings.BENEFITS_AGENTS:
        raise ActionRefused(f"未配置代发机构“{agent}”。")
    if fmt not in WRITERS:
        raise ActionRefused("代发文件格式只能是 CSV 或 Excel。")
    _check_officer(actor, run.county, run.kind, settings.BENEFITS_APPROVE_ROLES)
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().select_related("county").get(pk=run.pk)
        run_move(run, PaymentRun.Status.RELEASED)
        data, count, total = WRITERS[fmt](run, agent, _rows(run))
        if count != run.line_count or total != run.total:  # the roll changed under the file
            raise ActionRefused("发放名册与代发文件的笔数或金额不一致，请重新生成名册。")
        now = clock.now()
        name = f"{run.county_id}-{run.kind}-{run.month:%Y%m}.{fmt}"
        run.file.save(name, ContentFile(data), save=False)
        run.digest, run.agent = sm3(data), agent
        run.released_by, run.released_at = actor, now
        run.save(update_fields=["status", "file", "digest", "agent", "released_by", "released_at"])
        run.lines.filter(status=PaymentLine.Status.PENDING).update(
            status=PaymentLine.Status.SENT, sent_at=now
        )
        audit_record(
            actor=actor,
            action=AuditAction.RUN_RELEASE,
            subject=run,
            detail={"agent": agent, "lines": count, "total": str(total), "sm3": run.digest},
        )
    return run


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}
