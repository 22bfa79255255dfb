"""Default periodic tasks, declared in code in one place (CONVENTIONS "Periodic work").

Apps add theirs with ``register`` in AppConfig.ready(). ``manage.py setup_periodic_tasks``
creates the missing ones in django-celery-beat's tables on every deploy and leaves
existing rows alone, so schedules an admin edited in the admin survive a redeploy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DefaultSchedule:
    name: str
    task: str
    crontab: dict[str, str] | None = None  # minute, hour, day_of_week, day_of_month, month_of_year
    every_seconds: int | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""


_defaults: dict[str, DefaultSchedule] = {}


def register(schedule: DefaultSchedule) -> None:
    if (schedule.crontab is None) == (schedule.every_seconds is None):
        raise ValueError(f"{schedule.name}: give exactly one of crontab or every_seconds")
    _defaults[schedule.name] = schedule


def defaults() -> list[DefaultSchedule]:
    return list(_defaults.values())


register(
    DefaultSchedule(
        name="Purge expired idempotency records",
        task="core.purge_idempotency_records",
        crontab={"minute": "17", "hour": "3"},
        description="Deletes Idempotency-Key records older than ETIME_IDEMPOTENCY_TTL_HOURS.",
    )
)
