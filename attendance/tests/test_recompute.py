"""The loader and writer around the engine, the dirty set, closing days, providers and locks."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance import providers
from attendance.engine import Absence
from attendance.models import AttendanceDay, DirtyDay, ScheduleAssignment
from attendance.services import (
    close_days,
    mark_dirty,
    period_lock_create,
    punch_create,
    recompute,
    recompute_dirty,
)
from attendance.services.recompute import _release
from attendance.tests.conftest import DEVICE, MONDAY, local
from etime.core.models import AuditEvent

WEEK = [MONDAY + timedelta(days=i) for i in range(7)]


def days_of(employee: Any) -> dict[date, AttendanceDay]:
    return {d.date: d for d in AttendanceDay.objects.filter(employee=employee)}


@pytest.mark.embedded
def test_recompute_writes_one_row_per_employee_day_with_the_engines_result(planned: Any, clock: Any) -> None:
    people = planned
    clock("1", MONDAY, "08:58", "17:40")
    clock("1", MONDAY + timedelta(days=1), "09:12")
    result = recompute(employee_ids=[people.alice.pk], date_from=WEEK[0], date_to=WEEK[-1])
    rows = days_of(people.alice)
    assert result.written == 7 and len(rows) == 7
    monday = rows[MONDAY]
    assert (monday.status, monday.worked_minutes, monday.overtime_minutes, monday.punch_count) == (
        "present",
        492,
        42,
        2,
    )
    assert monday.first_in == local(MONDAY, "08:58") and monday.is_final
    assert rows[WEEK[1]].status == "missing_punch" and rows[WEEK[1]].late_minutes == 12
    assert [rows[d].status for d in WEEK[2:5]] == ["absent"] * 3
    assert [rows[d].status for d in WEEK[5:]] == ["weekly_off"] * 2
    assert rows[MONDAY].shift_id is not None and rows[WEEK[5]].shift_id is None


@pytest.mark.embedded
def test_recomputing_the_same_inputs_changes_nothing(planned: Any, clock: Any) -> None:
    clock("1", MONDAY, "08:58", "17:40")
    recompute(employee_ids=None, date_from=WEEK[0], date_to=WEEK[-1])
    first = {(d.employee_id, d.date): (d.pk, d.status, d.worked_minutes) for d in AttendanceDay.objects.all()}
    recompute(employee_ids=None, date_from=WEEK[0], date_to=WEEK[-1])
    again = {(d.employee_id, d.date): (d.pk, d.status, d.worked_minutes) for d in AttendanceDay.objects.all()}
    assert first == again and len(first) == 6 * 7


def test_the_loader_reads_a_fixed_number_of_queries_however_many_employees(planned: Any, clock: Any) -> None:
    people = planned
    for uid in ("1", "2", "3"):
        clock(uid, MONDAY, "09:00", "17:00")

    def count(ids: list[Any]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            recompute(employee_ids=ids, date_from=WEEK[0], date_to=WEEK[-1])
        return len(ctx.captured_queries)

    # The company settings (the absence delay) are read once and cached: not a per-chunk read.
    from etime.ops.company import company_settings

    company_settings()
    one = count([people.alice.pk])
    six = count([people.alice.pk, people.amir.pk, people.dave.pk, people.bob.pk, people.carla.pk, people.mona.pk])
    assert one == six
    assert six <= 20


@pytest.mark.embedded
def test_ingested_punches_mark_their_days_and_the_task_recomputes_them(
    planned: Any, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    people = planned
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        clock("1", MONDAY, "09:00", "17:00")
    # One task for the whole batch. (Its enqueue waits in the test's own transaction, so it
    # is a callback here too, after the commit-time check that decided on it.)
    assert len([c for c in callbacks if "attendance.recompute_dirty_days" in repr(c)]) == 1
    row = AttendanceDay.objects.get(employee=people.alice, date=MONDAY)
    assert row.status == "present"
    # The day before and after were marked too (a night shift or early check-in could
    # claim the punches); they are computed but only due days get rows.
    assert DirtyDay.objects.count() == 0


@pytest.mark.embedded
def test_a_web_punch_marks_its_day(planned: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(local(MONDAY, "09:30"), tick=False):
        punch_create(employee=planned.alice, source="web", actor=planned.alice.user)
    row = AttendanceDay.objects.get(employee=planned.alice, date=MONDAY)
    assert (row.status, row.late_minutes) == ("missing_punch", 30)


@pytest.mark.embedded
def test_a_mark_that_arrives_during_recomputation_is_not_lost(planned: Any) -> None:
    alice = planned.alice
    mark_dirty([(alice.pk, MONDAY)], enqueue=False)
    row = DirtyDay.objects.get()
    # Claimed by a worker (as recompute_dirty does), then re-marked before it finishes.
    claim = uuid.uuid4()
    DirtyDay.objects.filter(pk=row.pk).update(claim=claim, claimed_version=row.version)
    mark_dirty([(alice.pk, MONDAY)], enqueue=False)
    _release(claim)
    survivor = DirtyDay.objects.get()
    assert survivor.version == 2 and survivor.claim is None
    assert recompute_dirty() == 1
    assert DirtyDay.objects.count() == 0


@pytest.mark.embedded
def test_recompute_dirty_is_idempotent_and_clears_only_what_it_claimed(planned: Any) -> None:
    mark_dirty([(planned.alice.pk, d) for d in WEEK], enqueue=False)
    assert recompute_dirty() == 7
    assert recompute_dirty() == 0
    assert AttendanceDay.objects.filter(employee=planned.alice).count() == 7


def test_two_workers_never_claim_the_same_rows(planned: Any) -> None:
    mark_dirty([(planned.alice.pk, d) for d in WEEK], enqueue=False)
    assert recompute_dirty(batch=3) == 3
    assert recompute_dirty(batch=3) == 3
    assert recompute_dirty(batch=3) == 1
    assert recompute_dirty(batch=3) == 0


@pytest.mark.embedded
def test_closing_days_creates_absences_without_any_punch(planned: Any, django_capture_on_commit_callbacks: Any) -> None:
    with time_machine.travel(datetime(2026, 3, 4, 23, 0, tzinfo=UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            marked = close_days()
        assert marked > 0
        rows = days_of(planned.alice)
    # Mon–Wed ended; the lookback reaches back a week (Tue 24 Feb onwards).
    assert rows[MONDAY].status == "absent" and rows[MONDAY].is_final
    assert rows[date(2026, 3, 4)].status == "absent"
    assert date(2026, 3, 5) not in rows
    assert days_of(planned.bob)[MONDAY].status == "weekly_off"


@pytest.mark.embedded
def test_a_shift_that_has_not_ended_is_not_an_absence_yet(
    planned: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Window of Monday's 09:00–17:00 shift closes at 21:00 Zurich (20:00 UTC).
    with time_machine.travel(datetime(2026, 3, 2, 19, 59, tzinfo=UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            close_days()
        assert MONDAY not in days_of(planned.alice)
    with time_machine.travel(datetime(2026, 3, 2, 20, 0, tzinfo=UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            close_days()
        assert days_of(planned.alice)[MONDAY].status == "absent"


def test_a_day_waits_for_a_device_that_has_not_synced_past_its_window(
    planned: Any, clock: Any, provider: Any, django_capture_on_commit_callbacks: Any
) -> None:
    people = planned
    sync = {"at": local(MONDAY, "20:00")}

    def devices(employee_ids: Any) -> dict[Any, list[Any]]:
        return {e: [(DEVICE, "Lobby K20", sync["at"])] for e in employee_ids}

    provider(providers.register_device_status_provider, devices)
    with time_machine.travel(local(MONDAY, "22:00"), tick=False):
        clock("1", MONDAY, "09:00", "17:00")
        recompute(employee_ids=[people.alice.pk], date_from=MONDAY, date_to=MONDAY)
        row = AttendanceDay.objects.get(employee=people.alice, date=MONDAY)
        assert not row.is_final
        assert row.waiting_for == [
            {"device_id": str(DEVICE), "name": "Lobby K20", "last_sync_at": local(MONDAY, "20:00").isoformat()}
        ]
        # The device syncs after the window closed: the periodic close finalises the day.
        sync["at"] = local(MONDAY, "21:30")
        with django_capture_on_commit_callbacks(execute=True):
            close_days()
        row.refresh_from_db()
        assert row.is_final and row.waiting_for == []


def test_after_the_timeout_a_day_is_final_without_the_device(planned: Any, clock: Any, provider: Any) -> None:
    people = planned
    provider(providers.register_device_status_provider, lambda ids: {e: [(DEVICE, "K20", None)] for e in ids})
    clock("1", MONDAY, "09:00", "17:00")
    with time_machine.travel(local(MONDAY, "21:00") + timedelta(hours=47), tick=False):
        recompute(employee_ids=[people.alice.pk], date_from=MONDAY, date_to=MONDAY)
        assert not AttendanceDay.objects.get(employee=people.alice, date=MONDAY).is_final
    with time_machine.travel(local(MONDAY, "21:00") + timedelta(hours=48), tick=False):
        recompute(employee_ids=[people.alice.pk], date_from=MONDAY, date_to=MONDAY)
        assert AttendanceDay.objects.get(employee=people.alice, date=MONDAY).is_final


@pytest.mark.embedded
def test_leave_and_holidays_come_from_the_registered_providers(planned: Any, provider: Any) -> None:
    alice = planned.alice

    def leave(employee_ids: Any, date_from: date, date_to: date) -> dict[Any, Absence]:
        return {(alice.pk, MONDAY): Absence("vacation"), (alice.pk, WEEK[1]): Absence("sick", full_day=False)}

    def holidays(employee_ids: Any, date_from: date, date_to: date) -> set[Any]:
        return {(e, WEEK[2]) for e in employee_ids}

    provider(providers.register_absence_provider, leave)
    provider(providers.register_holiday_provider, holidays)
    recompute(employee_ids=[alice.pk], date_from=WEEK[0], date_to=WEEK[-1])
    rows = days_of(alice)
    assert (rows[MONDAY].status, rows[MONDAY].leave_kind) == ("on_leave", "vacation")
    assert (rows[WEEK[1]].status, rows[WEEK[1]].leave_kind) == ("absent", "sick")
    assert (rows[WEEK[2]].status, rows[WEEK[2]].is_holiday) == ("holiday", True)


@pytest.mark.embedded
def test_without_providers_there_is_no_leave_no_holiday_and_closed_days_are_final(planned: Any) -> None:
    recompute(employee_ids=[planned.alice.pk], date_from=WEEK[0], date_to=WEEK[-1])
    rows = days_of(planned.alice)
    assert {r.status for r in rows.values()} == {"absent", "weekly_off"}
    assert all(r.is_final for r in rows.values())


def test_days_in_a_locked_period_are_left_as_they_were(
    planned: Any, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    people = planned
    recompute(employee_ids=[people.alice.pk], date_from=MONDAY, date_to=MONDAY)
    assert AttendanceDay.objects.get(employee=people.alice, date=MONDAY).status == "absent"
    period_lock_create(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), actor=people.admin)
    with django_capture_on_commit_callbacks(execute=True):
        clock("1", MONDAY, "09:00", "17:00")  # the clock's log is stored...
    result = recompute(employee_ids=[people.alice.pk], date_from=MONDAY, date_to=MONDAY)
    assert result.locked == 1
    assert AttendanceDay.objects.get(employee=people.alice, date=MONDAY).status == "absent"  # ...the day is not changed


@pytest.mark.embedded
def test_days_outside_the_employment_have_no_row(planned: Any) -> None:
    from accounts.services import employee_update

    employee_update(employee=planned.alice, actor=planned.admin, hire_date=WEEK[2])
    recompute(employee_ids=[planned.alice.pk], date_from=WEEK[0], date_to=WEEK[-1])
    assert sorted(days_of(planned.alice)) == WEEK[2:]


@pytest.mark.embedded
def test_planned_minutes_are_the_net_planned_time_of_planned_days(planned: Any) -> None:
    from attendance.selectors import planned_minutes

    minutes = planned_minutes(employee_ids=[planned.alice.pk, planned.bob.pk], date_from=WEEK[0], date_to=WEEK[-1])
    assert minutes == {(planned.alice.pk, d): 450 for d in WEEK[:5]}


def test_changing_a_shift_recomputes_the_recent_days_that_plan_it(
    planned: Any, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from attendance.services import shift_save

    people = planned
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday() + 7)
    clock("1", monday, "09:20", "17:00")
    recompute(employee_ids=[people.alice.pk], date_from=monday, date_to=monday)
    assert AttendanceDay.objects.get(employee=people.alice, date=monday).late_minutes == 20
    shift = ScheduleAssignment.objects.get(employee=people.alice).schedule.days.get(day_index=0).shift
    assert shift is not None
    shift.late_grace_minutes = 30
    with django_capture_on_commit_callbacks(execute=True):
        shift_save(shift=shift, actor=people.admin)
    assert AttendanceDay.objects.get(employee=people.alice, date=monday).late_minutes == 0


def test_a_locations_direction_rule_pairs_device_states_and_recomputes(
    planned: Any, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from attendance.models import PunchDirectionRule
    from attendance.services import PunchInput, direction_rule_save, punches_ingest

    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday() + 7)
    records = [
        PunchInput(device_user_id="1", timestamp=local(monday, t), direction=d)
        for t, d in (("09:00", "in"), ("12:00", "out"), ("13:00", "in"), ("17:00", "out"))
    ]
    punches_ingest(device_id=DEVICE, records=records)
    recompute(employee_ids=[planned.alice.pk], date_from=monday, date_to=monday)
    assert AttendanceDay.objects.get(employee=planned.alice, date=monday).worked_minutes == 450
    with django_capture_on_commit_callbacks(execute=True):
        direction_rule_save(
            rule=PunchDirectionRule(location=planned.alice.location, mode="device_state"), actor=planned.admin
        )
    assert AttendanceDay.objects.get(employee=planned.alice, date=monday).worked_minutes == 390
    assert AuditEvent.objects.filter(action="punch_direction_rule.created").exists()


@pytest.mark.embedded
def test_closing_days_leaves_locked_periods_alone(planned: Any, provider: Any) -> None:
    provider(providers.register_device_status_provider, lambda ids: {e: [(DEVICE, "K20", None)] for e in ids})
    with time_machine.travel(local(MONDAY, "23:00"), tick=False):
        recompute(employee_ids=[planned.alice.pk], date_from=MONDAY, date_to=MONDAY)
        assert not AttendanceDay.objects.get(employee=planned.alice, date=MONDAY).is_final
        period_lock_create(date_from=date(2026, 2, 1), date_to=date(2026, 3, 31), actor=planned.admin)
        close_days()
    assert not DirtyDay.objects.filter(date__lte=date(2026, 3, 31)).exists()
