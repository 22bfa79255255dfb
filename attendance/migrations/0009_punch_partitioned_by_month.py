"""Partition the punch table by month of ``timestamp`` on PostgreSQL (SQLite: unchanged).

The table is rebuilt as ``PARTITION BY RANGE ("timestamp")`` with one partition per UTC
month that holds punches, this month and the next three, and a DEFAULT partition; the
rows are copied over. Its indexes, check and foreign-key constraints are recreated under
the same names (read from the catalog before the old table goes), so Django's later
migrations find them. The primary key becomes (id, "timestamp"): a partitioned table's
unique keys must hold the partition key. ``punch_unique_per_device`` (device, device user
id, timestamp) already does, so ingestion's ON CONFLICT is unchanged. Foreign keys that
referenced the old table's ``id`` (punch voids, devices' punch photos) cannot reference
the new one: ``PunchVoid.punch`` drops its constraint below, and any other constraint
still pointing at the table is dropped before it is replaced (``devices.PunchPhoto.punch``
drops its own in devices 0008, which runs first). The reverse rebuilds a plain table.

Self-contained on purpose (no import of attendance.partitions): a migration must keep
doing what it did when it was written.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import migrations, models
from django.utils import timezone

TABLE = "attendance_punch"
NEW = "attendance_punch__rebuilt"
AHEAD = 3


def _month_index(moment: datetime) -> int:
    moment = moment.astimezone(UTC)
    return moment.year * 12 + moment.month - 1


def _instant(index: int) -> datetime:
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def _capture(cursor, table=TABLE):
    """(constraints, indexes) of the table: [(name, kind, definition)], [definition]."""
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [table],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    return constraints, indexes


def _drop_references(cursor, table=TABLE):
    cursor.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE confrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    for table, name in cursor.fetchall():
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')


def _swap(cursor, constraints, indexes, *, primary_key, table=TABLE, new=NEW, unique=None):
    """Replace ``table`` by ``new`` (rows copied), recreating the constraints and indexes.
    ``unique`` maps (name, definition) of each unique constraint to the definition to
    recreate; without it a unique constraint is refused (the punch table has none).
    Attendance days' migration (0010) reuses these helpers with its own table."""
    cursor.execute(f"INSERT INTO {new} SELECT * FROM {table}")  # noqa: S608
    _drop_references(cursor, table)
    cursor.execute(f"DROP TABLE {table}")
    cursor.execute(f"ALTER TABLE {new} RENAME TO {table}")
    for name, kind, definition in constraints:
        if kind == "p":
            definition = primary_key
        elif kind == "u":
            if unique is None:
                raise RuntimeError(f"{table}: unexpected unique constraint {name}; extend this migration")
            definition = unique(name, definition)
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for definition in indexes:
        cursor.execute(definition)


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        if cursor.fetchone()[0] == "p":
            return
        constraints, indexes = _capture(cursor)
        cursor.execute(f'CREATE TABLE {NEW} (LIKE {TABLE} INCLUDING DEFAULTS) PARTITION BY RANGE ("timestamp")')
        now = _month_index(timezone.now())
        months = set(range(now, now + AHEAD + 1))
        cursor.execute(f"SELECT DISTINCT date_trunc('month', \"timestamp\" AT TIME ZONE 'UTC') FROM {TABLE}")  # noqa: S608
        months.update(row[0].year * 12 + row[0].month - 1 for row in cursor.fetchall())
        for index in sorted(months):
            start = _instant(index)
            cursor.execute(
                f"CREATE TABLE {TABLE}_p{start:%Y%m} PARTITION OF {NEW} FOR VALUES FROM (%s) TO (%s)",
                [start, _instant(index + 1)],
            )
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {NEW} DEFAULT")
        _swap(cursor, constraints, indexes, primary_key='PRIMARY KEY (id, "timestamp")')


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        if cursor.fetchone()[0] != "p":
            return
        constraints, indexes = _capture(cursor)
        cursor.execute(f"CREATE TABLE {NEW} (LIKE {TABLE} INCLUDING DEFAULTS)")
        # pg_get_indexdef of a partitioned table's index says "ON ONLY"; a plain table's must not.
        indexes = [definition.replace(" ON ONLY ", " ON ", 1) for definition in indexes]
        _swap(cursor, constraints, indexes, primary_key="PRIMARY KEY (id)")
        # DROP TABLE of the partitioned table dropped its partitions with it.


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0008_several_shifts_per_day"),
        # Drops its foreign key to the punch table first, and on the way back restores it
        # only after the table is plain again.
        ("devices", "0009_punch_photo_no_db_constraint"),
    ]

    operations = [
        migrations.AlterField(
            model_name="punchvoid",
            name="punch",
            field=models.OneToOneField(
                db_constraint=False,
                on_delete=models.deletion.CASCADE,
                related_name="void",
                to="attendance.punch",
                verbose_name="punch",
            ),
        ),
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
