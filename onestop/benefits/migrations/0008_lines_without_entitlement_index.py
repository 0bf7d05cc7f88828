"""Payment lines lose their index of the entitlement; the checks that read lines by entitlement
go through its person and kind (the lead of the lines' unique key) instead.

Each index on the lines costs a month's run about a third of a bare insert of its lines
(``bench/payments.py`` prints the ladder), and every read of an entitlement's lines knows its
person and kind: a line's person and kind are its entitlement's, which the statement check of
0004 enforces for lines written through the table, and the run's own statement by construction
(``prepare._insert_select``)."""

import django.db.models.deletion
from django.db import migrations, models

POSTGRESQL = """
CREATE OR REPLACE FUNCTION benefits_referenced_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'benefits_entitlement' THEN
    IF EXISTS (SELECT 1 FROM benefits_paymentline l WHERE l.person_id = OLD.person_id
               AND l.kind = OLD.kind AND l.entitlement_id = OLD.id) THEN
      RAISE EXCEPTION '% % has payment lines', TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'foreign_key_violation';
    END IF;
  ELSIF EXISTS (SELECT 1 FROM benefits_paymentline l WHERE l.run_id = OLD.id) THEN
    RAISE EXCEPTION '% % has payment lines', TG_TABLE_NAME, OLD.id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN OLD;
END $$;
"""

POSTGRESQL_UNDO = """
CREATE OR REPLACE FUNCTION benefits_referenced_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM benefits_paymentline l WHERE
             (TG_TABLE_NAME = 'benefits_entitlement' AND l.entitlement_id = OLD.id)
             OR (TG_TABLE_NAME = 'benefits_paymentrun' AND l.run_id = OLD.id)) THEN
    RAISE EXCEPTION '% % has payment lines', TG_TABLE_NAME, OLD.id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN OLD;
END $$;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRESQL)  # no parameters: its '%' are PL/pgSQL's


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRESQL_UNDO)


class Migration(migrations.Migration):
    dependencies = [("benefits", "0007_lines_by_month")]

    operations = [
        migrations.AlterField(
            model_name="paymentline",
            name="entitlement",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="benefits.entitlement",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
