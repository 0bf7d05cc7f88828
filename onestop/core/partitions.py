# ruff: noqa: S608 - the SQL here is built from our own table names, columns and dates only
"""Monthly range partitions for the tables that grow without end (PostgreSQL only).

A table is converted once by its own app's migration (``convert``); from then on ``ensure``
creates each month's partition ahead of time, and a DEFAULT partition takes any row whose month
has none yet, so an insert never fails. ``ensure`` also creates the partition of every month
found in DEFAULT, moving those rows into it: a row lands there only when the worker has not run
for months or a date is far off, and DEFAULT stays empty otherwise (a new partition cannot be
attached while DEFAULT holds rows of its month, so they must move first).

What may be detached or dropped, and when, is decided above (``onestop.audit.retention``, from
``settings.PARTITION_RETENTION``); this module only knows tables, months and SQL.

Months are Beijing's: a timestamp column is cut at 00:00 +08:00 on the first of the month."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from . import clock


@dataclass(frozen=True)
class Table:
    name: str
    column: str
    dated: bool  # a date column holding first days of months, not a timestamp
    label: str


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("audit_auditevent", "at", False, "审计事件"),
        Table("exchange_outboxevent", "created_at", False, "推送事件"),
        Table("exchange_delivery", "created_at", False, "事件推送记录"),
        Table("notices_notice", "created_at", False, "通知"),
        Table("notices_smsmessage", "created_at", False, "短信记录"),
        Table("benefits_paymentline", "month", True, "发放明细"),
    )
}

_MONTH = re.compile(r"_p(\d{4})_(\d{2})$")


@dataclass(frozen=True)
class Partition:
    table: str
    name: str
    month: date | None  # None for DEFAULT
    attached: bool
    rows: int  # the planner's estimate (-1: never analysed)
    tablespace: str


def available() -> bool:
    return connection.vendor == "postgresql"


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y_%m}"


def attached(table: str, month: date) -> str | None:
    """The name of the month's partition of ``table`` while it is attached; None on SQLite or
    while the month has none (its rows would go to DEFAULT)."""
    if not available():
        return None
    name = partition_name(table, month)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) AND c.relname = %s",
            [f'"{table}"', name],
        )
        return name if cursor.fetchone() else None


def default_name(table: str) -> str:
    return f"{table}_default"


def _bound(table: Table, month: date) -> str:
    if table.dated:
        return f"'{month.isoformat()}'"
    start = datetime(month.year, month.month, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))
    return f"'{start.isoformat()}'"


def _month_expression(table: Table) -> str:
    if table.dated:
        return f"date_trunc('month', {table.column})::date"
    return f"date_trunc('month', {table.column} AT TIME ZONE '{settings.TIME_ZONE}')::date"


def _months_in(cursor: CursorWrapper, table: Table, relation: str) -> set[date]:
    cursor.execute(f'SELECT DISTINCT {_month_expression(table)} FROM "{relation}"')
    return {row[0] for row in cursor.fetchall()}


def _exists(cursor: CursorWrapper, relation: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{relation}"'])
    return bool(cursor.fetchone()[0])


def _create_partition(cursor: CursorWrapper, table: Table, month: date) -> bool:
    """Create the month's partition, moving its rows out of DEFAULT first; False if it is
    there already (attached, or detached by the retention)."""
    name, default = partition_name(table.name, month), default_name(table.name)
    low, high = _bound(table, month), _bound(table, add_months(month, 1))
    # Taken first, so two workers ensuring at once take turns instead of both creating.
    cursor.execute(f'LOCK TABLE "{default}" IN ACCESS EXCLUSIVE MODE')
    if _exists(cursor, name):
        return False
    where = f"{table.column} >= {low} AND {table.column} < {high}"
    cursor.execute(f'SELECT count(*) FROM "{default}" WHERE {where}')
    if cursor.fetchone()[0] == 0:
        cursor.execute(
            f'CREATE TABLE "{name}" PARTITION OF "{table.name}" FOR VALUES FROM ({low}) TO ({high})'
        )
        return True
    # Attaching checks DEFAULT holds none of the month's rows: they go to the new table first.
    # The statement triggers of the parent do not fire for these moves: the rows are not new.
    cursor.execute(
        f'CREATE TABLE "{name}" (LIKE "{table.name}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
    )
    cursor.execute(f'INSERT INTO "{name}" SELECT * FROM "{default}" WHERE {where}')
    cursor.execute(f'DELETE FROM "{default}" WHERE {where}')
    cursor.execute(
        f'ALTER TABLE "{table.name}" ATTACH PARTITION "{name}" FOR VALUES FROM ({low}) TO ({high})'
    )
    return True


def ensure(*, today: date, ahead: int, only: list[str] | None = None) -> list[str]:
    """Create the partitions of this month, the ``ahead`` next ones and every month found in
    DEFAULT (moving those rows in); return the names created. Idempotent; one transaction per
    partition, so a failure leaves the others in place."""
    if not available():
        return []
    created = []
    this_month = month_of(today)
    for table in TABLES.values():
        if only is not None and table.name not in only:
            continue
        with connection.cursor() as cursor:
            if not _is_partitioned(cursor, table.name):
                continue
            wanted = {add_months(this_month, n) for n in range(ahead + 1)}
            wanted |= _months_in(cursor, table, default_name(table.name))
            for month in sorted(wanted):
                name = partition_name(table.name, month)
                if _exists(cursor, name):  # most days: nothing to lock
                    continue
                with transaction.atomic():
                    if _create_partition(cursor, table, month):
                        created.append(name)
    return created


def _is_partitioned(cursor: CursorWrapper, table: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
        [table],
    )
    return cursor.fetchone() is not None


def partitions(table: str) -> list[Partition]:
    """The table's partitions, attached or detached (a detached one keeps its name), by month."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reltuples::bigint, coalesce(ts.spcname, ''), "
            "i.inhrelid IS NOT NULL FROM pg_class c "
            "LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace "
            "LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = %s::regclass "
            "WHERE c.relkind IN ('r', 'p') AND pg_table_is_visible(c.oid) "
            "AND (c.relname = %s OR c.relname ~ %s)",
            [table, default_name(table), f"^{re.escape(table)}_p[0-9]{{4}}_[0-9]{{2}}$"],
        )
        rows = cursor.fetchall()
    found = []
    for name, estimate, tablespace, attached in rows:
        match = _MONTH.search(name)
        month = date(int(match[1]), int(match[2]), 1) if match else None
        found.append(Partition(table, name, month, attached, int(estimate), tablespace))
    return sorted(found, key=lambda p: (p.month is not None, p.month or date.min))


def count_rows(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{name}"')
        return int(cursor.fetchone()[0])


def detach(table: str, name: str, *, tablespace: str = "") -> None:
    """Detach a partition: it stays a table of its own, readable, outside the parent's scans."""
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"')
        if tablespace:
            cursor.execute(f'ALTER TABLE "{name}" SET TABLESPACE "{tablespace}"')


def drop(table: str, name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"')
        cursor.execute(f'DROP TABLE "{name}"')


# The conversion, run once by each table's migration.


def _with_column(definition: str, column: str) -> str:
    """Add the partition column to a unique key's column list, if it is not there."""
    head, rest = definition.split("(", 1)
    columns, tail = rest.split(")", 1)
    names = [c.strip().strip('"') for c in columns.split(",")]
    if column not in names:
        columns = f"{columns}, {column}"
    return f"{head}({columns}){tail}"


def convert_once(name: str) -> None:
    """The migration's step: convert the table unless it already is (a migration undone and
    done again leaves it partitioned; the older code uses it as it is)."""
    if not available():
        return
    with connection.cursor() as cursor:
        if _is_partitioned(cursor, name):
            return
    convert(name, today=clock.today(), ahead=settings.PARTITION_MONTHS_AHEAD)


def convert(name: str, *, today: date, ahead: int) -> None:
    """Rebuild an ordinary table as one partitioned by month of its column, keeping its rows,
    its id sequence, its indexes, constraints and triggers under their names.

    The primary key becomes (id, column) and each unique key gains the column, as PostgreSQL
    requires; Django keeps ``id`` as its primary key. Foreign keys from other tables into this
    one cannot stay (they would need the column too): they are dropped here, and the caller's
    migration puts the checks that replace them in place."""
    table = TABLES[name]
    old = f"{name}__unpartitioned"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid), confrelid = conrelid "
            "FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f')",
            [name],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid), i.indisunique FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
            "WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)",
            [name],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [name],
        )
        triggers = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, conrelid::regclass::text FROM pg_constraint "
            "WHERE confrelid = %s::regclass AND contype = 'f' AND conrelid <> confrelid",
            [name],
        )
        for constraint, referrer in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {referrer} DROP CONSTRAINT "{constraint}"')
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [name])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
        last_value, is_called = cursor.fetchone()

        cursor.execute(f'ALTER TABLE "{name}" RENAME TO "{old}"')
        cursor.execute(
            f'CREATE TABLE "{name}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
            f"INCLUDING STORAGE) PARTITION BY RANGE ({table.column})"
        )
        cursor.execute(f'CREATE TABLE "{default_name(name)}" PARTITION OF "{name}" DEFAULT')
        months = _months_in(cursor, table, old)
        months |= {add_months(month_of(today), n) for n in range(ahead + 1)}
        for month in sorted(months):
            low, high = _bound(table, month), _bound(table, add_months(month, 1))
            cursor.execute(
                f'CREATE TABLE "{partition_name(name, month)}" PARTITION OF "{name}" '
                f"FOR VALUES FROM ({low}) TO ({high})"
            )
        cursor.execute(f'INSERT INTO "{name}" SELECT * FROM "{old}"')
        cursor.execute(f'DROP TABLE "{old}"')  # its identity sequence goes with it

        cursor.execute(f'CREATE SEQUENCE {sequence} OWNED BY "{name}".id')
        cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last_value, is_called])
        cursor.execute(f"ALTER TABLE \"{name}\" ALTER COLUMN id SET DEFAULT nextval('{sequence}')")
        for constraint, kind, definition, to_itself in constraints:
            if kind == "p":
                definition = f"PRIMARY KEY (id, {table.column})"
            elif kind == "u":
                definition = _with_column(definition, table.column)
            elif to_itself:
                continue  # a foreign key into a partitioned table: replaced by the caller
            cursor.execute(f'ALTER TABLE "{name}" ADD CONSTRAINT "{constraint}" {definition}')
        for definition, unique in indexes:
            if unique:
                definition = _with_column(definition, table.column)
            cursor.execute(definition)
        for definition in triggers:
            cursor.execute(definition)
