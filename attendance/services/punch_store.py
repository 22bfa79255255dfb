"""Writing a batch of device punches: one small interface, each database engine's own fast way.

``punches_ingest`` (attendance.services.punches) decides *what* to store: it validates the
records, drops the ones repeated in the batch and the ones already stored for the device
(holding the device's lock), maps device user ids to employees and applies the punch
policy. This module only *writes* those rows and marks the days they may count for dirty
(attendance.services.dirty), without a model instance per punch (``bulk_create`` spent
~55–75 µs a punch on that; docs/DEVICES.md):

- PostgreSQL: ``COPY`` into a session-local staging table, then one statement that empties
  the staging table into the punch table with ``INSERT … SELECT … ON CONFLICT DO NOTHING
  RETURNING`` and upserts the dirty days of exactly the rows it inserted (each punch's
  local date in its employee's zone and the days either side, as ``pairs_for_punches``
  computes them in Python), so neither the punches nor their days travel back to Python;
- SQLite (the embedded default) and MariaDB/MySQL: one ``executemany`` of
  ``INSERT … ON CONFLICT DO NOTHING`` / ``INSERT IGNORE`` (etime.core.db), then
  ``mark_dirty_for_punches`` for the inserted rows.

Both ways give the same punches, the same count and the same dirty days with the same
versions (attendance/tests/test_punch_store.py runs one scenario through both on
PostgreSQL); ``COPY_PATH`` chooses the PostgreSQL way and exists for those tests.

On PostgreSQL the punch table is partitioned by month (attendance.partitions): a batch
holding months without a partition queues their creation for after the commit (its rows
wait in the default partition meanwhile). ``punch_unique_per_device``
holds the partition key (the timestamp), so it is a unique index of the partitioned table
and ON CONFLICT infers it as before.

``lock_device`` is the per-device writer lock the caller takes first. On both engines the
unique constraint per device, device user id and timestamp (``punch_unique_per_device``)
stays the guarantee, and the write returns how many rows it inserted: fewer than given
means another writer stored some of them meanwhile, which the caller's lock rules out, so
the caller treats it as an error and rolls back.

Columns that are the same for the whole batch (the device, the source, ``created_at``, the
model's defaults for every other column) are computed once from the model, so a column
added to ``Punch`` with a default is written here without a change.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from django.db import connection
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from attendance import partitions
from attendance.models import DirtyDay, Punch
from attendance.services.dirty import enqueue_recompute, mark_dirty_for_punches
from etime.core import db


class PunchRow(NamedTuple):
    """One new device punch, as ``punches_ingest`` decided it: what differs from row to row."""

    employee_id: UUID | None
    timestamp: datetime
    device_user_id: str
    direction: str
    raw_state: int | None
    verify_mode: int | None


# PunchRow's fields are Punch's attribute names; the staging table's types on PostgreSQL.
_VARYING_TYPES = {
    "employee_id": "uuid",
    "timestamp": "timestamptz",
    "device_user_id": "text",
    "direction": "text",
    "raw_state": "smallint",
    "verify_mode": "smallint",
}
_STAGING = "attendance_punch_ingest"
# True: PostgreSQL takes the COPY path; False: the portable one (the tests run both).
COPY_PATH = True
_CONFLICT = "ON CONFLICT ({}, {}, {}) WHERE {} IS NOT NULL DO NOTHING"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(attname: str) -> str:
    return str(Punch._meta.get_field(attname).column)  # type: ignore[union-attr]


def _constants(*, device_id: UUID, source: str) -> dict[str, Any]:
    """Column name → database value for every column other than the id and PunchRow's
    fields: the device, the source, ``created_at`` (one "now" for the batch, as each
    ``auto_now_add`` field would take), and the model's default for the rest."""
    template = Punch(device_id=device_id, source=source)
    values: dict[str, Any] = {}
    for field in Punch._meta.concrete_fields:
        if field.primary_key or field.attname in PunchRow._fields:
            continue
        values[field.column] = field.get_db_prep_save(field.pre_save(template, add=True), connection)
    return values


def lock_device(device_id: UUID) -> None:
    """Make the calling transaction the only writer of ``device_id``'s punches until it ends
    (a poll and an ADMS push may race): etime.core.db.xact_lock (PostgreSQL's advisory
    lock, a locked row on MariaDB/MySQL; SQLite's IMMEDIATE transactions already serialise
    every writer)."""
    db.xact_lock("punches", device_id.hex)


def insert_device_punches(*, device_id: UUID, source: str, rows: Sequence[PunchRow]) -> int:
    """Insert ``rows`` for ``device_id`` and mark the days of the inserted punches with an
    employee dirty; returns how many were inserted.

    Preconditions (``punches_ingest`` ensures them): inside a transaction holding the
    device's lock; the rows are unique per (device user id, timestamp), have aware
    timestamps and a device user id. A row already stored is skipped by the unique
    constraint, never stored twice, not counted and marks no day."""
    if not connection.in_atomic_block:
        # Outside a transaction the staging table would empty itself between COPY and INSERT.
        raise TransactionManagementError("insert_device_punches runs inside transaction.atomic().")
    if not rows:
        return 0
    constants = _constants(device_id=device_id, source=source)
    if connection.vendor == "postgresql":
        # A month without a partition (an old log read from a clock) gets one after the
        # commit, its rows moved out of the default partition (a set lookup once known).
        partitions.ensure_for_timestamps(row.timestamp for row in rows)
        if COPY_PATH:
            return _insert_postgresql(rows, constants)
    return _insert_executemany(rows, constants)


def _conflict_clause() -> str:
    device, user, stamp = (_q(_column(name)) for name in ("device_id", "device_user_id", "timestamp"))
    return _CONFLICT.format(device, user, stamp, device)


def _insert_postgresql(rows: Sequence[PunchRow], constants: dict[str, Any]) -> int:
    from attendance.selectors import time_zones

    table = _q(Punch._meta.db_table)
    staging = _q(_STAGING)
    varying = [_q(_column(name)) for name in PunchRow._fields]
    employee, stamp = _q(_column("employee_id")), _q(_column("timestamp"))
    # The zone rule is the one pairs_for_punches applies (the selector's), asked once for the batch.
    zones = time_zones(list({row.employee_id for row in rows if row.employee_id is not None}))
    days = db.upsert_sql(
        DirtyDay._meta.db_table,
        ["employee_id", "date", "version", "marked_at"],
        "SELECT employee_id, date, 1, %s FROM day ORDER BY employee_id, date",
        conflict=["employee_id", "date"],
        increment=["version"],
        replace=["marked_at"],
    )
    with connection.cursor() as cursor:
        # Created once per database session; ON COMMIT DELETE ROWS and the DELETE below
        # leave it empty between batches (also when several batches share one transaction).
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ("
            + ", ".join(f"{_q(name)} {kind}" for name, kind in _VARYING_TYPES.items())
            + ") ON COMMIT DELETE ROWS"
        )
        with cursor.cursor.copy(f"COPY {staging} ({', '.join(_q(n) for n in PunchRow._fields)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        names = [_q(Punch._meta.pk.column), *varying, *(_q(c) for c in constants)]
        # One statement: the staged rows into the punch table (the unique constraint skips
        # what is stored), and the days of exactly the inserted rows marked dirty as
        # attendance.services.dirty marks them: the local date in the employee's zone (UTC
        # when the employee has none any more) and the days either side, each pair once,
        # in (employee, date) order as mark_dirty writes them (concurrent markers lock rows
        # in one order). The table and column names are the model's; every value is a bound
        # parameter.
        cursor.execute(
            f"WITH staged AS (DELETE FROM {staging} RETURNING *), "  # noqa: S608
            f"new AS (INSERT INTO {table} ({', '.join(names)}) "
            f"SELECT gen_random_uuid(), {', '.join(_q(n) for n in PunchRow._fields)}, "
            f"{', '.join(['%s'] * len(constants))} FROM staged {_conflict_clause()} "
            f"RETURNING {employee} AS employee_id, {stamp} AS moment), "
            "zone AS (SELECT * FROM unnest(%s::uuid[], %s::text[]) AS zone (employee_id, name)), "
            "day AS (SELECT DISTINCT new.employee_id, "
            "(new.moment AT TIME ZONE coalesce(zone.name, 'UTC'))::date + shift.days AS date "
            "FROM new LEFT JOIN zone ON zone.employee_id = new.employee_id "
            "CROSS JOIN (VALUES (-1), (0), (1)) AS shift (days) WHERE new.employee_id IS NOT NULL), "
            f"marked AS ({days} RETURNING 1) "
            "SELECT (SELECT count(*) FROM new), (SELECT count(*) FROM marked)",
            [*constants.values(), list(zones), list(zones.values()), timezone.now()],
        )
        inserted, marked = cursor.fetchone()
    if marked:
        enqueue_recompute()
    return int(inserted)


def _insert_executemany(rows: Sequence[PunchRow], constants: dict[str, Any]) -> int:
    names = [_q(Punch._meta.pk.column), *(_q(_column(name)) for name in PunchRow._fields), *(_q(c) for c in constants)]
    pk = Punch._meta.pk
    employee = Punch._meta.get_field("employee").target_field
    stamp = Punch._meta.get_field("timestamp")
    tail = tuple(constants.values())
    ids = [uuid.uuid4() for _row in rows]

    def prep(punch_id: UUID, row: PunchRow) -> tuple[Any, ...]:
        return (
            pk.get_db_prep_save(punch_id, connection),
            None if row.employee_id is None else employee.get_db_prep_save(row.employee_id, connection),
            stamp.get_db_prep_save(row.timestamp, connection),
            row.device_user_id,
            row.direction,
            row.raw_state,
            row.verify_mode,
            *tail,
        )

    columns = [str(pk.column), *(_column(name) for name in PunchRow._fields), *constants]
    device, user, stamp_column = (_column(name) for name in ("device_id", "device_user_id", "timestamp"))
    with connection.cursor() as cursor:
        # The table and column names are the model's; every value is a bound parameter.
        cursor.executemany(
            db.insert_ignore_sql(
                Punch._meta.db_table,
                columns,
                f"VALUES ({', '.join(['%s'] * len(names))})",
                conflict=[device, user, stamp_column],
                conflict_where=f"{_q(device)} IS NOT NULL",
            ),
            [prep(punch_id, row) for punch_id, row in zip(ids, rows, strict=True)],
        )
        inserted = int(cursor.rowcount)
    new = list(rows)
    if inserted < len(rows):
        # Some rows were stored already (a caller without the pre-check): the ids this write
        # chose tell which rows are its own.
        stored: set[UUID] = set()
        for start in range(0, len(ids), 500):
            stored.update(Punch.objects.filter(pk__in=ids[start : start + 500]).values_list("pk", flat=True))
        new = [row for punch_id, row in zip(ids, rows, strict=True) if punch_id in stored]
    mark_dirty_for_punches((row.employee_id, row.timestamp) for row in new if row.employee_id is not None)
    return inserted
