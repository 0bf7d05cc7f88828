"""On PostgreSQL, notices and the texts sent are partitioned by month of ``created_at``
(onestop/core/partitions.py), so old months are dropped whole. Nothing refers to either by a
foreign key. Undoing this migration leaves them partitioned. SQLite keeps its tables."""

from django.db import migrations


def forward(apps, schema_editor):
    from onestop.core import partitions

    if schema_editor.connection.vendor == "postgresql":
        partitions.convert_once("notices_notice")
        partitions.convert_once("notices_smsmessage")


class Migration(migrations.Migration):
    dependencies = [("notices", "0003_notice_lease_until")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
