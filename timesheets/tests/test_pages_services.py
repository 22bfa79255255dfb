"""Services and selectors the pages added: duplicating a day, the loggable projects and
tasks, expected hours over a range."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from etime.core.models import AuditEvent
from timesheets import selectors, services
from timesheets.errors import PeriodLocked
from timesheets.models import ProjectStatus, TimeEntry
from timesheets.tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def test_duplicate_keeps_local_times_across_the_clock_change(people: Any, catalog: Any, entry: Any) -> None:
    saturday, sunday = date(2026, 3, 28), date(2026, 3, 29)  # Zurich moves to CEST on the Sunday
    entry(at(saturday, "09:00"), at(saturday, "10:30"), description="Weekend", task=catalog.design, billable=False)
    copied, skipped = services.time_entries_duplicate_day(
        employee=people.alice, source_day=saturday, target_day=sunday, actor=people.alice.user
    )
    assert (copied, skipped) == (1, 0)
    new = TimeEntry.objects.get(employee=people.alice, date=sunday)
    assert (new.start, new.end) == (at(sunday, "09:00"), at(sunday, "10:30"))
    assert (new.task, new.description, new.billable) == (catalog.design, "Weekend", False)
    event = AuditEvent.objects.get(action="time_entry.day_duplicated")
    assert event.after == {"from": "2026-03-28", "to": "2026-03-29", "copied": 1, "skipped": 0}


def test_duplicate_skips_closed_projects_running_timers_and_overlaps(people: Any, catalog: Any, entry: Any) -> None:
    tuesday = MONDAY + timedelta(days=1)
    entry(at(MONDAY, "08:00"), at(MONDAY, "09:00"), project=catalog.support)
    entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    entry(at(tuesday, "10:30"), at(tuesday, "12:00"))
    catalog.support.status = ProjectStatus.ARCHIVED
    services.project_save(project=catalog.support, actor=people.admin)
    copied, skipped = services.time_entries_duplicate_day(
        employee=people.alice, source_day=MONDAY, target_day=tuesday, actor=people.alice.user
    )
    assert (copied, skipped) == (0, 2)
    assert TimeEntry.objects.filter(employee=people.alice, date=tuesday).count() == 1
    assert not AuditEvent.objects.filter(action="time_entry.overlap_detected").exists()


def test_duplicate_into_a_submitted_week_is_refused_and_copies_nothing(people: Any, catalog: Any, entry: Any) -> None:
    sunday_before = MONDAY - timedelta(days=1)
    entry(at(sunday_before, "09:00"), at(sunday_before, "10:00"))
    services.timesheet_submit(employee=people.alice, week=MONDAY, actor=people.alice.user)
    with pytest.raises(PeriodLocked):
        services.time_entries_duplicate_day(
            employee=people.alice, source_day=sunday_before, target_day=MONDAY, actor=people.alice.user
        )
    assert not TimeEntry.objects.filter(employee=people.alice, date=MONDAY).exists()


def test_loggable_projects_and_tasks(people: Any, catalog: Any) -> None:
    services.project_save(project=catalog.support, actor=people.admin, members=[people.amir])
    catalog.internal.status = ProjectStatus.ARCHIVED
    services.project_save(project=catalog.internal, actor=people.admin)
    catalog.build.active = False
    services.task_save(task=catalog.build, actor=people.admin)
    assert list(selectors.project_list_loggable(employee=people.alice)) == [catalog.website]
    assert set(selectors.project_list_loggable(employee=people.amir)) == {catalog.website, catalog.support}
    assert list(selectors.task_list_loggable(employee=people.alice)) == [catalog.design]


def test_expected_minutes_range_respects_employment_dates(people: Any) -> None:
    alice = people.alice
    alice.hire_date = MONDAY + timedelta(days=2)
    alice.save()
    expected = selectors.expected_minutes_range(employee=alice, date_from=MONDAY, date_to=MONDAY + timedelta(days=6))
    assert list(expected.values()) == [0, 0, 480, 480, 480, 0, 0]
