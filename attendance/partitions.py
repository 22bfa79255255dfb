"""Monthly partitions of the punch table on PostgreSQL (SQLite keeps one plain table).

Punches grow for years; a person's month, a team's day, the register and the recompute
each ask for a time range, so PostgreSQL prunes every partition but the month (or two)
that range touches, and the plans stay those of a one-month table however many years are
stored (bench ``punch_history``; a test asserts the pruning with ``EXPLAIN``).

- One partition per calendar month in UTC, ``attendance_punch_pYYYYMM``, holding
  [first instant of the month, first instant of the next) of ``timestamp``.
- ``attendance_punch_default`` (the DEFAULT partition) takes any punch whose month has no
  partition yet, so a write never fails for want of one.
- ``ensure_months`` creates the partitions of given months. A month whose punches already
  sit in the default partition is split out of it (its rows moved, in one transaction), so
  creating partitions on demand and late is always safe. ``maintain`` (the daily task)
  calls it for the months ahead and for every month found in the default partition; the
  punch writer, for a batch holding months without a partition (an old log read from a
  clock), queues ``attendance.punch_partitions_for`` for after its commit.
- ``archive_month`` writes a month's punches (and the voids of those punches) to gzipped
  CSV files in the backup directory, then detaches and drops the partition: the retention
  policy (``CompanySettings.punch_retention_months``, 0 keeps everything) applied by
  ``retention_apply``.

Attendance days are partitioned the same way by month of their ``date`` (migration 0010),
with the same helpers (``MonthlyTable``; ``DAYS`` beside ``PUNCHES``): ``maintain`` makes
their months ahead and empties their default partition too. The retention policy does not
touch them: they are the payroll record, kept for as long as the company keeps it (a few
hundred bytes per person and day), and they keep their figures when their punches are
archived (docs/ATTENDANCE.md "Partitions").
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.dispatch import Signal

from etime.core.types import Actor

# Months kept ready ahead of today by the daily task.
MONTHS_AHEAD = 3

# Sent inside archive_month's transaction before a month's punches are dropped, so apps
# above attendance (devices' punch photos) let go of them. Keywords: ``start``, ``end``
# (the UTC instants [start, end) archived).
punches_archived = Signal()


def month_of(moment: datetime) -> date:
    moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


# An advisory lock key (a constant of its own): making a punch partition takes it
# exclusively, each device ingest shares it (hold_off_moves).
_MOVE_LOCK = 0x70756E63686D76  # "punchmv"


@dataclass(frozen=True, eq=False)
class MonthlyTable:
    """A table partitioned by month of one column: ``<parent>_pYYYYMM`` partitions and
    ``<parent>_default``. The punch and the attendance-day tables are the two instances;
    every rule about making, finding and filling partitions lives here once."""

    parent: str
    column: str
    # True: a timestamp column, months are UTC instants; False: a date column.
    instants: bool
    # The advisory lock the table's writers share while no rows may move (None: none).
    move_lock: int | None = None
    # Months known to have a partition, per process: writers ask for each batch.
    known: set[date] = field(default_factory=set)

    @property
    def default_partition(self) -> str:
        return f"{self.parent}_default"

    def partition_name(self, month: date) -> str:
        return f"{self.parent}_p{month:%Y%m}"

    def bounds(self, month: date) -> tuple[Any, Any]:
        """The values [start, end) a month's partition holds: UTC instants or dates."""
        end = next_month(month)
        if not self.instants:
            return month, end
        return datetime(month.year, month.month, 1, tzinfo=UTC), datetime(end.year, end.month, 1, tzinfo=UTC)

    def is_partitioned(self) -> bool:
        if connection.vendor != "postgresql":
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [self.parent])
            row = cursor.fetchone()
        return row is not None and row[0] == "p"

    def existing_months(self) -> list[date]:
        """The months that have a partition, oldest first (empty off PostgreSQL)."""
        if connection.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = to_regclass(%s)",
                [self.parent],
            )
            names = [row[0] for row in cursor.fetchall()]
        pattern = re.compile(rf"^{re.escape(self.parent)}_p(\d{{4}})(\d{{2}})$")
        months = []
        for name in names:
            match = pattern.match(name)
            if match:
                months.append(date(int(match[1]), int(match[2]), 1))
        return sorted(months)

    def _create(self, cursor: Any, month: date) -> int:
        """Create ``month``'s partition, moving its rows out of the default partition; returns
        how many rows moved. Runs inside the caller's transaction."""
        start, end = self.bounds(month)
        name = _q(self.partition_name(month))
        column = _q(self.column)
        if self.move_lock is not None:
            # No device ingest runs while rows move (hold_off_moves).
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [self.move_lock])
        # A lock on the parent first: two writers creating the same month queue here, and the
        # second finds it made.
        cursor.execute(f"LOCK TABLE {_q(self.parent)} IN SHARE UPDATE EXCLUSIVE MODE")
        cursor.execute("SELECT 1 FROM pg_class WHERE oid = to_regclass(%s)", [self.partition_name(month)])
        if cursor.fetchone():
            return 0
        # The lock ATTACH takes on the default partition, taken before the rows move rather
        # than upgraded to at the end: no row enters the default (a recompute's upsert of a
        # day of that month) between the move and the check, and no upgrade can deadlock
        # with a writer waiting for the default. Writers into the other months go on.
        cursor.execute(f"LOCK TABLE {_q(self.default_partition)} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"CREATE TABLE {name} (LIKE {_q(self.parent)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        # The table and partition names are built here, the bounds are bound parameters.
        cursor.execute(
            f"WITH moved AS (DELETE FROM {_q(self.default_partition)} "  # noqa: S608
            f"WHERE {column} >= %s AND {column} < %s RETURNING *) "
            f"INSERT INTO {name} SELECT * FROM moved",
            [start, end],
        )
        moved = int(cursor.rowcount)
        # ATTACH checks that the default partition holds nothing of the month any more (it
        # was just moved) and builds the parent's indexes on the new partition.
        cursor.execute(
            f"ALTER TABLE {_q(self.parent)} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [start, end]
        )
        return moved

    def missing_months(self, months: Iterable[date]) -> list[date]:
        """Which of ``months`` have no partition yet (none off PostgreSQL)."""
        wanted = {date(m.year, m.month, 1) for m in months} - self.known
        if not wanted or not self.is_partitioned():
            return []
        existing = set(self.existing_months())
        self.known.update(existing)
        return sorted(wanted - existing)

    def ensure_months(self, months: Iterable[date]) -> list[date]:
        """Give each month its partition; returns the months created. No-op off PostgreSQL.

        DDL: call it from a task or a command, not inside a business transaction (PostgreSQL
        alters no table that the same transaction has pending deferred checks on)."""
        created = []
        for month in self.missing_months(months):
            with transaction.atomic(), connection.cursor() as cursor:
                self._create(cursor, month)
            created.append(month)
        # Cache only what is committed (an outer atomic block rolled back would otherwise
        # leave a month "known" without its table).
        if not connection.in_atomic_block:
            self.known.update(created)
        return created

    def months_in_default(self) -> list[date]:
        if not self.is_partitioned():
            return []
        column = _q(self.column)
        month = (
            f"date_trunc('month', {column} AT TIME ZONE 'UTC')" if self.instants else f"date_trunc('month', {column})"
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT ({month})::date FROM {_q(self.default_partition)}")  # noqa: S608
            return sorted(row[0] for row in cursor.fetchall())


PUNCHES = MonthlyTable("attendance_punch", "timestamp", instants=True, move_lock=_MOVE_LOCK)
# Attendance days by their (business) date; not archived by the retention policy (they are
# the payroll record, docs/ATTENDANCE.md "Partitions").
DAYS = MonthlyTable("attendance_attendanceday", "date", instants=False)
TABLES = (PUNCHES, DAYS)


def hold_off_moves() -> None:
    """Inside a device ingest's transaction (after its device lock): wait for a partition
    being made, and keep one from starting until the ingest commits. Making a partition moves
    the month's rows out of the default partition; an ingest whose reads straddled the move
    missed punches already stored, and its insert then skipped them as duplicates (the
    concurrency drill saw "19 punches ... stored concurrently"). No-op off PostgreSQL."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_MOVE_LOCK])


def ensure_for_timestamps(timestamps: Iterable[datetime]) -> list[date]:
    """The punch writer's hook, inside its transaction: the months of a batch that have no
    partition yet. Their rows wait in the default partition; ``attendance.punch_partitions_for``,
    queued for after the commit, gives them their months (moving the rows). An old log read
    from a clock thus ends up in partitions of its own without DDL in the ingest."""
    missing = PUNCHES.missing_months({month_of(moment) for moment in timestamps})
    if missing:
        from attendance.tasks import punch_partitions_for

        punch_partitions_for.delay([month.isoformat() for month in missing])
    return missing


@dataclass
class MaintenanceResult:
    created: list[date]  # punch months
    archived: list[date]  # punch months
    days_created: list[date] = field(default_factory=list)  # attendance-day months


def maintain(*, now: datetime, actor: Actor = None) -> MaintenanceResult:
    """The daily task, for punches and attendance days alike: partitions for this month and
    the next ``MONTHS_AHEAD``, one for every month found in the default partition; then the
    retention policy, which archives punches only."""
    current = month_of(now)
    ahead = [add_months(current, k) for k in range(MONTHS_AHEAD + 1)]
    created: dict[str, list[date]] = {}
    for table in TABLES:
        table.known.clear()  # another process may have dropped (archived) a month
        created[table.parent] = table.ensure_months(ahead + table.months_in_default())
    archived = retention_apply(now=now, actor=actor)
    return MaintenanceResult(created=created[PUNCHES.parent], archived=archived, days_created=created[DAYS.parent])


# --- retention -----------------------------------------------------------------------------


def archive_dir() -> Path:
    return Path(settings.ETIME_BACKUP_DIR) / "punch-archive"


def retention_cutoff(*, now: datetime, keep_months: int) -> date | None:
    """The first month kept when ``keep_months`` months are kept (the current one counts),
    or None when everything is kept (0)."""
    if keep_months <= 0:
        return None
    return add_months(month_of(now), -(keep_months - 1))


def retention_apply(*, now: datetime, actor: Actor = None) -> list[date]:
    """Archive every partition older than the company's retention policy; returns the months."""
    from etime.ops.company import company_settings

    cutoff = retention_cutoff(now=now, keep_months=company_settings().punch_retention_months)
    if cutoff is None or not PUNCHES.is_partitioned():
        return []
    # Punches of old months waiting in the default partition get theirs first, so they are
    # archived with their month rather than kept past the policy.
    PUNCHES.ensure_months([m for m in PUNCHES.months_in_default() if m < cutoff])
    archived = []
    for month in PUNCHES.existing_months():
        if month < cutoff:
            archive_month(month, actor=actor)
            archived.append(month)
    return archived


def _copy_out(cursor: Any, query: str, params: list[Any], path: Path) -> None:
    partial = path.with_suffix(path.suffix + ".partial")
    with (
        gzip.open(partial, "wb") as out,
        cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)", params) as copy,
    ):
        for block in copy:
            out.write(block)
    with open(partial, "rb") as written:
        os.fsync(written.fileno())
    partial.replace(path)


def archive_month(month: date, *, actor: Actor = None) -> list[Path]:
    """Write ``month``'s punches and their voids to ``<backup dir>/punch-archive/``, then
    detach and drop its partition, in one transaction; audited. Returns the files written.

    The attendance days of the month keep their figures; a period lock over the month (and
    the day after it, whose local date may begin in it east of UTC) keeps them from being
    recomputed without their punches."""
    from attendance.models import PeriodLock, PunchVoid
    from attendance.services.locks import period_lock_create
    from etime.core import audit

    name = PUNCHES.partition_name(month)
    directory = archive_dir()
    directory.mkdir(parents=True, exist_ok=True)
    # A month archived before and found again later (punches that arrived after it was
    # dropped waited in the default partition) gets files of its own, never overwritten.
    suffix, copy_no = "", 1
    while (directory / f"{PUNCHES.parent}_{month:%Y-%m}{suffix}.csv.gz").exists():
        copy_no += 1
        suffix = f".{copy_no}"
    punches_file = directory / f"{PUNCHES.parent}_{month:%Y-%m}{suffix}.csv.gz"
    voids_file = directory / f"{PunchVoid._meta.db_table}_{month:%Y-%m}{suffix}.csv.gz"
    with transaction.atomic(), connection.cursor() as cursor:
        # No writer may add to the month while it is exported and dropped.
        cursor.execute(f"LOCK TABLE {_q(name)} IN EXCLUSIVE MODE")
        cursor.execute(f"SELECT count(*) FROM {_q(name)}")  # noqa: S608
        rows = int(cursor.fetchone()[0])
        _copy_out(cursor, f'SELECT * FROM {_q(name)} ORDER BY "timestamp", id', [], punches_file)  # noqa: S608
        voids = f"SELECT punch_id FROM {_q(name)}"  # noqa: S608
        _copy_out(
            cursor,
            f"SELECT * FROM {_q(PunchVoid._meta.db_table)} WHERE punch_id IN ({voids}) ORDER BY id",  # noqa: S608
            [],
            voids_file,
        )
        cursor.execute(f"DELETE FROM {_q(PunchVoid._meta.db_table)} WHERE punch_id IN (SELECT id FROM {_q(name)})")  # noqa: S608
        start, end = PUNCHES.bounds(month)
        punches_archived.send(sender=None, start=start, end=end)
        # Deferred foreign-key checks queued by this transaction must run before the drop.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {_q(PUNCHES.parent)} DETACH PARTITION {_q(name)}")
        cursor.execute(f"DROP TABLE {_q(name)}")
        if not PeriodLock.objects.filter(date_from__lte=month, date_to__gte=end.date()).exists():
            period_lock_create(
                date_from=month, date_to=end.date(), note=f"Punches of {month:%Y-%m} archived", actor=actor
            )
        audit.record(
            actor=actor,
            action="attendance_punches.archived",
            object_type="attendance.punch",
            object_id=f"{month:%Y-%m}",
            after={"month": f"{month:%Y-%m}", "punches": rows, "files": [str(punches_file), str(voids_file)]},
        )
    PUNCHES.known.discard(month)
    return [punches_file, voids_file]


def cover_range(start: datetime, end: datetime) -> list[date]:
    """Every month [start, end) touches (used by the bench and the migration's callers)."""
    months = []
    month = month_of(start)
    while PUNCHES.bounds(month)[0] < end:
        months.append(month)
        month = next_month(month)
    return months
