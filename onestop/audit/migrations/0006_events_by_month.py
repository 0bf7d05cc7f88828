"""On PostgreSQL, audit events are partitioned by month of ``at`` (onestop/core/partitions.py).

The database can then only enforce (chain, seq, at) as unique, not (chain, seq). That a chain
never has two events of one seq still holds: ``audit_record`` writes an event only while holding
its chain head's row lock and numbers it head.seq + 1, and each event carries the hash of the one
before, so a second event of a seq breaks the links that ``verify_audit`` checks.

Nothing refers to an audit event by a foreign key. Undoing this migration leaves the table
partitioned (its columns are unchanged). SQLite keeps its one table."""

from django.db import migrations


def forward(apps, schema_editor):
    from onestop.core import partitions

    if schema_editor.connection.vendor == "postgresql":
        partitions.convert_once("audit_auditevent")


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_chains_per_unit_keyed")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
