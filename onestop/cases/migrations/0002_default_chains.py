from django.db import migrations


def load(apps, schema_editor):
    from onestop.cases.chains import DEFAULT_CHAINS

    chain = apps.get_model("cases", "ChainVersion")
    for matter, definition in DEFAULT_CHAINS.items():
        chain.objects.get_or_create(
            matter=str(matter), region_id="150000", version=1,
            defaults={"definition": definition.to_json()},
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("regions", "0002_load_inner_mongolia")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
