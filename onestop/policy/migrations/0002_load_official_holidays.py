from django.db import migrations


def load(apps, schema_editor):
    from onestop.policy.holidays import load_bundled

    load_bundled(apps.get_model("policy", "HolidayNotice"), apps.get_model("policy", "HolidayDay"))


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
