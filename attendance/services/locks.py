"""Closed periods: an admin locks a date range; attendance in it can no longer change."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext

from attendance.errors import PeriodLocked
from attendance.models import PeriodLock
from etime.core import audit
from etime.core.errors import ValidationFailed
from etime.core.types import Actor, actor_user


def ensure_unlocked(date_from: date, date_to: date | None = None) -> None:
    """Raise ``period_locked`` when [date_from, date_to] (or the one date) overlaps a lock."""
    from attendance.selectors import lock_covering

    lock = lock_covering(date_from, date_to)
    if lock is not None:
        raise PeriodLocked(
            f"{lock.date_from.isoformat()} to {lock.date_to.isoformat()} is locked.",
            details={
                "lock": str(lock.pk),
                "locked_from": lock.date_from.isoformat(),
                "locked_to": lock.date_to.isoformat(),
            },
        )


def period_lock_create(*, date_from: date, date_to: date, note: str = "", actor: Actor) -> PeriodLock:
    """Lock [date_from, date_to]. Pending recomputations of locked days are dropped."""
    if date_to < date_from:
        raise ValidationFailed(
            gettext("The period ends before it starts."), details={"date_to": ["Must not be before date_from."]}
        )
    with transaction.atomic():
        lock = PeriodLock.objects.create(
            date_from=date_from,
            date_to=date_to,
            note=note[:200],
            locked_by=actor_user(actor),
        )
        audit.record(actor=actor, action="attendance_period.locked", obj=lock, after=audit.snapshot(lock))
    return lock


def period_lock_delete(*, lock: PeriodLock, actor: Actor) -> None:
    with transaction.atomic():
        before = audit.snapshot(lock)
        pk = lock.pk
        lock.delete()
        audit.record(
            actor=actor,
            action="attendance_period.unlocked",
            object_type="attendance.periodlock",
            object_id=pk,
            before=before,
        )
