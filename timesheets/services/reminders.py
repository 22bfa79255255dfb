"""Reminder mail: time short of the expected at the end of the day, and timesheets waiting
for an approver; each at most once per person and day (ReminderLog)."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from accounts.models import Employee, User
from accounts.selectors import employee_for_user
from etime.core.zones import employee_zone
from etime.ops.models import Notification, NotificationKind
from etime.ops.notifications import lazy_text
from timesheets import selectors
from timesheets.models import ReminderKind, ReminderLog, Timesheet, TimesheetStatus
from timesheets.services._common import _notify_employee, _week_link

# End-of-day reminders go out from this local hour on.
DEFAULT_REMINDER_HOUR = 17


def _recipient(employee: Employee) -> str | None:
    user = employee.user
    if user is not None and user.is_active and user.email:
        return user.email
    return employee.email or None


def _shortfall_subject(day: date) -> str:
    return gettext("Your time for %(day)s") % {"day": date_format(day, "l, d F")}


def _approvals_subject(count: int) -> str:
    return ngettext(
        "%(n)s timesheet waiting for your approval", "%(n)s timesheets waiting for your approval", count
    ) % {"n": count}


def _queued(record: Notification | None) -> int:
    """1 when the reminder will be mailed (not skipped: switched off, no address)."""
    return int(record is not None and record.status == Notification.Status.QUEUED)


def _claim_reminder(kind: str, employee: Employee, day: date) -> bool:
    """Insert the reminder's row first: a second delivery of the task finds it and skips."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(kind=kind, employee=employee, day=day)
    except IntegrityError:
        return False
    return True


def reminders_send_daily(*, now: datetime | None = None, hour: int | None = None) -> int:
    """Mail employees who logged less than expected today, from ``hour`` (local) on.

    Runs often (hourly by default); each employee is reminded at most once per local
    day. Expected minutes come from ``selectors.expected_minutes``.
    """
    now = now or timezone.now()
    hour = DEFAULT_REMINDER_HOUR if hour is None else hour
    employees = [
        e for e in Employee.objects.select_related("location", "user").filter(user__is_active=True) if _recipient(e)
    ]
    by_day: dict[date, list[Employee]] = {}
    for employee in employees:
        local = now.astimezone(employee_zone(employee))
        if local.hour >= hour:
            by_day.setdefault(local.date(), []).append(employee)
    sent = 0
    for day, group in by_day.items():
        ids = [e.pk for e in group]
        expected = selectors.expected_minutes(employee_ids=ids, day=day)
        logged = selectors.logged_seconds(employee_ids=ids, day=day)
        for employee in group:
            want = expected.get(employee.pk, 0)
            have = logged.get(employee.pk, 0)
            if want <= 0 or have >= want * 60:
                continue
            with transaction.atomic():
                if not _claim_reminder(ReminderKind.DAILY_SHORTFALL, employee, day):
                    continue
                record = _notify_employee(
                    employee,
                    NotificationKind.MISSING_TIME,
                    "timesheets/email/daily_reminder.txt",
                    subject=lazy_text(partial(_shortfall_subject, day)),
                    context={"day": day, "logged_minutes": have // 60, "expected_minutes": want},
                    link=_week_link(day),
                )
                sent += _queued(record)
    return sent


def reminders_send_approvals(*, now: datetime | None = None) -> int:
    """Mail each approver who has timesheets waiting for them (the nearest manager of
    each requester, per ``approvals.approvers_for``), at most once a day."""
    from etime.core import approvals

    now = now or timezone.now()
    waiting: dict[Any, list[Any]] = {}
    approvers: dict[Any, User] = {}
    for request in approvals.pending_of_kind("timesheet"):
        for approver in approvals.approvers_for(request):
            approvers[approver.pk] = approver
            waiting.setdefault(approver.pk, []).append(request.object_id)
    sent = 0
    for approver_id, timesheet_ids in waiting.items():
        employee = employee_for_user(approvers[approver_id])
        timesheets = list(
            Timesheet.objects.filter(pk__in=timesheet_ids, status=TimesheetStatus.SUBMITTED)
            .select_related("employee")
            .order_by("week_start", "employee__last_name")
        )
        if employee is None or not timesheets:
            continue
        with transaction.atomic():
            if not _claim_reminder(ReminderKind.APPROVALS_WAITING, employee, now.date()):
                continue
            record = _notify_employee(
                employee,
                NotificationKind.APPROVALS_WAITING,
                "timesheets/email/approvals_reminder.txt",
                subject=lazy_text(partial(_approvals_subject, len(timesheets))),
                context={"timesheets": timesheets},
                link=reverse("inbox"),
            )
            sent += _queued(record)
    return sent
