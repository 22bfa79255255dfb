"""Periodic work for time tracking: ids and numbers in, one service call each.

Each is safe to run twice at once (Celery may deliver twice): the timer stop claims rows
with SKIP LOCKED, and reminders claim a ReminderLog row before mailing.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from timesheets import services


@shared_task(name="timesheets.stop_overlong_timers")
def stop_overlong_timers(limit_hours: float | None = None) -> int:
    limit = timedelta(hours=limit_hours) if limit_hours else None
    return len(services.timers_stop_overlong(limit=limit))


@shared_task(name="timesheets.send_daily_reminders")
def send_daily_reminders(hour: int | None = None) -> int:
    return services.reminders_send_daily(hour=hour)


@shared_task(name="timesheets.send_approval_reminders")
def send_approval_reminders() -> int:
    return services.reminders_send_approvals()
