"""Background work for time tracking (periodic and queued): ids and numbers in, one service call each.

Each is safe to run twice at once (Celery may deliver twice): the timer stop claims rows
with SKIP LOCKED, reminders claim a ReminderLog row before mailing, and an import claims
its Job.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from celery import shared_task

from timesheets import services


@shared_task(name="timesheets.stop_overlong_timers")
def stop_overlong_timers(limit_hours: float | None = None) -> int:
    limit = timedelta(hours=limit_hours) if limit_hours else None
    return len(services.timers_stop_overlong(limit=limit))


@shared_task(name="timesheets.send_daily_reminders")
def send_daily_reminders(hour: int | None = None) -> int:
    return services.reminders_send_daily(hour=hour)


@shared_task(name="timesheets.send_budget_alerts")
def send_budget_alerts() -> int:
    from timesheets import budgets

    return budgets.budget_alerts_send()


@shared_task(name="timesheets.send_approval_reminders")
def send_approval_reminders() -> int:
    return services.reminders_send_approvals()


@shared_task(name="timesheets.import_entries")
def import_entries(
    job_id: str, content: str, employee_id: str | None = None, dry_run: bool = False
) -> dict[str, Any] | None:
    """A large CSV import queued by ``POST /time-entries/import/`` (``content`` is the file,
    base64); progress and the report go to the Job. None when another delivery ran it."""
    from timesheets import imports

    return imports.import_job_run(
        job_id=job_id, content=base64.b64decode(content), employee_id=employee_id, dry_run=dry_run
    )
