"""The punch table partitioned by month on PostgreSQL: the migration, writes into the right
month, partitions made on demand, pruning of the hot queries, and the retention policy."""

from __future__ import annotations

import csv
import gzip
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from attendance import partitions
from attendance.models import PeriodLock, Punch, PunchSource, PunchVoid
from attendance.services.punch_store import PunchRow, insert_device_punches, lock_device

DEVICE = uuid.UUID("00000000-0000-4000-8000-0000000fa11e")


@pytest.fixture(autouse=True)
def _postgresql_only(db: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("partitioning is PostgreSQL's; SQLite keeps one table")
    # Months cached by earlier tests may belong to partitions their transactions rolled back.
    partitions.PUNCHES.known.clear()


def _where(punch_id: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM attendance_punch WHERE id = %s", [punch_id])
        return str(cursor.fetchone()[0])


def _ingest(stamps: list[datetime], user: str = "7") -> int:
    from django.db import transaction

    with transaction.atomic():
        lock_device(DEVICE)
        return insert_device_punches(
            device_id=DEVICE,
            source=PunchSource.DEVICE,
            rows=[PunchRow(None, stamp, user, "in", 0, 1) for stamp in stamps],
        )


def test_the_punch_table_is_partitioned_with_a_default_partition() -> None:
    assert partitions.PUNCHES.is_partitioned()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'attendance_punch_pkey'")
        assert cursor.fetchone()[0] == 'PRIMARY KEY (id, "timestamp")'
        cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s", [partitions.PUNCHES.default_partition])
        assert cursor.fetchone()


def test_an_old_log_gets_its_months_and_a_second_read_stores_nothing_twice(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from attendance.tasks import punch_partitions_for

    stamps = [datetime(2019, 3, 31, 23, 59, tzinfo=UTC), datetime(2019, 4, 1, 0, 0, tzinfo=UTC)]
    with django_capture_on_commit_callbacks() as queued:
        assert _ingest(stamps) == 2
    assert len(queued) == 1  # the task that makes the two months
    march, april = Punch.objects.filter(device_id=DEVICE).order_by("timestamp")
    assert _where(march.pk) == _where(april.pk) == partitions.PUNCHES.default_partition
    # What the queued task does, after the ingest's commit.
    assert punch_partitions_for(["2019-03-01", "2019-04-01"]) == ["2019-03", "2019-04"]
    assert _where(march.pk) == "attendance_punch_p201903"
    assert _where(april.pk) == "attendance_punch_p201904"
    # The dedupe constraint is a unique index of the partitioned table: ON CONFLICT still holds.
    assert _ingest(stamps) == 0
    assert Punch.objects.filter(device_id=DEVICE).count() == 2


def test_a_punch_of_a_month_without_partition_waits_in_the_default_and_moves_out_when_it_is_made() -> None:
    punch = Punch.objects.create(timestamp=datetime(2041, 7, 4, 8, tzinfo=UTC), source=PunchSource.MANUAL)
    assert _where(punch.pk) == partitions.PUNCHES.default_partition
    assert partitions.PUNCHES.months_in_default() == [date(2041, 7, 1)]
    assert partitions.PUNCHES.ensure_months([date(2041, 7, 1)]) == [date(2041, 7, 1)]
    assert _where(punch.pk) == "attendance_punch_p204107"
    assert partitions.PUNCHES.months_in_default() == []
    assert Punch.objects.get(pk=punch.pk).timestamp == datetime(2041, 7, 4, 8, tzinfo=UTC)


def test_the_daily_task_makes_the_coming_months_and_empties_the_default() -> None:
    Punch.objects.create(timestamp=datetime(2038, 2, 1, tzinfo=UTC), source=PunchSource.MANUAL)
    result = partitions.maintain(now=datetime(2037, 11, 15, tzinfo=UTC))
    assert [date(2037, 11, 1), date(2037, 12, 1), date(2038, 1, 1), date(2038, 2, 1)] == [
        m for m in result.created if m >= date(2037, 11, 1)
    ]
    assert result.archived == []  # the default policy keeps everything
    assert partitions.PUNCHES.months_in_default() == []


def _plan(queryset: Any) -> str:
    return str(queryset.explain())


def test_a_persons_month_and_a_teams_day_touch_one_partition(people: Any) -> None:
    partitions.PUNCHES.ensure_months(
        partitions.cover_range(datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 6, 1, tzinfo=UTC))
    )
    for month in range(1, 6):
        Punch.objects.create(employee=people.alice, timestamp=datetime(2030, month, 10, 8, tzinfo=UTC), source="manual")
    march = Punch.objects.filter(
        employee=people.alice,
        timestamp__gte=datetime(2030, 3, 1, tzinfo=UTC),
        timestamp__lt=datetime(2030, 4, 1, tzinfo=UTC),
    )
    plan = _plan(march)
    assert "attendance_punch_p203003" in plan
    assert plan.count("attendance_punch_p") == plan.count("attendance_punch_p203003")
    assert partitions.PUNCHES.default_partition not in plan
    assert march.count() == 1
    # A team's day, as the recompute loads it (voided punches left out).
    team_day = Punch.objects.filter(
        employee_id__in=[people.alice.pk, people.amir.pk],
        timestamp__gte=datetime(2030, 3, 10, tzinfo=UTC),
        timestamp__lt=datetime(2030, 3, 11, 6, tzinfo=UTC),
        void__isnull=True,
    )
    plan = _plan(team_day)
    assert plan.count("attendance_punch_p") == plan.count("attendance_punch_p203003") >= 1
    assert team_day.count() == 1
    # A month in a zone east of UTC starts the evening before in UTC: two partitions at most.
    local_month = Punch.objects.filter(
        employee=people.alice,
        timestamp__gte=datetime(2030, 2, 28, 23, tzinfo=UTC),
        timestamp__lt=datetime(2030, 3, 31, 22, tzinfo=UTC),
    )
    plan = _plan(local_month)
    assert {"attendance_punch_p203002", "attendance_punch_p203003"} == {
        name
        for name in (
            "attendance_punch_p203001",
            "attendance_punch_p203002",
            "attendance_punch_p203003",
            "attendance_punch_p203004",
        )
        if name in plan
    }


def _archive_rows(path: Any) -> list[dict[str, str]]:
    with gzip.open(path, "rt", newline="") as handle:
        return list(csv.DictReader(io.StringIO(handle.read())))


def test_retention_archives_old_months_to_files_then_drops_them(people: Any, settings: Any, tmp_path: Any) -> None:
    from attendance.models import Regularisation
    from etime.core.models import AuditEvent
    from etime.ops.company import company_settings_update

    settings.ETIME_BACKUP_DIR = tmp_path
    now = datetime(2032, 6, 15, 12, tzinfo=UTC)
    partitions.PUNCHES.ensure_months(partitions.cover_range(datetime(2032, 1, 1, tzinfo=UTC), now))
    old = [
        Punch.objects.create(employee=people.alice, timestamp=datetime(2032, 2, day, 8, tzinfo=UTC), source="manual")
        for day in (2, 3)
    ]
    kept = Punch.objects.create(employee=people.alice, timestamp=datetime(2032, 4, 1, 8, tzinfo=UTC), source="manual")
    correction = Regularisation.objects.create(employee=people.alice, date=date(2032, 2, 3), reason="x")
    PunchVoid.objects.create(punch=old[1], regularisation=correction)

    # The default keeps everything.
    assert partitions.maintain(now=now).archived == []
    assert Punch.objects.filter(pk__in=[p.pk for p in old]).count() == 2

    company_settings_update(actor=people.admin, punch_retention_months=3)  # April, May, June
    archived = partitions.maintain(now=now, actor=people.admin).archived
    assert [m for m in archived if m.year == 2032] == [date(2032, 1, 1), date(2032, 2, 1), date(2032, 3, 1)]
    assert not Punch.objects.filter(pk__in=[p.pk for p in old]).exists()
    assert Punch.objects.filter(pk=kept.pk).exists()
    assert date(2032, 2, 1) not in partitions.PUNCHES.existing_months()
    assert not PunchVoid.objects.filter(punch_id=old[1].pk).exists()

    punches = _archive_rows(tmp_path / "punch-archive" / "attendance_punch_2032-02.csv.gz")
    assert [row["id"] for row in punches] == [str(p.pk) for p in old]
    assert punches[0]["timestamp"].startswith("2032-02-02 08:00:00")
    voids = _archive_rows(tmp_path / "punch-archive" / "attendance_punchvoid_2032-02.csv.gz")
    assert [row["punch_id"] for row in voids] == [str(old[1].pk)]

    lock = PeriodLock.objects.get(date_from=date(2032, 2, 1))
    assert lock.date_to == date(2032, 3, 1)
    event = AuditEvent.objects.get(action="attendance_punches.archived", object_id="2032-02")
    assert event.after is not None
    assert event.after["punches"] == 2 and event.actor == people.admin

    # A punch of February read from a clock after the month went: archived on the next run,
    # into files of its own (the first archive stays as it was).
    late = Punch.objects.create(employee=people.bob, timestamp=datetime(2032, 2, 9, 8, tzinfo=UTC), source="manual")
    assert _where(late.pk) == partitions.PUNCHES.default_partition
    assert [m for m in partitions.maintain(now=now).archived if m.year == 2032] == [date(2032, 2, 1)]
    assert [row["id"] for row in _archive_rows(tmp_path / "punch-archive" / "attendance_punch_2032-02.2.csv.gz")] == [
        str(late.pk)
    ]
    assert len(_archive_rows(tmp_path / "punch-archive" / "attendance_punch_2032-02.csv.gz")) == 2


def test_retention_below_three_months_is_refused(people: Any) -> None:
    from etime.core.errors import ValidationFailed
    from etime.ops.company import company_settings, company_settings_update

    with pytest.raises(ValidationFailed) as refused:
        company_settings_update(actor=people.admin, punch_retention_months=2)
    assert "punch_retention_months" in refused.value.details
    assert company_settings().punch_retention_months == 0


def test_the_migration_converts_a_table_holding_punches() -> None:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("attendance", "0007_punch_offline")])
    assert not partitions.PUNCHES.is_partitioned()
    stamps = [datetime(2020, 5, 31, 23, 30, tzinfo=UTC), datetime(2020, 6, 1, 0, 30, tzinfo=UTC)]
    ids = [uuid.uuid4(), uuid.uuid4()]
    with connection.cursor() as cursor:
        for pk, stamp in zip(ids, stamps, strict=True):
            cursor.execute(
                'INSERT INTO attendance_punch (id, "timestamp", source, direction, device_id, device_user_id, note, '
                "created_at, geofence, geofence_flagged) VALUES (%s, %s, 'device', 'in', %s, '7', '', %s, '', false)",
                [pk, stamp, DEVICE, stamp + timedelta(minutes=1)],
            )
        # A real migration starts a transaction of its own; here the inserts' deferred checks
        # would still be queued, and PostgreSQL alters no table with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(leaves)
    assert partitions.PUNCHES.is_partitioned()
    assert [_where(pk) for pk in ids] == ["attendance_punch_p202005", "attendance_punch_p202006"]
    # The dedupe constraint came back under its name: the same log read again stores nothing.
    assert _ingest(stamps) == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE confrelid = 'attendance_punch'::regclass")
        assert cursor.fetchone()[0] == 0
