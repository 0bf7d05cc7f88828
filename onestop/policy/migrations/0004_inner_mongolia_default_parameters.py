from django.db import migrations


def load(apps, schema_editor):
    from onestop.policy.parameters import DEFAULT_FROM, SPEC, parse_value, to_json

    parameter = apps.get_model("policy", "RuleParameter")
    for key, spec in SPEC.items():
        if not parameter.objects.filter(key=key, region_id="150000").exists():
            parameter.objects.create(
                key=key,
                region_id="150000",
                valid_from=DEFAULT_FROM,
                value=to_json(key, parse_value(key, spec.default)),
                example=spec.example,
                note=spec.source or ("示例值：请按本地政策文件替换" if spec.example else ""),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0003_proactivefinding_ruleparameter"),
        ("regions", "0002_load_inner_mongolia"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
