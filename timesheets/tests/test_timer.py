"""The timer: a running entry has no end; one per employee; overlong timers are stopped
at the limit, flagged, and the employee is told."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail

from timesheets.tests.conftest import MONDAY, at, error_of, iso

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Zurich


def start(api: Any, catalog: Any, **extra: Any) -> Any:
    return api.post("/api/v1/timer/start/", {"project": str(catalog.website.pk), **extra})


def test_starting_a_timer_creates_a_running_entry_with_no_end(catalog: Any, alice_api: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        response = start(alice_api, catalog, description="focus", task=str(catalog.design.pk))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["end"] is None and body["duration_seconds"] is None and body["amount"] is None
    assert (
        body["start"] == "2026-03-02T08:00:00Z" and body["source"] == "timer" and body["task"] == str(catalog.design.pk)
    )
    current = alice_api.get("/api/v1/timer/").json()
    assert current == {"running": True, "entry": body}
    listed = alice_api.get("/api/v1/time-entries/", {"running": "true"}).json()["results"]
    assert [e["id"] for e in listed] == [body["id"]] and listed[0]["end"] is None


@pytest.mark.embedded
def test_a_second_start_is_timer_already_running_with_the_running_entry(catalog: Any, alice_api: Any) -> None:
    from timesheets.models import TimeEntry

    with time_machine.travel(NOW, tick=False):
        running = start(alice_api, catalog).json()
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        error = error_of(start(alice_api, catalog), 409, "timer_already_running")
    assert error["details"]["entry"]["id"] == running["id"]
    assert TimeEntry.objects.count() == 1


def test_creating_an_entry_without_end_is_also_a_timer(catalog: Any, alice_api: Any, entry: Any) -> None:
    entry(at(MONDAY, "08:00"), None)
    body = {"project": str(catalog.website.pk), "start": iso(MONDAY, "07:00"), "end": None}
    error_of(alice_api.post("/api/v1/time-entries/", body), 409, "timer_already_running")


@pytest.mark.embedded
def test_stopping_the_timer_sets_the_end_and_durations(people: Any, catalog: Any, alice_api: Any) -> None:
    from etime.core.models import AuditEvent

    with time_machine.travel(NOW, tick=False):
        running = start(alice_api, catalog, project=str(catalog.support.pk)).json()
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        stopped = alice_api.post("/api/v1/timer/stop/")
    assert stopped.status_code == 200, stopped.json()
    body = stopped.json()
    assert body["id"] == running["id"] and body["end"] == "2026-03-02T08:31:00Z"
    assert body["duration_seconds"] == 31 * 60
    assert body["rounded_seconds"] == 45 * 60  # Support rounds up to 15 minutes; the raw duration is kept
    assert alice_api.get("/api/v1/timer/").json() == {"running": False, "entry": None}
    assert AuditEvent.objects.filter(action="time_entry.timer_stopped", object_id=running["id"]).exists()


def test_stopping_with_no_timer_is_timer_not_running(alice_api: Any, catalog: Any) -> None:
    error_of(alice_api.post("/api/v1/timer/stop/"), 409, "timer_not_running")


def test_timers_are_per_employee(catalog: Any, alice_api: Any, bob_api: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        assert start(alice_api, catalog).status_code == 201
        assert start(bob_api, catalog).status_code == 201


def test_a_timer_cannot_start_before_an_entry_already_logged_later(catalog: Any, alice_api: Any, entry: Any) -> None:
    later = entry(at(MONDAY, "14:00"), at(MONDAY, "15:00"))
    with time_machine.travel(NOW, tick=False):
        error = error_of(start(alice_api, catalog), 409, "time_entry_overlap")
    assert error["details"]["conflicts"][0]["id"] == str(later.pk)


def test_a_login_without_employee_record_has_no_timer(people: Any, token_client: Any, catalog: Any) -> None:
    api = token_client(people.admin)  # olivia has no employee record
    error_of(api.get("/api/v1/timer/"), 404, "not_found")


# --- overlong timers ----------------------------------------------------------------------------


def test_a_timer_past_the_limit_is_stopped_at_the_limit_flagged_and_the_employee_told(
    people: Any, catalog: Any, entry: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from etime.core.models import AuditEvent
    from timesheets.tasks import stop_overlong_timers

    overlong = entry(at(MONDAY, "08:00"), None)
    fresh = entry(at(MONDAY, "12:00"), None, employee=people.amir)
    with time_machine.travel(at(MONDAY, "20:15"), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert stop_overlong_timers.apply(kwargs={"limit_hours": 10}).get() == 1
    overlong.refresh_from_db()
    fresh.refresh_from_db()
    assert overlong.end == at(MONDAY, "18:00") and overlong.auto_stopped is True
    assert overlong.duration_seconds == 10 * 3600
    assert fresh.end is None and fresh.auto_stopped is False
    assert AuditEvent.objects.filter(action="time_entry.timer_auto_stopped", object_id=str(overlong.pk)).exists()
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert "10 hours" in mail.outbox[0].body and "Website" in mail.outbox[0].body


def test_an_employee_who_switched_off_timer_mail_still_has_the_timer_stopped_but_no_mail(
    people: Any, catalog: Any, entry: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from etime.ops.models import Notification, NotificationKind
    from etime.ops.notifications import preferences_set
    from timesheets.tasks import stop_overlong_timers

    preferences_set(user=people.alice.user, enabled=set(NotificationKind.values) - {NotificationKind.TIMER_RUNNING})
    mine = entry(at(MONDAY, "08:00"), None)
    entry(at(MONDAY, "08:00"), None, employee=people.amir)
    with time_machine.travel(at(MONDAY, "20:15"), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert stop_overlong_timers.apply(kwargs={"limit_hours": 10}).get() == 2
    mine.refresh_from_db()
    assert mine.auto_stopped is True
    assert [m.to for m in mail.outbox] == [["amir@example.com"]]
    records = {n.user_id: n for n in Notification.objects.filter(kind=NotificationKind.TIMER_RUNNING)}
    assert records[people.amir.user.pk].status == Notification.Status.SENT
    assert (records[people.alice.user.pk].status, records[people.alice.user.pk].reason) == (
        Notification.Status.SKIPPED,
        "switched off by the user",
    )


def test_stopping_overlong_timers_twice_changes_nothing_the_second_time(catalog: Any, entry: Any) -> None:
    from timesheets import services

    entry(at(MONDAY, "08:00"), None)
    with time_machine.travel(at(MONDAY, "23:00"), tick=False):
        assert len(services.timers_stop_overlong(limit=timedelta(hours=10))) == 1
        assert services.timers_stop_overlong(limit=timedelta(hours=10)) == []


def test_the_default_schedules_are_registered_for_beat(db: Any) -> None:
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    call_command("setup_periodic_tasks", stdout=io.StringIO())
    tasks = dict(PeriodicTask.objects.values_list("task", "kwargs"))
    # No limit of its own: the task takes ETIME_TIMER_LIMIT_HOURS unless an admin sets one.
    assert tasks["timesheets.stop_overlong_timers"] == "{}"
    assert "timesheets.send_daily_reminders" in tasks and "timesheets.send_approval_reminders" in tasks


def test_the_timer_limit_setting_stops_timers_at_its_limit(catalog: Any, entry: Any, settings: Any) -> None:
    from timesheets.tasks import stop_overlong_timers

    settings.ETIME_TIMER_LIMIT_HOURS = 3
    running = entry(at(MONDAY, "08:00"), None)
    with time_machine.travel(at(MONDAY, "10:59"), tick=False):
        assert stop_overlong_timers() == 0
    with time_machine.travel(at(MONDAY, "11:30"), tick=False):
        assert stop_overlong_timers() == 1
    running.refresh_from_db()
    assert running.end == at(MONDAY, "11:00")
