"""Multi-row INSERT and UPDATE for the bulk paths (shared-data sync, the 免申即享 scan).

Django's ``bulk_create`` and ``bulk_update`` need a model instance per row and a placeholder per
value (``bulk_update`` even a ``CASE WHEN pk = ...`` per row and field), which costs far more in
Python than the database spends on the rows. Here rows are plain tuples: PostgreSQL takes them by
``COPY`` (insert) and as one array per column (update, ``UPDATE ... FROM unnest(...)``); SQLite
takes them through ``executemany`` and ``UPDATE ... FROM (VALUES ...)`` (SQLite 3.33+). The
``any_of`` look-up (registered on text, integer and foreign-key fields by the core app) finds rows
by thousands of keys with one parameter.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Lookup, Model
from django.db.models.lookups import In


def _connection(model: type[Model]) -> BaseDatabaseWrapper:
    return connections[router.db_for_write(model)]


def _fields(model: type[Model], names: list[str]) -> list[Any]:
    return [model._meta.get_field(name) for name in names]


def _prepared(
    connection: BaseDatabaseWrapper, columns: Sequence[Field], rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """PostgreSQL takes plain values as they are; SQLite stores what the fields prepare (e.g.
    datetimes as naive UTC text), as save() would."""
    if connection.vendor == "postgresql":
        return rows
    return [
        tuple(f.get_db_prep_save(v, connection) for f, v in zip(columns, row, strict=True))
        for row in rows
    ]


def insert_rows(model: type[Model], fields: list[str], rows: list[tuple[Any, ...]]) -> int:
    """Insert rows of plain values (str, int, Decimal, date, aware datetime, None) in the order
    of ``fields``; the primary key and anything left out take the column's database default."""
    if not rows:
        return 0
    connection = _connection(model)
    quote = connection.ops.quote_name
    columns = _fields(model, fields)
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in columns)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with (
            connection.wrap_database_errors,  # e.g. a unique violation as Django's IntegrityError
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return len(rows)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({placeholders})",  # noqa: S608
            _prepared(connection, columns, rows),
        )
    return len(rows)


def update_rows(
    model: type[Model], fields: list[str], rows: list[tuple[Any, ...]], batch_size: int = 1000
) -> int:
    """Set ``fields`` from rows of plain values ``(pk, *values)``, matched by primary key.
    SQLite limits the parameters of a statement, hence ``batch_size`` there."""
    if not rows:
        return 0
    connection = _connection(model)
    quote = connection.ops.quote_name
    columns = [model._meta.pk, *_fields(model, fields)]
    table = quote(model._meta.db_table)
    assignments = ", ".join(f"{quote(f.column)} = v.c{i}" for i, f in enumerate(columns) if i)
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    where = f"{table}.{quote(columns[0].column)} = v.c0"
    if connection.vendor == "postgresql":
        batch_size = len(rows)  # the parameters do not grow with the rows
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = _prepared(connection, columns, rows[start : start + batch_size])
            if connection.vendor == "postgresql":
                # One typed array per column: a constant number of parameters, however many rows.
                arrays = ", ".join(f"%s::{f.cast_db_type(connection)}[]" for f in columns)
                frame = f"unnest({arrays}) AS v({names})"
                params = [list(column) for column in zip(*batch, strict=True)]
            else:  # SQLite names the VALUES columns column1, column2, ...
                renamed = ", ".join(f"column{i + 1} AS c{i}" for i in range(len(columns)))
                row = "(" + ", ".join(["%s"] * len(columns)) + ")"
                frame = f"(SELECT {renamed} FROM (VALUES {', '.join([row] * len(batch))})) AS v"  # noqa: S608
                params = [v for r in batch for v in r]
            # Only quoted names from the model's own metadata go into the text; values are params.
            cursor.execute(f"UPDATE {table} SET {assignments} FROM {frame} WHERE {where}", params)  # noqa: S608
            updated += cursor.rowcount
    return updated


class AnyOf(Lookup):
    """``field__any_of=[...]``: ``= ANY(%s)`` on PostgreSQL, one array parameter however long the
    list (an ``IN`` list of thousands of placeholders costs more to build than to run); ``IN``
    elsewhere."""

    lookup_name = "any_of"
    prepare_rhs = False  # a list, not one value of the field

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> Any:
        return compiler.compile(In(self.lhs, self.rhs))

    def as_postgresql(
        self, compiler: Any, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        db_type = self.lhs.output_field.cast_db_type(connection)
        return f"{lhs} = ANY(%s::{db_type}[])", [*lhs_params, list(self.rhs)]
