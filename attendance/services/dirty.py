"""The dirty set: employee-dates whose inputs changed and must be recomputed.

``mark_dirty`` is the one entry point (punches, plans, leave decisions and holiday edits all
call it, in their own transaction); a Celery task recomputes after commit. Rows carry a
``version`` that every re-mark increments, so a recomputation that read older inputs
never clears a newer mark (see services.recompute.recompute_dirty).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from attendance.models import DirtyDay
from etime.core import db

_CHUNK = 500


def _uuid_param(value: Any) -> Any:
    field = DirtyDay._meta.get_field("employee").target_field
    return field.get_db_prep_value(value if isinstance(value, UUID) else UUID(str(value)), connection)


def mark_dirty(pairs: Iterable[tuple[Any, date]], *, enqueue: bool = True) -> int:
    """Mark (employee id, date) pairs for recomputation; returns how many distinct pairs.

    Call inside the transaction that changed the inputs: the marks commit with the change,
    and the recompute task is enqueued only after that commit. Pairs are written in sorted
    order so that concurrent markers lock rows in the same order (no deadlocks).
    """
    unique = sorted({(e if isinstance(e, UUID) else UUID(str(e)), d) for e, d in pairs})
    if not unique:
        return 0
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            values = ", ".join(["(%s, %s, 1, %s)"] * len(chunk))
            params: list[Any] = []
            for employee_id, day in chunk:
                params += [_uuid_param(employee_id), connection.ops.adapt_datefield_value(day), now]
            # The table name is ours; every value is a bound parameter.
            cursor.execute(
                db.upsert_sql(
                    DirtyDay._meta.db_table,
                    ["employee_id", "date", "version", "marked_at"],
                    f"VALUES {values}",
                    conflict=["employee_id", "date"],
                    increment=["version"],
                    replace=["marked_at"],
                ),
                params,
            )
    if enqueue:
        enqueue_recompute()
    return len(unique)


def enqueue_recompute() -> None:
    """After commit, enqueue one recompute unless one is already waiting (a morning rush of
    punches costs one recompute per ETIME_ATTENDANCE_RECOMPUTE_DELAY_SECONDS, not one per
    punch): the waiting task claims every day marked before it starts."""
    transaction.on_commit(_enqueue_recompute_once)


def _enqueue_recompute_once() -> None:
    from attendance.tasks import RECOMPUTE_PENDING_KEY, recompute_dirty_days

    delay = settings.ETIME_ATTENDANCE_RECOMPUTE_DELAY_SECONDS
    # The mark expires on its own, so a task lost with its broker cannot stop recomputes
    # for long (beat's every-minute run covers the gap meanwhile).
    if cache.add(RECOMPUTE_PENDING_KEY, 1, timeout=delay + 300):
        recompute_dirty_days.apply_async(countdown=delay or None)


def pairs_for_punches(touched: Iterable[tuple[Any, datetime]]) -> set[tuple[Any, date]]:
    """The business dates a punch may count for: its local date and the days either side
    (a night shift's end belongs to the day before; an early check-in to the day after)."""
    touched = list(touched)
    if not touched:
        return set()
    from attendance.selectors import time_zones

    zones = time_zones(list({employee_id for employee_id, _ts in touched}))
    cache: dict[str, ZoneInfo] = {}
    pairs: set[tuple[Any, date]] = set()
    for employee_id, timestamp in touched:
        name = zones.get(employee_id, "UTC")
        tz = cache.get(name) or cache.setdefault(name, ZoneInfo(name))
        local = timestamp.astimezone(tz).date()
        pairs.update((employee_id, local + timedelta(days=offset)) for offset in (-1, 0, 1))
    return pairs


def mark_dirty_for_punches(touched: Iterable[tuple[Any, datetime]], *, enqueue: bool = True) -> int:
    return mark_dirty(pairs_for_punches(touched), enqueue=enqueue)


def mark_dirty_range(employee_ids: Iterable[Any], date_from: date, date_to: date, *, enqueue: bool = True) -> int:
    days = [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]
    return mark_dirty(((e, d) for e in employee_ids for d in days), enqueue=enqueue)
