"""Partition attendance days by month of ``date`` on PostgreSQL (MariaDB/MySQL and SQLite:
unchanged, this migration does nothing there).

What 0009 did for punches, with 0009's own helpers (its capture of constraints and
indexes, its swap of the tables): the table is rebuilt as ``PARTITION BY RANGE ("date")``
with one partition per month that holds days, this month and the next three, and a DEFAULT
partition; the rows are copied over and every constraint and index comes back under its
name. A partitioned table's unique keys must hold the partition key:

- the primary key becomes (id, date); Django keeps ``id`` as the pk (random UUIDs);
- ``attendance_day_unique`` (employee, date) already holds it: unchanged, so the
  recompute's ``INSERT … ON CONFLICT (employee_id, date) DO UPDATE`` infers it as before;
- ``sort_key``'s unique constraint becomes (sort_key, date) under the same name. The key is
  the date followed by the employee's id, so it stays as unique as before (the date it
  starts with is the row's own).

No foreign key points at an attendance day (none in any app when this was written); one
added later could not reference the table's id and would be declared with
``db_constraint=False``, as the punch voids and punch photos are. The reverse rebuilds a
plain table.

Imports 0009 (frozen history, as this file is), never attendance.partitions: a migration
must keep doing what it did when it was written.
"""

from __future__ import annotations

import importlib
import re
from datetime import date

from django.db import migrations
from django.utils import timezone

_punches = importlib.import_module("attendance.migrations.0009_punch_partitioned_by_month")

TABLE = "attendance_attendanceday"
NEW = "attendance_attendanceday__rebuilt"
AHEAD = 3
_HAS_DATE = re.compile(r"\(.*\bdate\b.*\)")


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _with_date(name: str, definition: str) -> str:
    if _HAS_DATE.search(definition):
        return definition
    if not definition.startswith("UNIQUE (") or not definition.endswith(")"):
        raise RuntimeError(f"{TABLE}: unexpected unique constraint {name} {definition}; extend this migration")
    return f"{definition[:-1]}, date)"


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        if cursor.fetchone()[0] == "p":
            return
        constraints, indexes = _punches._capture(cursor, TABLE)
        cursor.execute(f'CREATE TABLE {NEW} (LIKE {TABLE} INCLUDING DEFAULTS) PARTITION BY RANGE ("date")')
        today = timezone.now().date()
        now = today.year * 12 + today.month - 1
        months = set(range(now, now + AHEAD + 1))
        cursor.execute(f"SELECT DISTINCT date_trunc('month', \"date\")::date FROM {TABLE}")  # noqa: S608
        months.update(row[0].year * 12 + row[0].month - 1 for row in cursor.fetchall())
        for index in sorted(months):
            start = _month(index)
            cursor.execute(
                f"CREATE TABLE {TABLE}_p{start:%Y%m} PARTITION OF {NEW} FOR VALUES FROM (%s) TO (%s)",
                [start, _month(index + 1)],
            )
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {NEW} DEFAULT")
        _punches._swap(
            cursor,
            constraints,
            indexes,
            primary_key='PRIMARY KEY (id, "date")',
            table=TABLE,
            new=NEW,
            unique=_with_date,
        )


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The unique constraints that hold the date in the model itself keep it.
    model = apps.get_model("attendance", "AttendanceDay")
    keep = {c.name for c in model._meta.constraints if "date" in getattr(c, "fields", ())}

    def without_date(name: str, definition: str) -> str:
        return definition if name in keep else definition.replace(", date)", ")")

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        if cursor.fetchone()[0] != "p":
            return
        constraints, indexes = _punches._capture(cursor, TABLE)
        cursor.execute(f"CREATE TABLE {NEW} (LIKE {TABLE} INCLUDING DEFAULTS)")
        indexes = [definition.replace(" ON ONLY ", " ON ", 1) for definition in indexes]
        _punches._swap(
            cursor, constraints, indexes, primary_key="PRIMARY KEY (id)", table=TABLE, new=NEW, unique=without_date
        )


class Migration(migrations.Migration):
    dependencies = [("attendance", "0009_punch_partitioned_by_month")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
