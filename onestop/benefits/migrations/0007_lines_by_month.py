"""On PostgreSQL, payment lines are partitioned by ``month`` (onestop/core/partitions.py).

Both unique keys already name the month or are given it: (reissue_of, month) is as strict as
(reissue_of) was, since a reissue pays the month of the line it replaces.

Foreign keys into the lines cannot stay (they would need the month too): the recovery's key to
its line and a line's key to the line it reissues. As with the lines' own references (0004),
checks per statement replace them: each statement's new recoveries must name a line, and its
new reissues a line of the same person, kind and month; a recovery's line and a line's reissued
line never change; and a statement may not delete a line that a recovery or a reissue names.
The row triggers of 0004 already refuse to re-point a line.

Undoing this migration removes these checks but leaves the table partitioned (its columns are
unchanged). SQLite keeps Django's foreign keys."""

from django.db import migrations

POSTGRESQL = """
CREATE OR REPLACE FUNCTION benefits_line_refs_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  low bigint;
  high bigint;
  bad bigint;
BEGIN
  -- As in 0004, plus the line a reissue replaces.
  SELECT min(entitlement_id), max(entitlement_id) INTO low, high FROM new_lines;
  SELECT count(*) INTO bad FROM new_lines n WHERE NOT EXISTS (
    SELECT 1 FROM benefits_entitlement e WHERE e.id BETWEEN low AND high
      AND e.id = n.entitlement_id AND e.person_id = n.person_id AND e.kind = n.kind);
  IF bad = 0 THEN
    SELECT count(*) INTO bad FROM (SELECT DISTINCT run_id, kind FROM new_lines) d
    WHERE NOT EXISTS (SELECT 1 FROM benefits_paymentrun r WHERE r.id = d.run_id AND r.kind = d.kind);
  END IF;
  IF bad = 0 THEN
    SELECT count(*) INTO bad FROM new_lines n WHERE n.reissue_of_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM benefits_paymentline l WHERE l.id = n.reissue_of_id AND l.month = n.month
        AND l.person_id = n.person_id AND l.kind = n.kind);
  END IF;
  IF bad > 0 THEN
    RAISE EXCEPTION 'a payment line refers to no entitlement of its person and kind, no roll of its kind, or no line it reissues'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS benefits_line_reissue_fixed ON benefits_paymentline;
CREATE TRIGGER benefits_line_reissue_fixed BEFORE UPDATE OF reissue_of_id ON benefits_paymentline
  FOR EACH ROW WHEN (OLD.reissue_of_id IS DISTINCT FROM NEW.reissue_of_id)
  EXECUTE FUNCTION benefits_refuse('the line a reissue replaces never changes');

CREATE OR REPLACE FUNCTION benefits_lines_named_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM old_lines o JOIN benefits_recovery r ON r.line_id = o.id)
     OR EXISTS (SELECT 1 FROM old_lines o JOIN benefits_paymentline l
                ON l.reissue_of_id = o.id AND l.month = o.month) THEN
    RAISE EXCEPTION 'a payment line named by a recovery or a reissue cannot be deleted'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS benefits_lines_named ON benefits_paymentline;
CREATE TRIGGER benefits_lines_named AFTER DELETE ON benefits_paymentline
  REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT
  EXECUTE FUNCTION benefits_lines_named_check();

CREATE OR REPLACE FUNCTION benefits_recovery_line_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_recoveries r WHERE NOT EXISTS (
      SELECT 1 FROM benefits_paymentline l WHERE l.id = r.line_id)) THEN
    RAISE EXCEPTION 'a recovery refers to no payment line'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS benefits_recovery_line ON benefits_recovery;
CREATE TRIGGER benefits_recovery_line AFTER INSERT ON benefits_recovery
  REFERENCING NEW TABLE AS new_recoveries FOR EACH STATEMENT
  EXECUTE FUNCTION benefits_recovery_line_check();
DROP TRIGGER IF EXISTS benefits_recovery_line_fixed ON benefits_recovery;
CREATE TRIGGER benefits_recovery_line_fixed BEFORE UPDATE OF line_id ON benefits_recovery
  FOR EACH ROW WHEN (OLD.line_id <> NEW.line_id)
  EXECUTE FUNCTION benefits_refuse('a recovery''s line never changes');
"""

POSTGRESQL_UNDO = """
DROP TRIGGER benefits_line_reissue_fixed ON benefits_paymentline;
DROP TRIGGER benefits_lines_named ON benefits_paymentline;
DROP TRIGGER benefits_recovery_line ON benefits_recovery;
DROP TRIGGER benefits_recovery_line_fixed ON benefits_recovery;
DROP FUNCTION benefits_lines_named_check();
DROP FUNCTION benefits_recovery_line_check();
"""


def forward(apps, schema_editor):
    from onestop.core import partitions

    if schema_editor.connection.vendor == "postgresql":
        partitions.convert_once("benefits_paymentline")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRESQL)  # no parameters: its '%' are PL/pgSQL's


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRESQL_UNDO)


class Migration(migrations.Migration):
    dependencies = [("benefits", "0006_review_item_deadline_and_queue")]

    operations = [migrations.RunPython(forward, backward)]
