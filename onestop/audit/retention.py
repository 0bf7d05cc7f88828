"""The retention of the partitioned tables (PostgreSQL): what happens to a month once it is older
than ``settings.PARTITION_RETENTION`` allows, each step audited.

Audit events and payment lines are never deleted: their months are detached, stay tables of
their own (readable, optionally in a cheaper tablespace) and leave the parent's scans. Before a
month of audit events goes, each chain's last event in it is sealed in a signed archive
checkpoint, from which ``verify`` starts that chain afterwards. Outbox events and deliveries,
notices and texts are dropped month by month.

A month is kept, whatever its age, while something still needs it there: a delivery not yet
sent, a roll not yet released or an open recovery among its payment lines. Outbox events go
only after their month's deliveries."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection, transaction

from onestop.core import partitions

from .models import AuditAction, AuditEvent
from .services import audit_record, seal_archive_checkpoints

# The order the steps run in: a month's deliveries before its events.
ORDER = (
    "exchange_delivery",
    "exchange_outboxevent",
    "notices_notice",
    "notices_smsmessage",
    "benefits_paymentline",
    "audit_auditevent",
)

# What keeps an old month in place: a count over the partition, and what it means.
HOLDS: dict[str, list[tuple[str, str]]] = {
    "exchange_delivery": [
        ("SELECT count(*) FROM {p} WHERE status = 'pending'", "条推送仍待发送"),
    ],
    "benefits_paymentline": [
        (
            "SELECT count(DISTINCT r.id) FROM {p} l JOIN benefits_paymentrun r ON r.id = l.run_id "
            "WHERE r.status <> 'released'",
            "份名册尚未发放",
        ),
        (
            "SELECT count(*) FROM benefits_recovery c JOIN {p} l ON l.id = c.line_id "
            "WHERE c.status = 'open'",
            "笔待追回款尚未处理",
        ),
    ],
}


@dataclass(frozen=True)
class Step:
    table: str
    partition: str
    month: date
    rule: str  # "detach" or "drop"
    rows: int
    held: str  # why the month stays, in Chinese; empty when the step is to be taken

    @property
    def label(self) -> str:
        return partitions.TABLES[self.table].label

    def describe(self) -> str:
        action = "分离归档（不删除）" if self.rule == "detach" else "删除"
        text = f"{self.label} {self.month:%Y年%m月}（{self.partition}，{self.rows} 行）：{action}"
        return f"{text}——暂不处理：{self.held}" if self.held else text


def retention_plan(*, today: date) -> list[Step]:
    """Every attached month older than its table's retention, and whether it may go now."""
    if not partitions.available():
        return []
    steps: list[Step] = []
    held_months: dict[str, set[date]] = {}
    this_month = partitions.month_of(today)
    for table in ORDER:
        rule, months = settings.PARTITION_RETENTION[table]
        first_kept = partitions.add_months(this_month, -months)
        for part in partitions.partitions(table):
            if not part.attached or part.month is None or part.month >= first_kept:
                continue
            held = _held(table, part.name)
            if table == "exchange_outboxevent" and part.month in held_months.get(
                "exchange_delivery", set()
            ):
                held = "该月的推送记录尚未删除"
            if held:
                held_months.setdefault(table, set()).add(part.month)
            steps.append(
                Step(table, part.name, part.month, rule, partitions.count_rows(part.name), held)
            )
    return steps


def _held(table: str, name: str) -> str:
    reasons = []
    with connection.cursor() as cursor:
        for sql, meaning in HOLDS.get(table, []):
            cursor.execute(sql.format(p=f'"{name}"'))
            count = cursor.fetchone()[0]
            if count:
                reasons.append(f"{count} {meaning}")
    return "；".join(reasons)


def retention_apply(*, today: date) -> list[Step]:
    """Take each step of the plan not held, oldest first, each in its own transaction with its
    audit event (by the platform: the system chain). Returns the steps taken."""
    done = []
    for step in retention_plan(today=today):
        if step.held:
            continue
        if step.table == "audit_auditevent":
            seal_archive_checkpoints(
                last_events=list(
                    AuditEvent.objects.raw(
                        f'SELECT DISTINCT ON (chain) * FROM "{step.partition}" '  # noqa: S608
                        "ORDER BY chain, seq DESC"
                    )
                ),
                month=f"{step.month:%Y-%m}",
            )
        tablespace = settings.PARTITION_ARCHIVE_TABLESPACE if step.rule == "detach" else ""
        with transaction.atomic():
            if step.rule == "detach":
                partitions.detach(step.table, step.partition, tablespace=tablespace)
            else:
                partitions.drop(step.table, step.partition)
            audit_record(
                actor=None,
                action=AuditAction.PARTITION_DETACH
                if step.rule == "detach"
                else AuditAction.PARTITION_DROP,
                detail={
                    "table": step.table,
                    "partition": step.partition,
                    "month": f"{step.month:%Y-%m}",
                    "rows": step.rows,
                    "tablespace": tablespace,
                },
            )
        done.append(step)
    return done
