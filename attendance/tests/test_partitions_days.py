"""Attendance days partitioned by month of their date on PostgreSQL: the migration, the
upsert, recompute and register across a month boundary, pruning of a person's month and a
team's day, partitions made ahead idempotently, and the retention policy leaving them be."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import connection

from accounts.models import Employee
from attendance import partitions, reports
from attendance.models import AttendanceDay, DayStatus
from attendance.services import recompute

DAYS = partitions.DAYS


@pytest.fixture(autouse=True)
def _postgresql_only(db: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("partitioning is PostgreSQL's; SQLite and MariaDB keep one table")
    # Months cached by earlier tests may belong to partitions their transactions rolled back.
    for table in partitions.TABLES:
        table.known.clear()


def _where(day: AttendanceDay) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM attendance_attendanceday WHERE id = %s", [day.pk])
        return str(cursor.fetchone()[0])


def _checks_now() -> None:
    """A test runs in one transaction: the deferred foreign-key checks of the rows it wrote
    must run before partitions are made (PostgreSQL alters no table with pending trigger
    events); the daily task runs in a transaction of its own."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _constraint(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s "
            "AND conrelid = 'attendance_attendanceday'::regclass",
            [name],
        )
        row = cursor.fetchone()
    return row[0] if row else ""


def test_the_day_table_is_partitioned_and_keeps_its_unique_keys() -> None:
    assert DAYS.is_partitioned()
    assert _constraint("attendance_attendanceday_pkey") == "PRIMARY KEY (id, date)"
    # The recompute's ON CONFLICT (employee_id, date) infers this one.
    assert _constraint("attendance_day_unique") == "UNIQUE (employee_id, date)"
    assert _constraint("attendance_attendanceday_sort_key_key") == "UNIQUE (sort_key, date)"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s", [DAYS.default_partition])
        assert cursor.fetchone()
        # Nothing references a day's id (a partitioned table's id alone is not unique).
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE confrelid = 'attendance_attendanceday'::regclass")
        assert cursor.fetchone()[0] == 0


def test_recompute_upsert_and_register_across_a_month_boundary(clock: Any) -> None:
    alice = Employee.objects.get(device_user_id="1")
    # Tuesday 31 March and Wednesday 1 April 2026; neither month has a partition yet.
    clock("1", date(2026, 3, 31), "08:58", "17:05")
    clock("1", date(2026, 4, 1), "09:20", "17:02")
    now = datetime(2026, 4, 20, 12, tzinfo=UTC)
    recompute(employee_ids=[alice.pk], date_from=date(2026, 3, 30), date_to=date(2026, 4, 2), now=now)
    march = AttendanceDay.objects.get(employee=alice, date=date(2026, 3, 31))
    april = AttendanceDay.objects.get(employee=alice, date=date(2026, 4, 1))
    assert _where(march) == _where(april) == DAYS.default_partition
    assert (march.status, april.status, april.late_minutes) == (DayStatus.PRESENT, DayStatus.PRESENT, 20)

    # The daily task's step: each month gets its partition, the days move into it.
    _checks_now()
    assert DAYS.ensure_months([date(2026, 3, 1), date(2026, 4, 1)]) == [date(2026, 3, 1), date(2026, 4, 1)]
    assert _where(march) == "attendance_attendanceday_p202603"
    assert _where(april) == "attendance_attendanceday_p202604"
    assert DAYS.months_in_default() == []

    # A forgotten punch corrected: the upsert updates the rows where they are (same ids,
    # one row per person and day), in both months in one run.
    clock("1", date(2026, 4, 1), "12:00", "12:30")
    clock("1", date(2026, 3, 31), "12:00", "12:30")
    result = recompute(employee_ids=[alice.pk], date_from=date(2026, 3, 30), date_to=date(2026, 4, 2), now=now)
    assert result.written == 4
    again = {d.date: d for d in AttendanceDay.objects.filter(employee=alice)}
    assert len(again) == 4
    assert again[date(2026, 3, 31)].pk == march.pk and again[date(2026, 4, 1)].pk == april.pk
    assert again[date(2026, 3, 31)].punch_count == 4 and again[date(2026, 4, 1)].punch_count == 4
    assert _where(again[date(2026, 4, 1)]) == "attendance_attendanceday_p202604"

    # Each month's register reads its own month.
    march_register = reports.monthly_register(employees=Employee.objects.filter(pk=alice.pk), month=date(2026, 3, 1))
    april_register = reports.monthly_register(employees=Employee.objects.filter(pk=alice.pk), month=date(2026, 4, 1))
    assert {c["date"]: c["status"] for c in march_register.rows[0].cells if c["status"]} == {
        "2026-03-30": DayStatus.ABSENT,
        "2026-03-31": DayStatus.PRESENT,
    }
    assert {c["date"]: c["status"] for c in april_register.rows[0].cells if c["status"]} == {
        "2026-04-01": DayStatus.PRESENT,
        "2026-04-02": DayStatus.ABSENT,
    }


def _plan(queryset: Any) -> str:
    return str(queryset.explain())


def test_a_persons_month_and_a_teams_day_touch_one_partition(planned: Any) -> None:
    DAYS.ensure_months([date(2030, month, 1) for month in range(1, 6)])
    team = [planned.alice.pk, planned.amir.pk, planned.dave.pk]
    recompute(
        employee_ids=team, date_from=date(2030, 1, 1), date_to=date(2030, 5, 31), now=datetime(2031, 1, 1, tzinfo=UTC)
    )
    month = AttendanceDay.objects.filter(
        employee=planned.alice, date__gte=date(2030, 3, 1), date__lte=date(2030, 3, 31)
    )
    plan = _plan(month)
    assert "attendance_attendanceday_p203003" in plan
    assert plan.count("attendance_attendanceday_p") == plan.count("attendance_attendanceday_p203003")
    assert DAYS.default_partition not in plan
    assert month.count() == 31
    # A team's day, as the pages and the API ask for it.
    day = AttendanceDay.objects.filter(employee_id__in=team, date=date(2030, 3, 12))
    plan = _plan(day)
    assert plan.count("attendance_attendanceday_p") == plan.count("attendance_attendanceday_p203003") >= 1
    assert DAYS.default_partition not in plan
    assert day.count() == 3
    # The register's query for a month.
    register = AttendanceDay.objects.filter(employee__in=team, date__gte=date(2030, 4, 1), date__lte=date(2030, 4, 30))
    plan = _plan(register)
    assert plan.count("attendance_attendanceday_p") == plan.count("attendance_attendanceday_p203004") >= 1
    assert register.count() == 90


def test_making_partitions_ahead_is_idempotent() -> None:
    now = datetime(2037, 11, 15, tzinfo=UTC)
    first = partitions.maintain(now=now)
    coming = [date(2037, 11, 1), date(2037, 12, 1), date(2038, 1, 1), date(2038, 2, 1)]
    assert [m for m in first.days_created if m >= coming[0]] == coming
    assert [m for m in first.created if m >= coming[0]] == coming  # punches alike
    second = partitions.maintain(now=now)
    assert (second.created, second.days_created, second.archived) == ([], [], [])
    assert DAYS.ensure_months(coming) == []
    assert [m for m in DAYS.existing_months() if m >= coming[0]] == coming


def test_retention_archives_punches_but_keeps_the_days(planned: Any, settings: Any, tmp_path: Any) -> None:
    from attendance.models import Punch
    from etime.ops.company import company_settings_update

    settings.ETIME_BACKUP_DIR = tmp_path
    now = datetime(2032, 6, 15, 12, tzinfo=UTC)
    partitions.PUNCHES.ensure_months(partitions.cover_range(datetime(2032, 1, 1, tzinfo=UTC), now))
    DAYS.ensure_months(partitions.cover_range(datetime(2032, 1, 1, tzinfo=UTC), now))
    Punch.objects.create(employee=planned.alice, timestamp=datetime(2032, 2, 3, 8, tzinfo=UTC), source="manual")
    recompute(employee_ids=[planned.alice.pk], date_from=date(2032, 2, 1), date_to=date(2032, 2, 29), now=now)
    february = AttendanceDay.objects.get(employee=planned.alice, date=date(2032, 2, 3))
    assert february.punch_count == 1
    _checks_now()

    company_settings_update(actor=planned.admin, punch_retention_months=3)
    archived = partitions.maintain(now=now, actor=planned.admin).archived
    assert date(2032, 2, 1) in archived
    assert not Punch.objects.filter(employee=planned.alice, timestamp__year=2032).exists()
    # The payroll record stays: the day, its figures and its partition.
    kept = AttendanceDay.objects.get(pk=february.pk)
    assert (kept.status, kept.punch_count) == (february.status, 1)
    assert date(2032, 2, 1) in DAYS.existing_months()
    assert AttendanceDay.objects.filter(employee=planned.alice, date__year=2032, date__month=2).count() == 29


def test_the_migration_converts_a_table_holding_days_and_back(planned: Any) -> None:
    from django.db.migrations.executor import MigrationExecutor

    recompute(
        employee_ids=[planned.alice.pk],
        date_from=date(2026, 5, 29),
        date_to=date(2026, 6, 2),
        now=datetime(2026, 7, 1, tzinfo=UTC),
    )
    ids = dict(AttendanceDay.objects.filter(employee=planned.alice).values_list("date", "id"))
    _checks_now()
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("attendance", "0009_punch_partitioned_by_month")])
    assert not DAYS.is_partitioned()
    assert _constraint("attendance_attendanceday_sort_key_key") == "UNIQUE (sort_key)"
    assert _constraint("attendance_attendanceday_pkey") == "PRIMARY KEY (id)"
    assert dict(AttendanceDay.objects.filter(employee=planned.alice).values_list("date", "id")) == ids

    executor = MigrationExecutor(connection)
    executor.migrate(leaves)
    assert DAYS.is_partitioned()
    assert dict(AttendanceDay.objects.filter(employee=planned.alice).values_list("date", "id")) == ids
    may = AttendanceDay.objects.get(employee=planned.alice, date=date(2026, 5, 29))
    june = AttendanceDay.objects.get(employee=planned.alice, date=date(2026, 6, 1))
    assert (_where(may), _where(june)) == ("attendance_attendanceday_p202605", "attendance_attendanceday_p202606")
    assert _constraint("attendance_attendanceday_sort_key_key") == "UNIQUE (sort_key, date)"
    # The upsert still finds its rows by (employee, date).
    recompute(
        employee_ids=[planned.alice.pk],
        date_from=date(2026, 5, 29),
        date_to=date(2026, 6, 2),
        now=datetime(2026, 7, 1, tzinfo=UTC),
    )
    assert dict(AttendanceDay.objects.filter(employee=planned.alice).values_list("date", "id")) == ids
