"""The timer: start, stop and continue, the short-timer preference, timers left running
stopped at the limit, and starts and stops queued on a device while offline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from accounts.models import Employee
from etime.core import audit, db
from etime.core.errors import NotFound, ValidationFailed
from etime.core.types import Actor
from etime.ops.models import NotificationKind
from timesheets import selectors
from timesheets.errors import TimerNotRunning
from timesheets.models import DeletionReason, EntrySource, Project, ShortTimer, Task, TimeEntry, TimerPreference
from timesheets.services._common import (
    _delete_entries,
    _derive,
    _invalid,
    _locked_entry,
    _notify_employee,
    _serialize_writers,
    _week_link,
)
from timesheets.services.entries import time_entry_create


def timer_start(
    *,
    employee: Employee,
    project: Project,
    actor: Actor,
    task: Task | None = None,
    description: str = "",
    billable: bool | None = None,
    resolution: str | None = None,
    at: datetime | None = None,
) -> TimeEntry:
    """Start the employee's timer now (or ``at``: a start queued offline, already accepted by
    ``timer_offline_action``); ``timer_already_running`` if one runs."""
    start = at or timezone.now()
    # A timer stopped within its first minute is kept as a minute (TimerPreference "keep"),
    # so it ends a moment from now, and after rapid switches each kept minute starts where
    # the last one ended: a timer started at once begins after them instead of overlapping
    # (bench load found the 409; tests/drills/test_load_findings.py switches five times).
    just_stopped = (
        TimeEntry.objects.filter(
            employee=employee, source=EntrySource.TIMER, end__gt=start, end__lte=start + timedelta(hours=1)
        )
        .order_by("-end")
        .values_list("end", flat=True)
        .first()
    )
    return time_entry_create(
        employee=employee,
        project=project,
        task=task,
        start=just_stopped or start,
        end=None,
        description=description,
        billable=billable,
        resolution=resolution,
        source=EntrySource.TIMER,
        actor=actor,
    )


# A timer stopped within its first minute: stored as exactly a minute, or discarded, as its
# owner chose (TimerPreference). Never shorter: the forms edit times by the minute, so an
# entry of 40 seconds showed as 00:50–00:50 and could not be saved again (issue #23).
SHORT_TIMER = timedelta(minutes=1)


def timer_stop(*, employee: Employee, actor: Actor, at: datetime | None = None) -> TimeEntry | None:
    """Stop the running timer now (or ``at``: a stop queued offline); ``timer_not_running``.

    A timer that ran under a minute ends a minute after its start, or is deleted (tombstone
    reason ``discarded``) when the employee's preference says so; None is returned then."""
    with transaction.atomic():
        _serialize_writers(employee.pk)
        running = selectors.running_timer(employee_id=employee.pk)
        if running is None:
            raise TimerNotRunning()
        entry = _locked_entry(running)
        before = audit.snapshot(entry)
        end = at or timezone.now()
        if end - entry.start < SHORT_TIMER:
            if selectors.short_timers_of(employee_id=employee.pk) == ShortTimer.DISCARD:
                pk = entry.pk
                _delete_entries([entry], reason=DeletionReason.DISCARDED)
                audit.record(
                    actor=actor,
                    action="time_entry.timer_discarded",
                    object_type=TimeEntry._meta.label_lower,
                    object_id=pk,
                    before=before,
                )
                return None
            # The running timer holds all time after its start, so this minute is free.
            end = entry.start + SHORT_TIMER
        entry.end = end
        _derive(entry, reresolve=False)
        entry.save()
        audit.record(
            actor=actor, action="time_entry.timer_stopped", obj=entry, before=before, after=audit.snapshot(entry)
        )
    return entry


def timer_continue(*, employee: Employee, entry: TimeEntry, actor: Actor, resolution: str | None = None) -> TimeEntry:
    """Start a timer now on ``entry``'s project, task, description and billability (the ▶ on
    a past entry). A running timer is stopped first (a switch, as one write: both or
    neither). Only the employee's own entries; the usual start rules apply."""
    if entry.employee_id != employee.pk:
        raise NotFound()
    with transaction.atomic():
        if selectors.running_timer(employee_id=employee.pk) is not None:
            timer_stop(employee=employee, actor=actor)
        return timer_start(
            employee=employee,
            project=entry.project,
            task=entry.task,
            description=entry.description,
            billable=entry.billable,
            resolution=resolution,
            actor=actor,
        )


def timer_preference_set(*, employee: Employee, short_timers: str, actor: Actor) -> TimerPreference:
    """What stopping a timer within its first minute does for ``employee``: ``keep`` (a
    minute) or ``discard``."""
    if short_timers not in ShortTimer.values:
        raise _invalid("short_timers", gettext("Choose keep or discard."))
    with transaction.atomic():
        preference = TimerPreference.objects.select_for_update().filter(employee=employee).first()
        before = audit.snapshot(preference) if preference else None
        if preference is None:
            preference = TimerPreference(employee=employee)
        preference.short_timers = short_timers
        preference.save()
        audit.record(
            actor=actor,
            action="timer_preference.changed",
            obj=preference,
            before=before,
            after=audit.snapshot(preference),
        )
    return preference


def timer_limit() -> timedelta:
    return timedelta(hours=settings.ETIME_TIMER_LIMIT_HOURS)


def timers_stop_overlong(*, limit: timedelta | None = None, now: datetime | None = None) -> list[Any]:
    """Stop timers running longer than ``limit``, at the limit (start + limit), flag
    them ``auto_stopped`` and tell each employee by mail. Safe to run twice at once:
    rows are claimed with SKIP LOCKED and a stopped timer is no longer selected."""
    limit = limit or timer_limit()
    now = now or timezone.now()
    stopped: list[Any] = []
    with transaction.atomic():
        _serialize_writers()
        overdue = (
            db.for_update(TimeEntry.objects.all(), skip_locked=True, of=("self",))
            .select_related("employee__location", "employee__user", "project__client")
            .filter(end__isnull=True, start__lte=now - limit)
        )
        for entry in overdue:
            before = audit.snapshot(entry)
            entry.end = entry.start + limit
            entry.auto_stopped = True
            _derive(entry, reresolve=False)
            entry.save()
            audit.record(
                actor=None,
                action="time_entry.timer_auto_stopped",
                obj=entry,
                before=before,
                after=audit.snapshot(entry),
            )
            stopped.append(entry.pk)
            _notify_employee(
                entry.employee,
                NotificationKind.TIMER_RUNNING,
                "timesheets/email/timer_stopped.txt",
                subject=gettext_lazy("Your timer was stopped"),
                context={"entry": entry, "limit_hours": limit.total_seconds() / 3600, "project": entry.project},
                link=_week_link(entry.date),
            )
    return stopped


def timer_offline_action(
    *,
    action: str,
    employee: Employee,
    actor: Actor,
    data: dict[str, Any],
    recorded_at: datetime,
    device_now: datetime,
    last_contact_at: datetime | None,
    device_label: str,
) -> dict[str, Any]:
    """The ``timer_start``/``timer_stop`` offline actions (etime.core.registry): a timer
    started or stopped on a client device while it was offline, at the time it was recorded
    (``action``: ``start`` or ``stop``).

    The device's clock must pass the punch policy's clock rules (6a drift, 6b between the
    device's last contact and now; attendance.punch_policy), and the action be younger than
    ETIME_OFFLINE_MAX_AGE_HOURS (``offline_time_too_old``). ``data`` for a start is the
    timer form's ``project``, ``task`` and ``description``; a stop takes none.
    """
    from attendance import punch_policy
    from attendance.errors import OfflineTimeTooOld
    from attendance.services.offline import offline_clock, refusal

    clock = offline_clock(recorded_at=recorded_at, device_now=device_now, last_contact_at=last_contact_at)
    now = timezone.now()
    decision = punch_policy.decide_offline_clock(clock, now)
    if decision.outcome == punch_policy.Outcome.REFUSED:
        raise refusal(decision)
    at = decision.timestamp
    assert at is not None  # noqa: S101  (an accepted clock gives a time)
    if now - at > clock.max_age:
        raise OfflineTimeTooOld(details={"rule": "6d", "drift_seconds": decision.drift_seconds})
    if action == "stop":
        entry = timer_stop(employee=employee, actor=actor, at=at)
    else:
        project = selectors.project_list_loggable(employee=employee).filter(pk=_pk_or_none(data.get("project"))).first()
        if project is None:
            raise ValidationFailed(
                gettext("Choose a project you may log time on."), details={"project": [gettext("Unknown project.")]}
            )
        task = None
        if data.get("task"):
            task = (
                selectors.task_list_loggable(employee=employee)
                .filter(pk=_pk_or_none(data.get("task")), project=project)
                .first()
            )
            if task is None:
                raise ValidationFailed(
                    gettext("This task belongs to another project."), details={"task": [gettext("Unknown task.")]}
                )
        entry = timer_start(
            employee=employee,
            project=project,
            task=task,
            description=str(data.get("description") or "")[:10_000],
            actor=actor,
            at=at,
        )
    return {
        # A stop within the first minute may discard the entry (the person's choice): no id then.
        "outcome": f"timer_{'stopped' if action == 'stop' else 'started'}",
        "entry": str(entry.pk) if entry else None,
        "timestamp": at.isoformat(),
        "drift_seconds": decision.drift_seconds,
    }


def _pk_or_none(value: Any) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None
