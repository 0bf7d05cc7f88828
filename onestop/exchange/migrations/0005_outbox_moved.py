# The outbox's models moved to the outbox app: the state forgets them here, the tables stay.

from django.db import migrations

MOVED = ["outboxevent", "subscription", "delivery"]


def content_types_follow(apps, schema_editor, source="exchange", target="outbox"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=source, model__in=MOVED).update(app_label=target)


def content_types_return(apps, schema_editor):
    content_types_follow(apps, schema_editor, source="outbox", target="exchange")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("exchange", "0004_idempotent_answer_encrypted"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="Delivery"),
                migrations.DeleteModel(name="OutboxEvent"),
                migrations.DeleteModel(name="Subscription"),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_return),
    ]
