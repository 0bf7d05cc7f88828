from django.db import migrations


def load(apps, schema_editor):
    from onestop.regions.loader import load_regions

    load_regions(apps.get_model("regions", "Region"), apps.get_model("regions", "OrgUnit"))


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
