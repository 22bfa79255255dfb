"""On PostgreSQL the database itself refuses UPDATE and DELETE of ledger entries, so not even
raw SQL or a future code path can edit the ledger (the model and admin refuse too)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION leave_ledger_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'leave ledger entries are immutable; post a correcting entry'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER leave_ledger_immutable
    BEFORE UPDATE OR DELETE ON leave_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION leave_ledger_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS leave_ledger_immutable ON leave_ledgerentry;
DROP FUNCTION IF EXISTS leave_ledger_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("leave", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
