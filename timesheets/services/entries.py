"""Writes for time tracking. Each service validates, runs in one transaction, writes its
audit event inside it and raises domain errors with stable codes (timesheets/errors.py).

Overlap (DESIGN §8). Entries are half-open ranges [start, end); a running timer has no
end and occupies everything after its start. A write that would overlap stored entries
of the same employee is refused with ``time_entry_overlap`` listing them, unless the
caller chose a resolution: ``merge`` (one entry over the union, descriptions joined in
start order), ``replace`` (the conflicts are deleted), ``keep_mine`` (the conflicts are
trimmed to the time outside the new entry) or ``keep_theirs`` (the new entry is trimmed
to the time outside the conflicts). Merge and replace move the conflicts' time onto the
new entry's project, task and billability, so they are refused with
``overlap_needs_choice`` when any conflict differs in one of those (issue #17: billable
hours never move silently); keeping one side and trimming the other is then the choice.
Refusal and resolution are both audited. Correctness under concurrency:

- PostgreSQL: the exclusion constraint ``timeentry_no_overlap`` (migration 0002) makes
  a stored overlap impossible. The check before the insert is for a helpful answer;
  when a concurrent writer wins the race, the insert fails on the constraint and that
  IntegrityError becomes the same 409 with the winner's entry.
- SQLite: no exclusion constraints, so the check and the write run in one write-locked
  transaction (``_serialize_writers``); the settings' IMMEDIATE transactions already
  take that lock at BEGIN.
- MariaDB/MySQL: no exclusion constraints either; ``_serialize_writers`` holds a lock per
  person (etime.core.db.xact_lock) around the check and the write. The one running timer
  per person is a unique key on a generated column (etime/core/db/mysql_schema.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts.models import Employee, User
from accounts.selectors import employee_for_user
from etime.core import audit, dates, db
from etime.core.access import Action, is_admin, may
from etime.core.errors import DomainError, NotFound, ValidationFailed, full_clean, validation_failed
from etime.core.zones import employee_zone
from etime.ops.models import Notification, NotificationKind
from etime.ops.notifications import lazy_text, notify
from timesheets import selectors
from timesheets.errors import (
    EntriesNotSaved,
    NotAllowed,
    OverlapNeedsChoice,
    PeriodLocked,
    TimeEntryOverlap,
    TimerAlreadyRunning,
    TimerNotRunning,
    TimesheetNotOpen,
)
from timesheets.models import (
    OVERLAP_CONSTRAINT,
    RUNNING_TIMER_CONSTRAINT,
    Client,
    DeletionReason,
    EntrySource,
    EntryStatus,
    Project,
    ProjectStatus,
    Rate,
    RateKind,
    RateLevel,
    ReminderKind,
    ReminderLog,
    ShortTimer,
    Task,
    TimeEntry,
    TimeEntryDeletion,
    TimerPreference,
    Timesheet,
    TimesheetStatus,
    make_sort_key,
    week_start_of,
)
from timesheets.representations import time_entry_data

MERGE = "merge"
REPLACE = "replace"
KEEP_MINE = "keep_mine"
KEEP_THEIRS = "keep_theirs"
RESOLUTIONS = (MERGE, REPLACE, KEEP_MINE, KEEP_THEIRS)
# What each resolution is called in audit actions (time_entry.<...>) and tombstones.
_RESOLVED_AS = {MERGE: "merged", REPLACE: "replaced", KEEP_MINE: "kept_mine", KEEP_THEIRS: "kept_theirs"}
# The fields a merge or replace would silently move the conflicts' time across.
KEPT_FIELDS = ("project", "task", "billable")
ENTRY_FIELDS = ("project", "task", "start", "end", "description", "billable")
# End-of-day reminders go out from this local hour on.
DEFAULT_REMINDER_HOUR = 17


# --- helpers ------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        gettext("The input is invalid: %(reason)s") % {"reason": message}, details={field: [message]}
    )


def _user(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


def _serialize_writers(employee_id: Any = None) -> None:
    """Where the schema cannot refuse overlapping entries itself, hold the person's
    time-entry lock (etime.core.db.xact_lock) from before the overlap check until the
    write commits: MariaDB/MySQL lock a row per person; on SQLite every write transaction
    is IMMEDIATE, and the lock's no-op write takes the database write lock even under a
    DEFERRED one. PostgreSQL needs nothing: its exclusion constraint settles races."""
    if not db.has_exclusion_constraints():
        db.xact_lock("time_entries", employee_id)


def _violated_constraint(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    text = str(exc)
    if RUNNING_TIMER_CONSTRAINT in text or f"{TimeEntry._meta.db_table}.employee_id" in text:
        return RUNNING_TIMER_CONSTRAINT  # SQLite names the columns of the partial unique index
    return None


def _simple_save(*, obj: Any, actor: Any, noun: str, extra: dict[str, Any] | None = None) -> Any:
    stored = type(obj).objects.filter(pk=obj.pk).first() if not obj._state.adding else None
    before = audit.snapshot(stored) if stored is not None else None
    full_clean(obj)
    try:
        with transaction.atomic():
            obj.save()
            after = {**audit.snapshot(obj), **(extra or {})}
            audit.record(
                actor=actor, action=f"{noun}.{'updated' if before else 'created'}", obj=obj, before=before, after=after
            )
    except IntegrityError as exc:
        raise ValidationFailed(
            gettext("The change conflicts with an existing record."),
            details={"non_field_errors": [str(exc).splitlines()[0]]},
        ) from None
    return obj


def delete_with_audit(*, obj: Any, actor: Any, noun: str) -> None:
    try:
        with transaction.atomic():
            before = audit.snapshot(obj)
            pk, label = obj.pk, obj._meta.label_lower
            obj.delete()
            audit.record(actor=actor, action=f"{noun}.deleted", object_type=label, object_id=pk, before=before)
    except ProtectedError:
        raise ValidationFailed(
            gettext("This %(thing)s is still in use (it has time entries or projects).")
            % {"thing": obj._meta.verbose_name},
            details={"non_field_errors": [gettext("Still referenced.")]},
        ) from None


# --- Clients, projects, tasks ---------------------------------------------------------------


def client_save(*, client: Client, actor: Any) -> Client:
    client.currency = (client.currency or "").strip().upper()
    client.country = (client.country or "").strip().upper()
    return _simple_save(obj=client, actor=actor, noun="client")


def project_save(
    *,
    project: Project,
    actor: Any,
    members: Iterable[Employee] | None = None,
    managers: Iterable[Employee] | None = None,
) -> Project:
    """Create or change a project; ``members`` and ``managers`` (each when given) replace
    the member list and the project managers (told of budget thresholds)."""
    with transaction.atomic():
        extra: dict[str, Any] = {}
        if members is not None:
            members = list(members)
            extra["members"] = sorted(str(m.pk) for m in members)
        if managers is not None:
            managers = list(managers)
            extra["managers"] = sorted(str(m.pk) for m in managers)
        _simple_save(obj=project, actor=actor, noun="project", extra=extra or None)
        if members is not None:
            project.members.set(members)
        if managers is not None:
            project.managers.set(managers)
    return project


def task_save(*, task: Task, actor: Any) -> Task:
    return _simple_save(obj=task, actor=actor, noun="task")


# --- Rates --------------------------------------------------------------------------------

_LEVEL_MODELS: dict[str, Any] = {
    RateLevel.TASK: Task,
    RateLevel.PROJECT: Project,
    RateLevel.CLIENT: Client,
    RateLevel.EMPLOYEE: Employee,
}


def _client_of(level: str, target: Any) -> Client | None:
    if level == RateLevel.TASK:
        return target.project.client
    if level == RateLevel.PROJECT:
        return target.client
    if level == RateLevel.CLIENT:
        return target
    return None


def rate_build(
    *,
    level: str,
    target_id: Any,
    amount: Decimal,
    effective_from: date,
    actor: Any = None,
    currency: str | None = None,
    kind: str = RateKind.BILLING,
) -> Rate:
    """A validated, unsaved rate (``rate_create`` saves it; the admin form validates with it)."""
    if level not in RateLevel.values:
        raise _invalid("level", gettext("Choose one of %(choices)s.") % {"choices": ", ".join(RateLevel.values)})
    if kind not in RateKind.values:
        raise _invalid("kind", gettext("Choose one of %(choices)s.") % {"choices": ", ".join(RateKind.values)})
    if kind == RateKind.COST and level != RateLevel.EMPLOYEE:
        raise _invalid("kind", gettext("Cost rates are an employee's internal cost: use level employee."))
    model = _LEVEL_MODELS[level]
    queryset = model.objects.all()
    if model is Task:
        queryset = queryset.select_related("project__client")
    elif model is Project:
        queryset = queryset.select_related("client")
    target = queryset.filter(pk=target_id).first() if target_id else None
    if target is None:
        raise _invalid("target", gettext("No %(level)s with this id.") % {"level": level})
    client = _client_of(level, target)
    currency = (currency or (client.currency if client else "")).upper()
    if not currency:
        raise _invalid("currency", gettext("An employee rate needs a currency."))
    if client is not None and currency != client.currency:
        raise _invalid("currency", gettext("Rates of this client are in %(currency)s.") % {"currency": client.currency})
    rate = Rate(
        kind=kind,
        level=level,
        amount=amount,
        currency=currency,
        effective_from=effective_from,
        created_by=_user(actor),
        **{level: target},
    )
    try:
        rate.full_clean()
    except ValidationError as exc:
        if any("unique" in str(m).lower() or "already" in str(m).lower() for m in exc.messages):
            raise _invalid(
                "effective_from", gettext("This target already has a rate from this date; add one for another date.")
            ) from None
        raise validation_failed(exc) from None
    return rate


def rate_create(
    *,
    level: str,
    target_id: Any,
    amount: Decimal,
    effective_from: date,
    actor: Any,
    currency: str | None = None,
    kind: str = RateKind.BILLING,
) -> Rate:
    """Add a rate to the history of a task, project, client or employee.

    Rates are never edited: a change is a new rate with a later ``effective_from``.
    Task, project and client rates are in the client's currency (the default); an
    employee rate needs its currency. Stored entries keep the rate they were given.
    """
    rate = rate_build(
        level=level,
        target_id=target_id,
        amount=amount,
        effective_from=effective_from,
        actor=actor,
        currency=currency,
        kind=kind,
    )
    try:
        with transaction.atomic():
            rate.save()
            audit.record(actor=actor, action="rate.created", obj=rate, after=audit.snapshot(rate))
    except IntegrityError:
        raise _invalid(
            "effective_from", gettext("This target already has a rate from this date; add one for another date.")
        ) from None
    return rate


def rate_delete(*, rate: Rate, actor: Any) -> None:
    """Remove a rate (a mistake). Entries that used it keep their stored rate."""
    delete_with_audit(obj=rate, actor=actor, noun="rate")


# --- Time entries: building blocks --------------------------------------------------------------


def _billable_default(project: Project, task: Task | None) -> bool:
    return project.billable and (task is None or task.billable)


def _validate_entry(entry: TimeEntry, *, check_project: bool) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("start", "end"):
        value = getattr(entry, name)
        if value is not None and timezone.is_naive(value):
            errors[name] = ["Give a time with a UTC offset, e.g. 2026-03-02T09:00:00+01:00."]
    if "start" not in errors and entry.start.year < 1970:
        errors["start"] = ["The start is too far in the past."]
    for name in ("start", "end"):
        value = getattr(entry, name)
        if name not in errors and value is not None and not dates.is_supported(value):
            errors[name] = [dates.MESSAGE]
    if not errors and entry.end is not None and entry.end <= entry.start:
        errors["end"] = ["The end must be after the start."]
    if entry.task_id is not None and entry.task is not None and entry.task.project_id != entry.project_id:
        errors["task"] = ["This task belongs to another project."]
    if check_project:
        if entry.project.status != ProjectStatus.ACTIVE:
            errors["project"] = [f"This project is {entry.project.get_status_display().lower()}; it takes no new time."]
        elif not selectors.may_log_time_on(employee=entry.employee, project=entry.project):
            errors["project"] = [f"{entry.employee.full_name} is not a member of this project."]
        if entry.task is not None and not entry.task.active and "task" not in errors:
            errors["task"] = ["This task is closed."]
    if len(entry.description) > 10_000:
        errors["description"] = ["At most 10,000 characters."]
    if errors:
        raise ValidationFailed(
            gettext("The input is invalid: %(reason)s") % {"reason": next(iter(errors.values()))[0]}, details=errors
        )


def _derive(entry: TimeEntry, *, reresolve: bool) -> None:
    """Fill the fields that follow from the others: date, rate snapshot, durations."""
    entry.date = selectors.local_date(entry.employee, entry.start)
    if reresolve:
        rate = selectors.resolve_rate(employee=entry.employee, project=entry.project, task=entry.task, day=entry.date)
        entry.rate_applied = rate.amount
        entry.rate_currency = rate.currency
        entry.rate_effective_date = rate.effective_date
        entry.rate_source = rate.source
        entry.cost_rate_applied = rate.cost_amount
        entry.cost_rate_currency = rate.cost_currency
    if entry.end is None:
        entry.duration_seconds = entry.rounded_seconds = None
    else:
        entry.duration_seconds = int((entry.end - entry.start).total_seconds())
        entry.rounded_seconds = entry.project.rounded(entry.duration_seconds)
    entry.sort_key = make_sort_key(entry.start, entry.id)


def _ensure_week_open(employee_id: Any, day: date) -> None:
    locked = Timesheet.objects.filter(
        employee_id=employee_id,
        week_start=week_start_of(day),
        status__in=(TimesheetStatus.SUBMITTED, TimesheetStatus.APPROVED),
    ).first()
    if locked is not None:
        raise PeriodLocked(
            f"The week of {locked.week_start} is {locked.status}; its time can no longer be changed.",
            details={"week_start": locked.week_start.isoformat(), "timesheet": str(locked.pk)},
        )


def _ensure_unlocked(entries: Iterable[TimeEntry]) -> None:
    locked = [str(e.pk) for e in entries if e.is_locked]
    if locked:
        raise PeriodLocked(details={"entries": locked})


Range = tuple[datetime, datetime | None]  # [start, end); None: open-ended (a running timer)


def _subtract(piece: Range, cuts: Iterable[Range]) -> list[Range]:
    """``piece`` minus the union of ``cuts``, as ranges in start order (empty pieces dropped)."""
    left: list[Range] = [piece]
    for cut_start, cut_end in cuts:
        kept: list[Range] = []
        for start, end in left:
            if start < cut_start:
                kept.append((start, cut_start if end is None else min(end, cut_start)))
            if cut_end is not None and (end is None or end > cut_end):
                kept.append((max(start, cut_end), end))
        left = kept
    return sorted((r for r in left if r[1] is None or r[1] > r[0]), key=lambda r: r[0])


def overlap_differences(entry: TimeEntry, conflict: TimeEntry) -> list[str]:
    """Which of project, task and billability ``conflict`` has other than ``entry``."""
    values = {
        "project": (entry.project_id, conflict.project_id),
        "task": (entry.task_id, conflict.task_id),
        "billable": (entry.billable, conflict.billable),
    }
    return [name for name in KEPT_FIELDS if values[name][0] != values[name][1]]


def overlap_choices(entry: TimeEntry, conflicts: list[TimeEntry]) -> list[str]:
    """The resolutions that can succeed: merge and replace only when no conflict differs
    in project, task or billability; nothing that changes a locked conflict; keep_theirs
    only when some of ``entry`` lies outside the conflicts."""
    choices: list[str] = []
    locked = any(c.is_locked for c in conflicts)
    if not locked and not any(overlap_differences(entry, c) for c in conflicts):
        choices += [MERGE, REPLACE]
    if not locked:
        choices.append(KEEP_MINE)
    if _subtract((entry.start, entry.end), [(c.start, c.end) for c in conflicts]):
        choices.append(KEEP_THEIRS)
    return choices


def _overlap_error(entry: TimeEntry, conflicts: list[TimeEntry], *, needs_choice: bool = False) -> TimeEntryOverlap:
    error = OverlapNeedsChoice if needs_choice else TimeEntryOverlap
    return error(
        details={
            "conflicts": [time_entry_data(c) for c in conflicts],
            "differences": {str(c.pk): overlap_differences(entry, c) for c in conflicts},
            "resolutions": overlap_choices(entry, conflicts),
        }
    )


def _audit_conflict(entry: TimeEntry, conflicts: list[TimeEntry], actor: Any) -> None:
    subject = entry.pk if not entry._state.adding or not conflicts else conflicts[0].pk
    audit.record(
        actor=actor,
        action="time_entry.overlap_detected",
        object_type=TimeEntry._meta.label_lower,
        object_id=subject,
        before={"conflicts": [audit.snapshot(c) for c in conflicts]},
        after={"attempted": audit.snapshot(entry)},
    )


def _merge_into(entry: TimeEntry, conflicts: list[TimeEntry]) -> None:
    """``entry`` becomes the union of itself and the conflicts (which all overlap it, so
    the union is one unbroken range); descriptions join in start order, each once."""
    pieces = sorted([*conflicts, entry], key=lambda e: e.start)
    entry.start = pieces[0].start
    ends = [p.end for p in pieces]
    entry.end = None if any(end is None for end in ends) else max(end for end in ends if end is not None)
    descriptions: list[str] = []
    for piece in pieces:
        text = piece.description.strip()
        if text and text not in descriptions:
            descriptions.append(text)
    entry.description = "\n".join(descriptions)


def _reshape(entry: TimeEntry, start: datetime, end: datetime | None) -> None:
    """Move ``entry`` to [start, end): its rate stays unless the local date changes
    (rates are resolved per day)."""
    old_date = entry.date
    entry.start, entry.end = start, end
    _derive(entry, reresolve=False)
    if entry.date != old_date:
        _derive(entry, reresolve=True)
        _ensure_week_open(entry.employee_id, entry.date)


def _piece_of(entry: TimeEntry, start: datetime, end: datetime | None) -> TimeEntry:
    """A new entry like ``entry`` (project, task, billability, description, rate) over
    [start, end): the second half of an entry split by a trim."""
    piece = TimeEntry(
        employee=entry.employee,
        project=entry.project,
        task=entry.task,
        start=entry.start,
        end=entry.end,
        date=entry.date,
        description=entry.description,
        billable=entry.billable,
        source=entry.source,
        auto_stopped=entry.auto_stopped,
        created_by=entry.created_by,
        rate_applied=entry.rate_applied,
        rate_currency=entry.rate_currency,
        rate_effective_date=entry.rate_effective_date,
        rate_source=entry.rate_source,
        cost_rate_applied=entry.cost_rate_applied,
        cost_rate_currency=entry.cost_rate_currency,
    )
    _reshape(piece, start, end)
    return piece


def _trim_conflicts(entry: TimeEntry, conflicts: list[TimeEntry]) -> list[TimeEntry]:
    """keep_mine: each conflict keeps only its time outside ``entry`` (deleted when none
    is left, split in two when ``entry`` lies inside it). Returns the entries written."""
    # Fresh, locked rows: a full save must not undo a concurrent approval or edit.
    conflicts = list(
        db.for_update(TimeEntry.objects.all(), of=("self",))
        .select_related("employee__location", "project__client", "task")
        .filter(pk__in=[c.pk for c in conflicts])
        .order_by("start")
    )
    _ensure_unlocked(conflicts)
    written: list[TimeEntry] = []
    emptied: list[TimeEntry] = []
    for conflict in conflicts:
        pieces = _subtract((conflict.start, conflict.end), [(entry.start, entry.end)])
        if not pieces:
            emptied.append(conflict)
            continue
        _reshape(conflict, *pieces[0])
        conflict.save()
        written.append(conflict)
        for start, end in pieces[1:]:
            piece = _piece_of(conflict, start, end)
            piece.save()
            written.append(piece)
    _delete_entries(emptied, reason="trimmed")
    return written


def _trim_entry(entry: TimeEntry, conflicts: list[TimeEntry]) -> list[TimeEntry]:
    """keep_theirs: ``entry`` keeps only its time outside the conflicts; when that is
    several ranges, ``entry`` takes the first and new entries the others (returned,
    unsaved, to be saved after ``entry``)."""
    pieces = _subtract((entry.start, entry.end), [(c.start, c.end) for c in conflicts])
    if not pieces:
        message = gettext("None of this entry's time lies outside the other entries; cancel instead.")
        raise _invalid("resolution", message)
    _reshape(entry, *pieces[0])
    _ensure_week_open(entry.employee_id, entry.date)
    return [_piece_of(entry, start, end) for start, end in pieces[1:]]


def _delete_entries(entries: list[TimeEntry], *, reason: str) -> None:
    TimeEntry.objects.filter(pk__in=[e.pk for e in entries]).delete()
    TimeEntryDeletion.objects.bulk_create(
        [TimeEntryDeletion(entry_id=e.pk, employee_id=e.employee_id, reason=reason) for e in entries]
    )


def _refuse_second_timer(entry: TimeEntry, conflicts: list[TimeEntry]) -> None:
    # A timer committed by someone else between our running-timer check and the overlap
    # check shows up as a conflict: it is still "a timer is running", not an overlap.
    if entry.end is None:
        running = next((c for c in conflicts if c.end is None), None)
        if running is not None:
            raise TimerAlreadyRunning(details={"entry": time_entry_data(running)})


def _store(
    entry: TimeEntry, *, actor: Any, resolution: str | None, action: str, before: dict[str, Any] | None
) -> TimeEntryOverlap | None:
    """Check and save ``entry`` inside the caller's transaction.

    Returns None when saved, or the error to raise when refused (the refusal is already
    audited; the caller raises after its transaction commits, so the audit event
    survives the refusal).
    """
    adding = entry._state.adding
    if entry.end is None:
        running = selectors.running_timer(employee_id=entry.employee_id, exclude_id=None if adding else entry.pk)
        if running is not None:
            raise TimerAlreadyRunning(details={"entry": time_entry_data(running)})
    _ensure_week_open(entry.employee_id, entry.date)
    exclude = [] if adding else [entry.pk]
    conflicts = selectors.conflicting_entries(
        employee_id=entry.employee_id, start=entry.start, end=entry.end, exclude_ids=exclude
    )
    _refuse_second_timer(entry, conflicts)
    if conflicts and resolution is None:
        _audit_conflict(entry, conflicts, actor)
        return _overlap_error(entry, conflicts)
    if conflicts and resolution in (MERGE, REPLACE) and any(overlap_differences(entry, c) for c in conflicts):
        # Merging or replacing would book the conflicts' time on this entry's project,
        # task or billability: only an explicit keep_mine / keep_theirs settles that.
        _audit_conflict(entry, conflicts, actor)
        return _overlap_error(entry, conflicts, needs_choice=True)
    attempted = audit.snapshot(entry)
    written: list[TimeEntry] = []
    extra: list[TimeEntry] = []
    try:
        with transaction.atomic():
            if conflicts:
                if resolution != KEEP_THEIRS:
                    _ensure_unlocked(conflicts)
                if resolution == MERGE:
                    old_start = entry.start
                    _merge_into(entry, conflicts)
                    _derive(entry, reresolve=entry.start != old_start)
                    _ensure_week_open(entry.employee_id, entry.date)
                if resolution in (MERGE, REPLACE):
                    _delete_entries(conflicts, reason=_RESOLVED_AS[resolution])
                elif resolution == KEEP_MINE:
                    written = _trim_conflicts(entry, conflicts)
                else:
                    extra = _trim_entry(entry, conflicts)
            entry.save()
            for piece in extra:
                piece.save()
    except IntegrityError as exc:
        if _violated_constraint(exc) not in (OVERLAP_CONSTRAINT, RUNNING_TIMER_CONSTRAINT):
            raise
        # A concurrent writer stored an entry in the way after our check: the database
        # refused ours. Answer as if our check had seen it.
        if entry.end is None:
            running = selectors.running_timer(employee_id=entry.employee_id, exclude_id=None if adding else entry.pk)
            if running is not None:
                raise TimerAlreadyRunning(details={"entry": time_entry_data(running)}) from None
        conflicts = selectors.conflicting_entries(
            employee_id=entry.employee_id, start=entry.start, end=entry.end, exclude_ids=exclude
        )
        _refuse_second_timer(entry, conflicts)
        _audit_conflict(entry, conflicts, actor)
        return _overlap_error(entry, conflicts)
    if conflicts:
        after = audit.snapshot(entry)
        if written or extra:
            after["pieces"] = [audit.snapshot(e) for e in (*written, *extra)]
        audit.record(
            actor=actor,
            action=f"time_entry.{_RESOLVED_AS[resolution or MERGE]}",
            obj=entry,
            before={"entry": before, "attempted": attempted, "conflicts": [audit.snapshot(c) for c in conflicts]},
            after=after,
        )
    else:
        audit.record(actor=actor, action=action, obj=entry, before=before, after=audit.snapshot(entry))
    return None


def _check_resolution(resolution: str | None) -> None:
    if resolution not in (None, *RESOLUTIONS):
        raise _invalid("resolution", gettext("Choose one of %(choices)s.") % {"choices": ", ".join(RESOLUTIONS)})


# --- Time entries: services ----------------------------------------------------------------


@db.retry_deadlocks()
def time_entry_create(
    *,
    employee: Employee,
    project: Project,
    start: datetime,
    actor: Any,
    end: datetime | None = None,
    task: Task | None = None,
    description: str = "",
    billable: bool | None = None,
    resolution: str | None = None,
    source: str = EntrySource.MANUAL,
    external_id: str = "",
) -> TimeEntry:
    """Record time for ``employee`` (the caller checked that ``actor`` may).

    Without ``end`` the entry is a running timer (one per employee). The rate in force
    on the start's local date is resolved and stored. Overlaps are refused with
    ``time_entry_overlap`` unless ``resolution`` is one of ``RESOLUTIONS``; merge and
    replace across another project, task or billability with ``overlap_needs_choice``.
    """
    _check_resolution(resolution)
    entry = TimeEntry(
        employee=employee,
        project=project,
        task=task,
        start=start,
        end=end,
        description=(description or "").strip(),
        billable=_billable_default(project, task) if billable is None else billable,
        source=source,
        external_id=external_id or "",
        created_by=_user(actor),
    )
    _validate_entry(entry, check_project=True)
    _derive(entry, reresolve=True)
    with transaction.atomic():
        _serialize_writers(employee.pk)
        refused = _store(entry, actor=actor, resolution=resolution, action="time_entry.created", before=None)
    if refused is not None:
        raise refused
    return entry


def _locked_entry(entry: TimeEntry) -> TimeEntry:
    # of=("self",): PostgreSQL cannot lock the nullable side of the join to the location.
    return (
        db.for_update(TimeEntry.objects.all(), of=("self",))
        .select_related("employee__location", "project__client", "task")
        .get(pk=entry.pk)
    )


def time_entry_update(*, entry: TimeEntry, actor: Any, resolution: str | None = None, **changes: Any) -> TimeEntry:
    """Change an entry. A new project, task or start re-resolves its rate; submitted,
    approved and invoiced entries refuse with ``period_locked``. ``billable=None`` means
    the project's and task's default (also applied when they change and billable is
    not given)."""
    unknown = set(changes) - set(ENTRY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown time entry fields: {sorted(unknown)}")
    _check_resolution(resolution)
    with transaction.atomic():
        _serialize_writers(entry.employee_id)
        entry = _locked_entry(entry)
        if entry.is_locked:
            raise PeriodLocked(details={"entries": [str(entry.pk)]})
        _ensure_week_open(entry.employee_id, entry.date)
        before = audit.snapshot(entry)
        default_billable = "billable" in changes and changes["billable"] is None
        if default_billable:
            del changes["billable"]
        changed = {name for name, value in changes.items() if getattr(entry, name) != value}
        if "description" in changes:
            changes["description"] = (changes["description"] or "").strip()
        for name, value in changes.items():
            setattr(entry, name, value)
        if default_billable or (changed & {"project", "task"} and "billable" not in changes):
            entry.billable = _billable_default(entry.project, entry.task)
        _validate_entry(entry, check_project=bool(changed & {"project", "task"}))
        _derive(entry, reresolve=bool(changed & {"project", "task", "start"}))
        refused = _store(entry, actor=actor, resolution=resolution, action="time_entry.updated", before=before)
    if refused is not None:
        raise refused
    return entry


def time_entry_delete(*, entry: TimeEntry, actor: Any) -> None:
    with transaction.atomic():
        _serialize_writers(entry.employee_id)
        entry = _locked_entry(entry)
        if entry.is_locked:
            raise PeriodLocked(details={"entries": [str(entry.pk)]})
        _ensure_week_open(entry.employee_id, entry.date)
        before = audit.snapshot(entry)
        pk = entry.pk
        _delete_entries([entry], reason="deleted")
        audit.record(
            actor=actor,
            action="time_entry.deleted",
            object_type=TimeEntry._meta.label_lower,
            object_id=pk,
            before=before,
        )


def time_entries_duplicate_day(
    *, employee: Employee, source_day: date, target_day: date, actor: Any
) -> tuple[int, int]:
    """Copy ``employee``'s finished entries of ``source_day`` to ``target_day`` at the same
    local wall-clock times (project, task, description, billable kept; rates resolved for
    the new day). Entries that would overlap time already on the target day, or whose
    project no longer takes time, are skipped. Returns (copied, skipped).

    A locked target week refuses with ``period_locked`` and nothing is copied."""
    tz = employee_zone(employee)
    _ensure_week_open(employee.pk, target_day)
    sources = list(
        TimeEntry.objects.filter(employee=employee, date=source_day, end__isnull=False)
        .select_related("project__client", "task")
        .order_by("start")
    )
    shift = target_day - source_day
    copied = skipped = 0
    with transaction.atomic():
        for source in sources:
            assert source.end is not None  # noqa: S101 - filtered above
            local_start = source.start.astimezone(tz).replace(tzinfo=None) + shift
            local_end = source.end.astimezone(tz).replace(tzinfo=None) + shift
            start, end = local_start.replace(tzinfo=tz), local_end.replace(tzinfo=tz)
            if selectors.conflicting_entries(employee_id=employee.pk, start=start, end=end):
                skipped += 1  # time already logged there wins; no overlap event for a copy
                continue
            try:
                time_entry_create(
                    employee=employee,
                    project=source.project,
                    task=source.task,
                    start=start,
                    end=end,
                    description=source.description,
                    billable=source.billable,
                    actor=actor,
                )
            except (TimeEntryOverlap, ValidationFailed):
                skipped += 1
            else:
                copied += 1
        audit.record(
            actor=actor,
            action="time_entry.day_duplicated",
            object_type=Employee._meta.label_lower,
            object_id=employee.pk,
            after={"from": source_day.isoformat(), "to": target_day.isoformat(), "copied": copied, "skipped": skipped},
        )
    return copied, skipped


# --- Timer --------------------------------------------------------------------------------


def timer_start(
    *,
    employee: Employee,
    project: Project,
    actor: Any,
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


def timer_stop(*, employee: Employee, actor: Any, at: datetime | None = None) -> TimeEntry | None:
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


def timer_continue(*, employee: Employee, entry: TimeEntry, actor: Any, resolution: str | None = None) -> TimeEntry:
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


def timer_preference_set(*, employee: Employee, short_timers: str, actor: Any) -> TimerPreference:
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


# --- Direct approval and invoicing -------------------------------------------------------------


def time_entries_approve(*, entries: list[TimeEntry], actor: Any) -> list[TimeEntry]:
    """A manager approves reports' entries directly (admins anyone's). Approved and
    invoiced entries stay as they are; running timers cannot be approved."""
    if not (is_admin(actor) or (isinstance(actor, User) and actor.is_manager_role)):
        raise NotAllowed(gettext("Only managers and administrators approve time."))
    foreign = [str(e.pk) for e in entries if not may(actor, e.employee, Action.MANAGE)]
    if foreign:
        raise NotAllowed(
            gettext("You may approve only the time of people who report to you."), details={"entries": foreign}
        )
    running = [str(e.pk) for e in entries if e.end is None]
    if running:
        raise ValidationFailed(gettext("Stop running timers before approving them."), details={"ids": running})
    approved: list[TimeEntry] = []
    with transaction.atomic():
        rows = TimeEntry.objects.select_for_update().filter(pk__in=[e.pk for e in entries]).order_by("sort_key")
        for entry in rows:
            if entry.status in (EntryStatus.DRAFT, EntryStatus.SUBMITTED):
                before = audit.snapshot(entry)
                entry.status = EntryStatus.APPROVED
                entry.save(update_fields=["status", "updated_at"])
                audit.record(
                    actor=actor, action="time_entry.approved", obj=entry, before=before, after=audit.snapshot(entry)
                )
            approved.append(entry)
    return approved


def time_entries_mark_invoiced(*, entries: QuerySet[TimeEntry], invoice_id: Any) -> int:
    """For billing, inside the transaction that issues the invoice (which has locked the
    rows and records the count in its own audit event): the approved, billable entries
    not yet on an invoice go on ``invoice_id`` and are locked, in one UPDATE (a large
    client's month is tens of thousands of entries; an id list could exceed the driver's
    parameter limit). Returns how many."""
    return entries.filter(status=EntryStatus.APPROVED, billable=True, invoice_id__isnull=True).update(
        status=EntryStatus.INVOICED, invoice_id=invoice_id, updated_at=timezone.now()
    )


def time_entries_release_invoice(*, invoice_id: Any) -> int:
    """For billing, inside the transaction that voids or credits the invoice (whose audit
    event records the count): its entries are approved and invoiceable again."""
    return TimeEntry.objects.filter(invoice_id=invoice_id, status=EntryStatus.INVOICED).update(
        status=EntryStatus.APPROVED, invoice_id=None, updated_at=timezone.now()
    )


# --- Weekly timesheets ----------------------------------------------------------------------


def _week_entries(timesheet: Timesheet) -> Any:
    return TimeEntry.objects.filter(
        employee_id=timesheet.employee_id, date__gte=timesheet.week_start, date__lte=timesheet.week_end
    )


def _set_entry_status(timesheet: Timesheet, *, from_status: str, to_status: str) -> list[str]:
    entries = _week_entries(timesheet).filter(status=from_status)
    ids = [str(pk) for pk in entries.values_list("pk", flat=True)]
    # updated_at moves too: integrators syncing with updated_since must see the change.
    entries.update(status=to_status, updated_at=timezone.now())
    return ids


def timesheet_submit(*, employee: Employee, week: date, actor: Any) -> Timesheet:
    """Submit ``employee``'s week (the ISO week holding ``week``) for their manager's
    approval. Its draft entries become submitted and locked until a decision."""
    from etime.core import approvals

    if not may(actor, employee, Action.ACT_AS):
        raise NotAllowed(gettext("You may submit only your own timesheet."))
    if employee.user_id is None:
        raise _invalid("employee", gettext("This employee has no login to submit as."))
    dates.ensure_supported(week=week)
    monday = week_start_of(week)
    with transaction.atomic():
        _serialize_writers(employee.pk)
        Timesheet.objects.get_or_create(employee=employee, week_start=monday)
        timesheet = (
            Timesheet.objects.select_for_update().select_related("employee").get(employee=employee, week_start=monday)
        )
        if timesheet.is_locked:
            raise TimesheetNotOpen(details={"status": timesheet.status, "timesheet": str(timesheet.pk)})
        if _week_entries(timesheet).filter(end__isnull=True).exists():
            raise _invalid("week", gettext("A timer is running in this week; stop it before submitting."))
        before = audit.snapshot(timesheet)
        entry_ids = _set_entry_status(timesheet, from_status=EntryStatus.DRAFT, to_status=EntryStatus.SUBMITTED)
        timesheet.status = TimesheetStatus.SUBMITTED
        timesheet.submitted_at = timezone.now()
        timesheet.decided_at = None
        timesheet.decided_by = None
        timesheet.comment = ""
        timesheet.save()
        approvals.submit(kind="timesheet", obj=timesheet, actor=actor)
        audit.record(
            actor=actor,
            action="timesheet.submitted",
            obj=timesheet,
            before=before,
            after={**audit.snapshot(timesheet), "entries": entry_ids},
        )
    return timesheet


def _decide(*, timesheet: Timesheet, actor: Any, decision: str, comment: str = "") -> Timesheet:
    from etime.core import approvals

    with transaction.atomic():
        timesheet = Timesheet.objects.select_for_update().get(pk=timesheet.pk)
        request = approvals.request_for(timesheet)
        if timesheet.status != TimesheetStatus.SUBMITTED or request is None:
            raise TimesheetNotOpen(
                gettext("This timesheet is not waiting for approval."), details={"status": timesheet.status}
            )
        approvals.decide(request=request, actor=actor, decision=decision, comment=comment)
    timesheet.refresh_from_db()
    return timesheet


def timesheet_approve(*, timesheet: Timesheet, actor: Any) -> Timesheet:
    """The approver (the employee's manager, per the approval levels) approves the week;
    its entries become approved and stay locked."""
    return _decide(timesheet=timesheet, actor=actor, decision="approve")


def timesheet_return(*, timesheet: Timesheet, actor: Any, comment: str) -> Timesheet:
    """Send the week back with a comment; its entries are drafts again."""
    comment = (comment or "").strip()
    if not comment:
        raise _invalid("comment", gettext("Say what needs changing."))
    return _decide(timesheet=timesheet, actor=actor, decision="return", comment=comment)


def _on_decided(timesheet: Any, actor: Any, *, status: str, entry_status: str, action: str, comment: str = "") -> None:
    timesheet = (
        db.for_update(Timesheet.objects.all(), of=("self",)).select_related("employee__user").get(pk=timesheet.pk)
    )
    before = audit.snapshot(timesheet)
    ids = _set_entry_status(timesheet, from_status=EntryStatus.SUBMITTED, to_status=entry_status)
    timesheet.status = status
    timesheet.decided_at = timezone.now()
    timesheet.decided_by = _user(actor)
    timesheet.comment = comment
    timesheet.save()
    audit.record(
        actor=actor, action=action, obj=timesheet, before=before, after={**audit.snapshot(timesheet), "entries": ids}
    )
    if status == TimesheetStatus.RETURNED:
        _notify_employee(
            timesheet.employee,
            NotificationKind.TIMESHEET_RETURNED,
            "timesheets/email/timesheet_returned.txt",
            subject=format_lazy(
                gettext_lazy("Your timesheet for the week of {week} was returned"),
                week=lazy_text(lambda: date_format(timesheet.week_start, "Y-m-d")),
            ),
            context={"timesheet": timesheet, "comment": comment, "actor": actor},
            link=_week_link(timesheet.week_start),
        )


def on_timesheet_approved(obj: Any, actor: Any) -> None:
    _on_decided(
        obj, actor, status=TimesheetStatus.APPROVED, entry_status=EntryStatus.APPROVED, action="timesheet.approved"
    )


def on_timesheet_returned(obj: Any, actor: Any, comment: str) -> None:
    _on_decided(
        obj,
        actor,
        status=TimesheetStatus.RETURNED,
        entry_status=EntryStatus.DRAFT,
        action="timesheet.returned",
        comment=comment,
    )


def on_timesheet_rejected(obj: Any, actor: Any, comment: str) -> None:
    # A week cannot be refused for good: rejecting sends it back like a return.
    _on_decided(
        obj,
        actor,
        status=TimesheetStatus.RETURNED,
        entry_status=EntryStatus.DRAFT,
        action="timesheet.rejected",
        comment=comment,
    )


# --- Mail and reminders ---------------------------------------------------------------------


def _recipient(employee: Employee) -> str | None:
    user = employee.user
    if user is not None and user.is_active and user.email:
        return user.email
    return employee.email or None


def _week_link(day: date) -> str:
    return f"{reverse('timesheets:week')}?week={week_start_of(day).isoformat()}"


def _notify_employee(
    employee: Employee, kind: str, template: str, *, subject: str | Promise, context: dict[str, Any], link: str = ""
) -> Notification | None:
    """Remind ``employee`` through ``etime.ops.notifications`` (recorded, honours the login's
    preferences, sent after commit). The employee record's address stands in when the login
    has none; an employee without a login is mailed there without preferences."""
    user = employee.user
    address = None if user is not None and user.email else (employee.email or None)
    if user is None and address is None:
        return None
    return notify(
        user, kind, subject, template=template, context={**context, "employee": employee}, address=address, link=link
    )


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


def timer_offline_action(
    *,
    action: str,
    employee: Employee,
    actor: Any,
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


# --- Week grid, bulk edit, copy last week (issue #23) ------------------------------------------


@dataclass(frozen=True)
class GridCell:
    """One changed cell of the week grid: the total ``seconds`` wanted for ``project`` /
    ``task`` on ``day`` (0: empty the cell). ``key`` names the cell in refusals."""

    key: str
    project: Project
    task: Task | None
    day: date
    seconds: int


def _refusal(exc: DomainError) -> dict[str, Any]:
    """A refusal as ``entries_not_saved`` lists it: the code (a grid rule's own code when it
    set one), the message, and for an overlap the conflicting entries' times."""
    item: dict[str, Any] = {"code": str(exc.details.get("code") or exc.code), "message": str(exc.message)}
    if isinstance(exc, TimeEntryOverlap):
        item["conflicts"] = [{"start": c["start"], "end": c["end"]} for c in exc.details.get("conflicts", [])]
    return item


def _grid_cell_save(*, employee: Employee, cell: GridCell, actor: Any) -> None:
    entries = list(
        TimeEntry.objects.filter(employee=employee, date=cell.day, project=cell.project, task=cell.task)
        .select_related("employee__location", "project__client", "task")
        .order_by("start")
    )
    if any(e.end is None for e in entries):
        raise ValidationFailed(
            gettext("The running timer is in this cell; stop it first."), details={"code": "cell_has_timer"}
        )
    if len(entries) > 1:
        raise ValidationFailed(
            gettext("This cell holds %(count)d entries with their own times; change them in the day's list.")
            % {"count": len(entries)},
            details={"code": "cell_has_several_entries"},
        )
    if entries:
        if cell.seconds == 0:
            time_entry_delete(entry=entries[0], actor=actor)
        else:
            time_entry_update(entry=entries[0], actor=actor, end=entries[0].start + timedelta(seconds=cell.seconds))
        return
    if cell.seconds == 0:
        return
    latest = selectors.day_latest_end(employee_id=employee.pk, day=cell.day)
    if latest is not None:
        start = latest
    else:
        start = datetime.combine(
            cell.day, selectors.day_start_time(employee=employee, day=cell.day), tzinfo=employee_zone(employee)
        )
    time_entry_create(
        employee=employee,
        project=cell.project,
        task=cell.task,
        start=start,
        end=start + timedelta(seconds=cell.seconds),
        actor=actor,
    )


def week_grid_save(*, employee: Employee, cells: list[GridCell], actor: Any) -> int:
    """Apply the week grid's changed cells in one transaction: all or nothing.

    A cell is the employee's entries of one project and task on one day. Empty (0) deletes
    the cell's entry; a duration on a cell with one entry keeps its start and moves its end;
    on an empty cell it creates an entry starting where the day's latest finished entry
    ends, or at the day's planned shift start (09:00 without a plan). A cell holding
    several entries, or the running timer, is refused: its times are the person's to
    change. Every write goes through the entry services (locks, overlap, membership,
    rates, audit). Refusals are collected per cell and raised together as
    ``entries_not_saved`` (``details.items``), after the whole transaction rolled back.
    Returns the number of cells written."""
    refused: dict[str, dict[str, Any]] = {}
    written = 0
    with transaction.atomic():
        for cell in sorted(cells, key=lambda c: (c.day, c.key)):
            try:
                _grid_cell_save(employee=employee, cell=cell, actor=actor)
            except DomainError as exc:
                refused[cell.key] = _refusal(exc)
            else:
                written += 1
        if refused:
            raise EntriesNotSaved(details={"items": refused})
    return written


def time_entries_bulk_update(*, employee: Employee, entry_ids: list[Any], actor: Any, **changes: Any) -> int:
    """Change project, task, billable and/or description of several of ``employee``'s
    entries in one transaction (all or nothing): each through ``time_entry_update`` (locks,
    membership, rates, audit). A new project without a task clears the task; a task
    implies its project. Refusals per entry id as ``entries_not_saved``."""
    unknown = set(changes) - {"project", "task", "billable", "description"}
    if unknown:
        raise TypeError(f"Unknown bulk fields: {sorted(unknown)}")
    if changes.get("task") is not None:
        changes["project"] = changes["task"].project
    elif "project" in changes and "task" not in changes:
        changes["task"] = None
    entries = list(
        TimeEntry.objects.filter(employee=employee, pk__in=entry_ids)
        .select_related("employee__location", "project__client", "task")
        .order_by("start")
    )
    if not entries:
        raise _invalid("entries", gettext("Select at least one entry."))
    refused: dict[str, dict[str, Any]] = {}
    with transaction.atomic():
        for entry in entries:
            if entry.end is None:
                message = gettext("The running timer is not changed here; stop it first.")
                refused[str(entry.pk)] = {"code": "cell_has_timer", "message": message}
                continue
            try:
                time_entry_update(entry=entry, actor=actor, **changes)
            except DomainError as exc:
                refused[str(entry.pk)] = _refusal(exc)
        if refused:
            raise EntriesNotSaved(details={"items": refused})
    return len(entries)


def time_entries_copy_week(*, employee: Employee, week_start: date, actor: Any) -> tuple[int, int]:
    """Copy the week before ``week_start``'s finished entries into its week, day by day at
    the same local times (``time_entries_duplicate_day``'s rules: overlapping or closed
    ones are skipped and counted). One transaction; a locked target week refuses it all
    with ``period_locked``. Returns (copied, skipped)."""
    monday = week_start_of(week_start)
    copied = skipped = 0
    with transaction.atomic():
        for offset in range(7):
            day = monday + timedelta(days=offset)
            done, left = time_entries_duplicate_day(
                employee=employee, source_day=day - timedelta(days=7), target_day=day, actor=actor
            )
            copied, skipped = copied + done, skipped + left
    return copied, skipped
