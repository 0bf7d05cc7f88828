"""On PostgreSQL, outbox events and their deliveries are partitioned by month of the event.

A delivery had no time of its own: it gets its event's ``created_at``, so an event and its
deliveries sit in the same month and that month is dropped whole (the retention keeps a month
while any of its deliveries is still pending). Copying the event's time also keeps
(event, subscription, created_at), the unique key the database can enforce, as strict as
(event, subscription) was.

The delivery's foreign key to its event cannot stay (it would need the event's month too). A
check per statement replaces it, as for the payment lines (benefits/0004): each statement's new
deliveries must name an event of their time, a delivery's event never changes, and an event with
deliveries is never deleted row-wise (a partition is dropped with its deliveries' partition).

Undoing this migration leaves the tables partitioned. SQLite keeps its tables and foreign key."""

from django.db import migrations, models

FILL = """
UPDATE exchange_delivery SET created_at = (
  SELECT e.created_at FROM exchange_outboxevent e WHERE e.id = exchange_delivery.event_id)
"""

POSTGRESQL = """
CREATE OR REPLACE FUNCTION outbox_delivery_event_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_deliveries d WHERE NOT EXISTS (
      SELECT 1 FROM exchange_outboxevent e WHERE e.id = d.event_id AND e.created_at = d.created_at))
  THEN
    RAISE EXCEPTION 'a delivery refers to no event of its time'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS outbox_delivery_event ON exchange_delivery;
CREATE TRIGGER outbox_delivery_event AFTER INSERT ON exchange_delivery
  REFERENCING NEW TABLE AS new_deliveries FOR EACH STATEMENT
  EXECUTE FUNCTION outbox_delivery_event_check();

CREATE OR REPLACE FUNCTION outbox_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'foreign_key_violation';
END $$;
DROP TRIGGER IF EXISTS outbox_delivery_event_fixed ON exchange_delivery;
CREATE TRIGGER outbox_delivery_event_fixed BEFORE UPDATE OF event_id, created_at
  ON exchange_delivery FOR EACH ROW
  WHEN (OLD.event_id <> NEW.event_id OR OLD.created_at <> NEW.created_at)
  EXECUTE FUNCTION outbox_refuse('a delivery''s event never changes');

CREATE OR REPLACE FUNCTION outbox_event_delivered_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM old_events o JOIN exchange_delivery d
             ON d.event_id = o.id AND d.created_at = o.created_at) THEN
    RAISE EXCEPTION 'an outbox event with deliveries cannot be deleted'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS outbox_event_delivered ON exchange_outboxevent;
CREATE TRIGGER outbox_event_delivered AFTER DELETE ON exchange_outboxevent
  REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT
  EXECUTE FUNCTION outbox_event_delivered_check();
"""

POSTGRESQL_UNDO = """
DROP TRIGGER outbox_delivery_event ON exchange_delivery;
DROP TRIGGER outbox_delivery_event_fixed ON exchange_delivery;
DROP TRIGGER outbox_event_delivered ON exchange_outboxevent;
DROP FUNCTION outbox_delivery_event_check();
DROP FUNCTION outbox_refuse();
DROP FUNCTION outbox_event_delivered_check();
"""


def forward(apps, schema_editor):
    from onestop.core import partitions

    if schema_editor.connection.vendor == "postgresql":
        partitions.convert_once("exchange_outboxevent")
        partitions.convert_once("exchange_delivery")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRESQL)  # no parameters: its '%' are PL/pgSQL's


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRESQL_UNDO)


class Migration(migrations.Migration):
    dependencies = [("outbox", "0002_payment_topics")]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="created_at",
            field=models.DateTimeField("事件时间", null=True),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="delivery",
            name="created_at",
            field=models.DateTimeField("事件时间"),
        ),
        migrations.RunPython(forward, backward),
    ]
