"""PostgreSQL only: no two entries of one employee may overlap, even under concurrent writes.

An exclusion constraint over (employee_id WITH =, tstzrange(start, coalesce(end,
'infinity'), '[)') WITH &&): half-open ranges, so back-to-back entries never conflict,
and a running timer (no end) occupies everything after its start. btree_gist supplies
the GiST equality operator class for the uuid column.

On SQLite (the embedded default) the operations do nothing: there the services check
for overlap inside an IMMEDIATE (write-locked) transaction, which serialises writers.
The constraint is not part of the model state (see timesheets/models.py).
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT = "timeentry_no_overlap"
TABLE = "timesheets_timeentry"


class PostgresOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("timesheets", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        PostgresOnlySQL(
            sql=(
                f'ALTER TABLE {TABLE} ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist '
                f'(employee_id WITH =, tstzrange("start", coalesce("end", \'infinity\'::timestamptz), \'[)\') WITH &&)'
            ),
            reverse_sql=f"ALTER TABLE {TABLE} DROP CONSTRAINT {CONSTRAINT}",
        ),
    ]
