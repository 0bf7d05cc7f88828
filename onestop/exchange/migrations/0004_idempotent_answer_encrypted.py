import json

from django.db import migrations, models


def encrypt_bodies(apps, schema_editor):
    from onestop.core import pii

    IdempotentRequest = apps.get_model("exchange", "IdempotentRequest")
    for row in IdempotentRequest.objects.all():
        row.body_cipher = pii.encrypt(
            json.dumps(row.body, ensure_ascii=False),
            context=f"exchange.idempotent:{row.api_key_id}:{row.key}",
        )
        row.save(update_fields=["body_cipher"])


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_audit_checkpoint_topic")]

    operations = [
        migrations.AddField(
            model_name="idempotentrequest",
            name="body_cipher",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(encrypt_bodies, migrations.RunPython.noop),
        migrations.RemoveField(model_name="idempotentrequest", name="body"),
        migrations.AlterField(
            model_name="idempotentrequest",
            name="created_at",
            field=models.DateTimeField(db_index=True),
        ),
    ]
