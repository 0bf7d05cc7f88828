"""Multi-row UPDATE in one statement per batch.

Django's ``bulk_update`` builds a ``CASE WHEN pk = ... THEN ...`` expression per row and field,
which costs far more in Python than the database spends on the update. Here each batch is one
``UPDATE ... FROM (VALUES ...)`` (PostgreSQL, and SQLite 3.33+), with values prepared by the
fields themselves, so encryption, dates and decimals are stored exactly as ``save()`` would.
"""

from django.db import connections, router


def update_rows(model, objs, fields: list[str], batch_size: int = 1000) -> int:
    if not objs:
        return 0
    db = router.db_for_write(model)
    connection = connections[db]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    columns = [pk] + [model._meta.get_field(name) for name in fields]
    # PostgreSQL types a VALUES list from its literals, so every column is cast to the field's
    # type; SQLite's affinity would turn CAST('2026-01-01' AS date) into 2026, so it gets none.
    if connection.vendor == "postgresql":
        source = [f"CAST(v.c{i} AS {f.cast_db_type(connection)})" for i, f in enumerate(columns)]
    else:
        source = [f"v.c{i}" for i in range(len(columns))]
    assignments = ", ".join(
        f"{quote(f.column)} = {expr}" for f, expr in zip(columns[1:], source[1:], strict=True)
    )
    table = quote(model._meta.db_table)
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    if connection.vendor == "postgresql":
        frame = "(VALUES {}) AS v(" + names + ")"
        key = source[0]
    else:  # SQLite names the VALUES columns column1, column2, ...
        renamed = ", ".join(f"column{i + 1} AS c{i}" for i in range(len(columns)))
        frame = "(SELECT " + renamed + " FROM (VALUES {})) AS v"  # noqa: S608
        key = "v.c0"
    # Only quoted names from the model's own metadata go into the text; every value is a parameter.
    sql = f"UPDATE {table} SET {assignments} FROM {frame} WHERE {table}.{quote(pk.column)} = {key}"  # noqa: S608
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            params = [
                f.get_db_prep_save(getattr(obj, f.attname), connection)
                for obj in batch
                for f in columns
            ]
            cursor.execute(sql.format(", ".join([placeholder] * len(batch))), params)
            updated += cursor.rowcount
    return updated
