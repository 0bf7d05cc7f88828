"""On PostgreSQL, the payment lines' references are checked once per statement, not per row.

A month's run writes a line per person in a few set-based statements. A per-row foreign key
costs each line a query on the referenced table and a lock on its row (about 4 s per million
lines and key on the 2-core reference machine, 13 s of a 23 s run for the three keys). One check
per statement, a join of the statement's new lines against the entitlements and rolls, costs
about 1 s per million (``bench/payments.py`` prints it) and checks more: a line's person and kind must be its entitlement's, and its
kind its roll's. A line's references never change, and an entitlement or a roll with lines is
never deleted nor re-keyed (the row triggers below), which is what the foreign keys protected.

SQLite keeps Django's foreign keys: its runs are small, and a trigger there would not survive
the table rebuilds Django's migrations do on SQLite."""

from django.db import migrations

LINES = "benefits_paymentline"
REFERENCES = ("run_id", "entitlement_id", "person_id")

POSTGRESQL = """
CREATE FUNCTION benefits_line_refs_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  low bigint;
  high bigint;
  bad bigint;
BEGIN
  -- A run's statement writes the lines of a range of entitlement ids: bounded by that range,
  -- the join reads the range once instead of probing the entitlements line by line. Counting
  -- (not EXISTS) keeps the planner from choosing the probes for a quick first row.
  SELECT min(entitlement_id), max(entitlement_id) INTO low, high FROM new_lines;
  SELECT count(*) INTO bad FROM new_lines n WHERE NOT EXISTS (
    SELECT 1 FROM benefits_entitlement e WHERE e.id BETWEEN low AND high
      AND e.id = n.entitlement_id AND e.person_id = n.person_id AND e.kind = n.kind);
  IF bad = 0 THEN
    SELECT count(*) INTO bad FROM (SELECT DISTINCT run_id, kind FROM new_lines) d
    WHERE NOT EXISTS (SELECT 1 FROM benefits_paymentrun r WHERE r.id = d.run_id AND r.kind = d.kind);
  END IF;
  IF bad > 0 THEN
    RAISE EXCEPTION 'a payment line refers to no entitlement of its person and kind, or no roll of its kind'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER benefits_line_refs AFTER INSERT ON benefits_paymentline
  REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT
  EXECUTE FUNCTION benefits_line_refs_check();

CREATE FUNCTION benefits_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'foreign_key_violation';
END $$;
CREATE TRIGGER benefits_line_refs_fixed BEFORE UPDATE OF run_id, entitlement_id, person_id, kind
  ON benefits_paymentline FOR EACH ROW
  WHEN (OLD.run_id <> NEW.run_id OR OLD.entitlement_id <> NEW.entitlement_id
        OR OLD.person_id <> NEW.person_id OR OLD.kind <> NEW.kind)
  EXECUTE FUNCTION benefits_refuse('a payment line''s roll, entitlement, person and kind never change');

CREATE FUNCTION benefits_referenced_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM benefits_paymentline l WHERE
             (TG_TABLE_NAME = 'benefits_entitlement' AND l.entitlement_id = OLD.id)
             OR (TG_TABLE_NAME = 'benefits_paymentrun' AND l.run_id = OLD.id)) THEN
    RAISE EXCEPTION '% % has payment lines', TG_TABLE_NAME, OLD.id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER benefits_entitlement_referenced BEFORE DELETE ON benefits_entitlement
  FOR EACH ROW EXECUTE FUNCTION benefits_referenced_check();
CREATE TRIGGER benefits_entitlement_rekeyed BEFORE UPDATE OF id, person_id, kind
  ON benefits_entitlement FOR EACH ROW
  WHEN (OLD.id <> NEW.id OR OLD.person_id <> NEW.person_id OR OLD.kind <> NEW.kind)
  EXECUTE FUNCTION benefits_referenced_check();
CREATE TRIGGER benefits_run_referenced BEFORE DELETE ON benefits_paymentrun
  FOR EACH ROW EXECUTE FUNCTION benefits_referenced_check();
CREATE TRIGGER benefits_run_rekeyed BEFORE UPDATE OF id, kind ON benefits_paymentrun FOR EACH ROW
  WHEN (OLD.id <> NEW.id OR OLD.kind <> NEW.kind)
  EXECUTE FUNCTION benefits_referenced_check();
"""

POSTGRESQL_UNDO = """
DROP TRIGGER benefits_line_refs ON benefits_paymentline;
DROP TRIGGER benefits_line_refs_fixed ON benefits_paymentline;
DROP TRIGGER benefits_entitlement_referenced ON benefits_entitlement;
DROP TRIGGER benefits_entitlement_rekeyed ON benefits_entitlement;
DROP TRIGGER benefits_run_referenced ON benefits_paymentrun;
DROP TRIGGER benefits_run_rekeyed ON benefits_paymentrun;
DROP FUNCTION benefits_line_refs_check();
DROP FUNCTION benefits_refuse();
DROP FUNCTION benefits_referenced_check();
ALTER TABLE benefits_paymentline
  ADD FOREIGN KEY (run_id) REFERENCES benefits_paymentrun (id) DEFERRABLE INITIALLY DEFERRED,
  ADD FOREIGN KEY (entitlement_id) REFERENCES benefits_entitlement (id)
    DEFERRABLE INITIALLY DEFERRED,
  ADD FOREIGN KEY (person_id) REFERENCES people_person (id) DEFERRABLE INITIALLY DEFERRED;
"""


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, LINES)
            for name, info in constraints.items():
                if info["foreign_key"] and info["columns"][0] in REFERENCES:
                    cursor.execute(f'ALTER TABLE {LINES} DROP CONSTRAINT "{name}"')
            cursor.execute(POSTGRESQL)  # no parameters: its '%' are PL/pgSQL's


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRESQL_UNDO)


class Migration(migrations.Migration):
    dependencies = [("benefits", "0003_aged_out")]

    operations = [migrations.RunPython(forward, backward)]
