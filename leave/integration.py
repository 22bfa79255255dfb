"""leave's side of the contract with attendance (DESIGN §1).

attendance declares providers that higher apps fill in; leave registers two:

- approved absences: ``fn(employee_ids, date_from, date_to) -> {(employee_id, date): "full" | "half"}``
  (leave.selectors.approved_absences);
- public holidays: ``fn(employee_ids, date_from, date_to) -> {(employee_id, date)}``
  (accounts.holidays.public_holidays; registered from here because accounts sits below
  attendance and cannot import it).

When a decision changes days, leave.services calls attendance's ``mark_dirty`` inside
the same transaction (attendance enqueues its recompute after the commit).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any


def absences_for_attendance(employee_ids: Iterable[Any], date_from: date, date_to: date) -> dict[tuple[Any, date], Any]:
    from attendance.providers import Absence
    from leave.selectors import approved_absences

    return {
        key: Absence(kind=code, full_day=full_day)
        for key, (code, full_day) in approved_absences(employee_ids, date_from, date_to).items()
    }


def register_with_attendance() -> None:
    from accounts.holidays import public_holidays
    from attendance import providers

    providers.register_absence_provider(absences_for_attendance)
    providers.register_holiday_provider(public_holidays)


def mark_attendance_dirty(pairs: list[tuple[Any, date]]) -> None:
    """Inside the deciding transaction (attendance's contract): the marks commit with the
    decision and attendance enqueues its recompute after the commit."""
    from attendance.services.dirty import mark_dirty

    mark_dirty(pairs)


def holiday_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A company day added or removed changes attendance on that date for everyone on its
    calendar (accounts cannot tell attendance itself: it sits below it)."""
    from accounts.models import Employee

    employees = Employee.objects.all()
    if instance.calendar_id is not None:
        calendar = instance.calendar
        employees = employees.filter(location__country=calendar.country, location__subdivision=calendar.subdivision)
    pairs = [(employee_id, instance.date) for employee_id in employees.values_list("pk", flat=True)]
    if pairs:
        mark_attendance_dirty(pairs)


def connect_holiday_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from accounts.models import Holiday

    post_save.connect(holiday_changed, sender=Holiday, dispatch_uid="leave.holiday_saved")
    post_delete.connect(holiday_changed, sender=Holiday, dispatch_uid="leave.holiday_deleted")
