"""A day's status set by hand: an admin or the person's manager says what a day was (present
on a business trip without punches, absent despite a lent badge) with a reason. The
recompute keeps it (attendance.engine: ``EmployeeInputs.manual``) until it is cleared.

Both writes are audited, refused inside a locked period (``period_locked``), and recompute
the day at once, so the answer already shows the day as it now stands.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext

from accounts.models import Employee
from attendance.models import AttendanceDay, DayStatus, ManualDayStatus
from attendance.services.locks import ensure_unlocked
from etime.core import access, audit
from etime.core.errors import ValidationFailed
from etime.core.types import Actor, actor_user

# A missing punch is what the punches say, never a decision.
MANUAL_STATUSES = [s for s in DayStatus.values if s != DayStatus.MISSING_PUNCH]


def _ensure_may_manage(*, employee: Employee, actor: Actor) -> None:
    """Only an admin or the person's manager (never the person themselves) sets a day's
    status. The refusal writes nothing (like every authorization refusal: the API matrix in
    tests/security holds denied requests to no audit event)."""
    if not access.may(actor, employee, access.Action.MANAGE):
        raise access.ActingNotAllowed(access.MESSAGES[access.Action.MANAGE])


def _recompute_day(employee: Employee, day: date) -> AttendanceDay | None:
    from attendance.services.recompute import recompute

    recompute(employee_ids=[employee.pk], date_from=day, date_to=day)
    return AttendanceDay.objects.filter(employee=employee, date=day).first()


def day_status_set(*, employee: Employee, day: date, status: str, reason: str, actor: Actor) -> AttendanceDay | None:
    """Set ``employee``'s status on ``day`` by hand, replacing a manual status set before.

    Preconditions: ``actor`` manages ``employee`` (or is an admin); ``day`` is unlocked and
    within the employment. Returns the recomputed day."""
    _ensure_may_manage(employee=employee, actor=actor)
    errors: dict[str, list[str]] = {}
    if status not in MANUAL_STATUSES:
        errors["status"] = [gettext("Choose one of: %(choices)s.") % {"choices": ", ".join(MANUAL_STATUSES)}]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [gettext("Say why the status is set by hand.")]
    elif len(reason) > 500:
        errors["reason"] = [gettext("At most 500 characters.")]
    if (employee.hire_date and day < employee.hire_date) or (employee.end_date and day > employee.end_date):
        errors["date"] = [gettext("The person is not employed on this date.")]
    if errors:
        raise ValidationFailed(details=errors)
    with transaction.atomic():
        ensure_unlocked(day)
        existing = ManualDayStatus.objects.select_for_update().filter(employee=employee, date=day).first()
        before = audit.snapshot(existing) if existing else None
        manual = existing or ManualDayStatus(employee=employee, date=day)
        manual.status, manual.reason = status, reason
        manual.set_by = actor_user(actor)
        manual.save()
        audit.record(
            actor=actor, action="attendance_day.status_set", obj=manual, before=before, after=audit.snapshot(manual)
        )
        return _recompute_day(employee, day)


def day_status_clear(*, employee: Employee, day: date, actor: Actor) -> AttendanceDay | None:
    """Clear a manual status: the day is computed from its punches again. Clearing a day
    that has none changes nothing (and is not audited)."""
    _ensure_may_manage(employee=employee, actor=actor)
    with transaction.atomic():
        ensure_unlocked(day)
        existing = ManualDayStatus.objects.select_for_update().filter(employee=employee, date=day).first()
        if existing is not None:
            before = audit.snapshot(existing)
            pk = existing.pk
            existing.delete()
            audit.record(
                actor=actor,
                action="attendance_day.status_cleared",
                object_type="attendance.manualdaystatus",
                object_id=pk,
                before=before,
            )
        return _recompute_day(employee, day)
