"""Reminders: end of day to those who logged less than expected, weekly to managers with
timesheets waiting. Each goes out once, however often the task runs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail

from timesheets.tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def test_expected_minutes_fall_back_to_eight_hours_on_weekdays(people: Any) -> None:
    from timesheets.selectors import expected_minutes

    ids = [people.alice.pk, people.bob.pk]
    assert expected_minutes(employee_ids=ids, day=MONDAY) == {people.alice.pk: 480, people.bob.pk: 480}
    assert expected_minutes(employee_ids=ids, day=MONDAY + timedelta(days=5)) == {people.alice.pk: 0, people.bob.pk: 0}


def test_expected_minutes_are_zero_outside_employment(people: Any) -> None:
    from accounts.services import employee_update
    from timesheets.selectors import expected_minutes

    employee_update(employee=people.amir, end_date=date(2026, 2, 27), actor=people.admin)
    assert expected_minutes(employee_ids=[people.amir.pk], day=MONDAY) == {people.amir.pk: 0}


def run_daily(when: Any) -> int:
    from timesheets.tasks import send_daily_reminders

    with time_machine.travel(when, tick=False):
        return int(send_daily_reminders.apply(kwargs={"hour": 17}).get())


def test_end_of_day_reminder_goes_to_those_who_logged_less_than_expected_once(
    people: Any, entry: Any, django_capture_on_commit_callbacks: Any
) -> None:
    entry(at(MONDAY, "08:00"), at(MONDAY, "16:00"))  # alice: 8 h, enough
    entry(at(MONDAY, "09:00"), at(MONDAY, "11:00"), employee=people.amir)  # amir: 2 h
    with django_capture_on_commit_callbacks(execute=True):
        assert run_daily(at(MONDAY, "16:30")) == 0  # before 17:00 local: nobody yet
        sent = run_daily(at(MONDAY, "17:05"))
        again = run_daily(at(MONDAY, "18:05"))
    recipients = sorted(m.to[0] for m in mail.outbox)
    # Everyone else logged nothing: carla, bob, mona, dave are reminded too; alice is not.
    assert recipients == sorted(f"{n}@example.com" for n in ("amir", "bob", "carla", "dave", "mona"))
    assert sent == 5 and again == 0
    amir = next(m for m in mail.outbox if m.to == ["amir@example.com"])
    assert "2:00 of the 8:00 hours expected" in amir.body  # durations as h:mm (etime.core.formatting)


def test_no_end_of_day_reminder_on_a_weekend(people: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert run_daily(at(MONDAY + timedelta(days=5), "18:00")) == 0
    assert mail.outbox == []


def test_managers_are_reminded_weekly_of_timesheets_waiting_for_them(
    people: Any, entry: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from timesheets import services
    from timesheets.tasks import send_approval_reminders

    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), employee=people.amir)
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), employee=people.bob)
    for person in (people.alice, people.amir, people.bob):
        services.timesheet_submit(employee=person, week=MONDAY, actor=person.user)
    with (
        time_machine.travel(at(MONDAY + timedelta(days=7), "08:00"), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_approval_reminders.apply().get() == 2
        assert send_approval_reminders.apply().get() == 0  # once a day
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"bob@example.com", "carla@example.com"}
    assert "Alice Able" in by_recipient["bob@example.com"].body and "Amir Adept" in by_recipient["bob@example.com"].body
    assert "2 timesheets" in by_recipient["bob@example.com"].subject
    assert "Bob Boss" in by_recipient["carla@example.com"].body


def test_end_of_day_reminders_skip_who_switched_them_off_and_record_it(
    people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from etime.ops.models import Notification, NotificationKind
    from etime.ops.notifications import preferences_set

    preferences_set(user=people.amir.user, enabled=set(NotificationKind.values) - {NotificationKind.MISSING_TIME})
    with django_capture_on_commit_callbacks(execute=True):
        assert run_daily(at(MONDAY, "17:05")) == 5  # alice, bob, carla, dave, mona
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(f"{n}@example.com" for n in ("alice", "bob", "carla", "dave", "mona"))
    skipped = Notification.objects.get(user=people.amir.user)
    assert (skipped.kind, skipped.status, skipped.reason) == (
        NotificationKind.MISSING_TIME,
        Notification.Status.SKIPPED,
        "switched off by the user",
    )
    assert Notification.objects.filter(kind=NotificationKind.MISSING_TIME, status=Notification.Status.SENT).count() == 5


def test_a_manager_who_switched_off_approval_reminders_gets_none_while_others_do(
    people: Any, entry: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from etime.ops.models import Notification, NotificationKind
    from etime.ops.notifications import preferences_set
    from timesheets import services
    from timesheets.tasks import send_approval_reminders

    preferences_set(user=people.bob.user, enabled=set(NotificationKind.values) - {NotificationKind.APPROVALS_WAITING})
    for person in (people.alice, people.bob):
        entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), employee=person)
        services.timesheet_submit(employee=person, week=MONDAY, actor=person.user)
    with (
        time_machine.travel(at(MONDAY + timedelta(days=7), "08:00"), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_approval_reminders.apply().get() == 1
    assert [m.to for m in mail.outbox] == [["carla@example.com"]]
    skipped = Notification.objects.get(user=people.bob.user)
    assert (skipped.kind, skipped.status, skipped.reason) == (
        NotificationKind.APPROVALS_WAITING,
        Notification.Status.SKIPPED,
        "switched off by the user",
    )
