"""Time entries: create, change, delete and duplicate, under the overlap rules.

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
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Employee
from etime.core import audit, dates, db
from etime.core.errors import ValidationFailed
from etime.core.types import Actor, actor_user
from etime.core.zones import employee_zone
from timesheets import selectors
from timesheets.errors import OverlapNeedsChoice, PeriodLocked, TimeEntryOverlap, TimerAlreadyRunning
from timesheets.models import (
    OVERLAP_CONSTRAINT,
    RUNNING_TIMER_CONSTRAINT,
    EntrySource,
    Project,
    ProjectStatus,
    Task,
    TimeEntry,
    Timesheet,
    TimesheetStatus,
    week_start_of,
)
from timesheets.representations import time_entry_data
from timesheets.services._common import (
    _delete_entries,
    _derive,
    _invalid,
    _locked_entry,
    _serialize_writers,
    _violated_constraint,
)

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


# --- Building blocks ----------------------------------------------------------------------


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


def _audit_conflict(entry: TimeEntry, conflicts: list[TimeEntry], actor: Actor) -> None:
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


def _refuse_second_timer(entry: TimeEntry, conflicts: list[TimeEntry]) -> None:
    # A timer committed by someone else between our running-timer check and the overlap
    # check shows up as a conflict: it is still "a timer is running", not an overlap.
    if entry.end is None:
        running = next((c for c in conflicts if c.end is None), None)
        if running is not None:
            raise TimerAlreadyRunning(details={"entry": time_entry_data(running)})


def _store(
    entry: TimeEntry, *, actor: Actor, resolution: str | None, action: str, before: dict[str, Any] | None
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


# --- Services -----------------------------------------------------------------------------


@db.retry_deadlocks()
def time_entry_create(
    *,
    employee: Employee,
    project: Project,
    start: datetime,
    actor: Actor,
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
        created_by=actor_user(actor),
    )
    _validate_entry(entry, check_project=True)
    _derive(entry, reresolve=True)
    with transaction.atomic():
        _serialize_writers(employee.pk)
        refused = _store(entry, actor=actor, resolution=resolution, action="time_entry.created", before=None)
    if refused is not None:
        raise refused
    return entry


def time_entry_update(*, entry: TimeEntry, actor: Actor, resolution: str | None = None, **changes: Any) -> TimeEntry:
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


def time_entry_delete(*, entry: TimeEntry, actor: Actor) -> None:
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
    *, employee: Employee, source_day: date, target_day: date, actor: Actor
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
