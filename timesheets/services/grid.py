"""The week grid, bulk edit and copy last week (issue #23): many entries changed in one
transaction, each through the entry services (all or nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from accounts.models import Employee
from etime.core.errors import DomainError, ValidationFailed
from etime.core.types import Actor
from etime.core.zones import employee_zone
from timesheets import selectors
from timesheets.errors import EntriesNotSaved, TimeEntryOverlap
from timesheets.models import Project, Task, TimeEntry, week_start_of
from timesheets.services._common import _invalid
from timesheets.services.entries import (
    time_entries_duplicate_day,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
)


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


def _grid_cell_save(*, employee: Employee, cell: GridCell, actor: Actor) -> None:
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


def week_grid_save(*, employee: Employee, cells: list[GridCell], actor: Actor) -> int:
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


def time_entries_bulk_update(*, employee: Employee, entry_ids: list[Any], actor: Actor, **changes: Any) -> int:
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


def time_entries_copy_week(*, employee: Employee, week_start: date, actor: Actor) -> tuple[int, int]:
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
