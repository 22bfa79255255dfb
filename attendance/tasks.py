"""Celery tasks: ids in, one service call. Delivery may repeat; the services claim their work."""

from __future__ import annotations

import time

from celery import shared_task
from django.core.cache import cache

from attendance.services import close_days, recompute_dirty

# A task run stops claiming new batches after this long and hands the rest to a fresh
# task, so one run never nears the worker's hard time limit.
RUN_BUDGET_SECONDS = 120
# Set while a recompute task waits in the queue (services.dirty.enqueue_recompute).
RECOMPUTE_PENDING_KEY = "attendance:recompute-pending"


@shared_task(name="attendance.recompute_dirty_days")
def recompute_dirty_days() -> int:
    """Recompute the dirty set, batch by batch; re-enqueue itself if work remains."""
    # Dropped before claiming: a day marked from now on enqueues a task of its own.
    cache.delete(RECOMPUTE_PENDING_KEY)
    started = time.monotonic()
    total = 0
    while True:
        claimed = recompute_dirty()
        total += claimed
        if not claimed:
            return total
        if time.monotonic() - started > RUN_BUDGET_SECONDS:
            recompute_dirty_days.apply_async()
            return total


@shared_task(name="attendance.close_days")
def close_attendance_days() -> int:
    """Mark days that ended without a punch (absences) and provisional days that may now be final."""
    return close_days()


@shared_task(name="attendance.punch_partitions")
def punch_partitions() -> dict[str, list[str]]:
    """PostgreSQL: the punch partitions of the coming months, the default partition split by
    month, and the retention policy (attendance.partitions). Nothing to do on SQLite."""
    from django.utils import timezone

    from attendance import partitions

    result = partitions.maintain(now=timezone.now())
    return {"created": [f"{m:%Y-%m}" for m in result.created], "archived": [f"{m:%Y-%m}" for m in result.archived]}


@shared_task(name="attendance.punch_partitions_for")
def punch_partitions_for(months: list[str]) -> list[str]:
    """PostgreSQL: partitions for these months (ISO dates of their first days), queued by the
    punch writer for a batch that held months without one."""
    from datetime import date

    from attendance import partitions

    return [f"{m:%Y-%m}" for m in partitions.PUNCHES.ensure_months(date.fromisoformat(month) for month in months)]
