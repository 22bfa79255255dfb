"""My week's editable grid, bulk edit and "copy last week", and the calendar (issue #23).

The grid is one plain form (rows: project and task; columns: the week's days; cells: a
duration as typed, ``1:30``, ``1.5``/``1,5``, ``90m``). It works without JavaScript;
``static/timesheets/week-grid.js`` adds arrow-key moves between cells, "Add a row" and the
task picker per row. A save parses every changed cell in the reader's language, then
hands the cells to ``services.week_grid_save`` (one transaction: all or nothing) and shows
each refusal under its cell.

The calendar (``static/timesheets/calendar.js`` on the vendored FullCalendar) reads a JSON
feed of the person's entries and clock punches and writes through two JSON endpoints that
call the same entry services; an overlap answers 409 with the conflicts and the
resolutions the service offers, which the page shows in a dialog. Times cross the wire as
wall-clock times in the person's zone (no offset): the calendar runs in UTC mode so the
browser's own zone never shifts them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import get_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Employee
from etime.core.errors import DomainError
from etime.core.params import InvalidPageParameter, date_value
from etime.core.zones import employee_zone, today_for
from timesheets import selectors, services
from timesheets.durations import DurationError, format_duration, parse_duration
from timesheets.errors import EntriesNotSaved, TimeEntryOverlap
from timesheets.models import Project, Task, TimeEntry, week_start_of
from timesheets.views import report_copied

MAX_NEW_ROWS = 50


# --- the grid's rows and cells ---------------------------------------------------------------------


def _row_key(project_id: Any, task_id: Any) -> str:
    return f"{project_id}_{task_id or 'none'}"


def _cell_name(row_key: str, day: date) -> str:
    return f"cell_{row_key}_{day.isoformat()}"


def _uuid(value: str | None) -> UUID | None:
    try:
        return UUID(value or "")
    except ValueError:
        return None


def _pick(queryset: Any, raw: str | None) -> Any:
    """The row of ``queryset`` with the posted id, or None (also for a malformed id)."""
    pk = _uuid(raw)
    return queryset.filter(pk=pk).first() if pk is not None else None


def grid_context(
    employee: Employee,
    monday: date,
    entries: list[TimeEntry],
    *,
    posted: Any = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Rows of the grid for the week's entries (plus rows a refused save added), with the
    typed values kept after a refusal and each cell's error."""
    days = [monday + timedelta(days=n) for n in range(7)]
    errors = errors or {}
    rows: dict[str, dict[str, Any]] = {}
    seconds: dict[tuple[str, date], int] = defaultdict(int)
    counts: dict[tuple[str, date], int] = defaultdict(int)
    running: set[tuple[str, date]] = set()
    for entry in entries:
        key = _row_key(entry.project_id, entry.task_id)
        rows.setdefault(key, {"key": key, "project": entry.project, "task": entry.task})
        seconds[key, entry.date] += entry.duration_seconds or 0
        counts[key, entry.date] += 1
        if entry.end is None:
            running.add((key, entry.date))
    projects = {str(p.pk): p for p in selectors.project_list_loggable(employee=employee)}
    tasks = {str(t.pk): t for t in selectors.task_list_loggable(employee=employee)}
    new_rows: list[dict[str, Any]] = []
    for index in _new_row_indexes(posted):
        new_rows.append(
            {
                "index": index,
                "project": (posted or {}).get(f"new{index}_project", ""),
                "task": (posted or {}).get(f"new{index}_task", ""),
                "error": errors.get(f"new{index}"),
                "cells": [
                    {
                        "name": f"new{index}_{day.isoformat()}",
                        "value": (posted or {}).get(f"new{index}_{day.isoformat()}", ""),
                        "error": errors.get(f"new{index}_{day.isoformat()}"),
                        "day": day,
                    }
                    for day in days
                ],
            }
        )
    if not new_rows:
        new_rows.append(
            {
                "index": 0,
                "project": "",
                "task": "",
                "error": None,
                "cells": [{"name": f"new0_{day.isoformat()}", "value": "", "error": None, "day": day} for day in days],
            }
        )
    grid_rows = []
    for key, row in sorted(
        rows.items(),
        key=lambda kv: (
            kv[1]["project"].client.name,
            kv[1]["project"].name,
            kv[1]["task"].name if kv[1]["task"] else "",
        ),
    ):
        cells = []
        for day in days:
            name = _cell_name(key, day)
            shown = format_duration(seconds[key, day])
            cells.append(
                {
                    "name": name,
                    "day": day,
                    "was": shown,
                    "value": posted.get(name, shown) if posted is not None else shown,
                    "error": errors.get(name),
                    "several": counts[key, day] > 1,
                    "running": (key, day) in running,
                }
            )
        grid_rows.append({**row, "cells": cells, "total": sum(seconds[key, day] for day in days)})
    return {
        "grid_rows": grid_rows,
        "grid_new_rows": new_rows,
        "grid_projects": list(projects.values()),
        "grid_tasks": list(tasks.values()),
        "grid_days": days,
        "grid_errors": errors,
        "grid_decimal_example": "1,5" if get_format("DECIMAL_SEPARATOR") == "," else "1.5",
    }


def _new_row_indexes(posted: Any) -> list[int]:
    if posted is None:
        return []
    indexes = set()
    for name in posted:
        if name.startswith("new") and name.endswith("_project"):
            number = name[3 : -len("_project")]
            if number.isdigit() and int(number) < MAX_NEW_ROWS:
                indexes.add(int(number))
    return sorted(indexes)


def _me(request: HttpRequest) -> Employee:
    from timesheets.views import _me as me

    return me(request)


def _week_page(
    request: HttpRequest, employee: Employee, monday: date, *, posted: Any, errors: dict[str, str], status: int
) -> HttpResponse:
    from timesheets.views import _team_choices, _week_context

    context = _week_context(employee, monday)
    context.update({"read_only": False, "team": _team_choices(request, employee)})
    entries = [e for row in context["day_rows"] for e in row["entries"]]
    context.update(grid_context(employee, monday, entries, posted=posted, errors=errors))
    return render(request, "timesheets/week.html", context, status=status)


def _week_url(day: date) -> str:
    from timesheets.views import _week_url as url

    return url(day)


def _refusal_text(item: dict[str, Any], employee: Employee) -> str:
    """A refused cell's message in the reader's language (the service's codes decide)."""
    code = item.get("code")
    if code == "period_locked":
        return _("Locked: this week is submitted or approved, or the entry is approved or invoiced.")
    if code in ("time_entry_overlap", "overlap_needs_choice"):
        tz = employee_zone(employee)
        spans = []
        for conflict in item.get("conflicts", []):
            start = parse_datetime(conflict["start"] or "")
            end = parse_datetime(conflict["end"] or "") if conflict.get("end") else None
            if start is not None:
                spans.append(
                    f"{start.astimezone(tz):%H:%M}–{end.astimezone(tz):%H:%M}"
                    if end
                    else f"{start.astimezone(tz):%H:%M}–"
                )
        return _("Overlaps time already logged (%(spans)s); change it in the day's list or the calendar.") % {
            "spans": ", ".join(spans)
        }
    return str(item.get("message") or _("Refused."))


def _posted_week(request: HttpRequest, employee: Employee) -> date | None:
    """The Monday of the POSTed ``week`` (the person's current week without one); None, with
    the error shown, when it is malformed or out of range."""
    try:
        return week_start_of(date_value(request.POST.get("week"), "week") or today_for(employee))
    except InvalidPageParameter as exc:
        messages.error(request, exc.message)
        return None


@login_required
@require_POST
def week_grid_save(request: HttpRequest) -> HttpResponse:
    """Save the grid's changed cells (one transaction) or show each refusal under its cell."""
    employee = _me(request)
    monday = _posted_week(request, employee)
    if monday is None:
        return redirect("timesheets:week")
    days = {day.isoformat(): day for day in (monday + timedelta(days=n) for n in range(7))}
    separator = str(get_format("DECIMAL_SEPARATOR"))
    projects = {str(p.pk): p for p in selectors.project_list_loggable(employee=employee)}
    entry_projects = {
        str(p.pk): p
        for p in Project.objects.filter(
            pk__in=TimeEntry.objects.filter(employee=employee, date__in=list(days.values())).values("project_id")
        )
    }
    tasks = {
        str(t.pk): t for t in Task.objects.filter(project_id__in=[*projects, *entry_projects]).select_related("project")
    }
    errors: dict[str, str] = {}
    cells: list[services.GridCell] = []
    post = request.POST
    for name in post:
        if not name.startswith("cell_"):
            continue
        value = post.get(name, "")
        try:
            _prefix, project_id, task_id, iso = name.split("_")
        except ValueError:
            continue
        day = days.get(iso)
        project = projects.get(project_id) or entry_projects.get(project_id)
        task = tasks.get(task_id) if task_id != "none" else None
        if day is None or project is None or (task_id != "none" and (task is None or task.project_id != project.pk)):
            continue
        try:
            wanted = parse_duration(value, decimal_separator=separator)
            was = parse_duration(post.get(f"was_{name}", ""), decimal_separator=".")
        except DurationError as exc:
            errors[name] = exc.message
            continue
        if wanted != was:
            cells.append(services.GridCell(key=name, project=project, task=task, day=day, seconds=wanted))
    for index in _new_row_indexes(post):
        typed = {iso: post.get(f"new{index}_{iso}", "").strip() for iso in days}
        if not any(typed.values()):
            continue
        project = projects.get(post.get(f"new{index}_project", ""))
        task_id = post.get(f"new{index}_task", "")
        task = tasks.get(task_id) if task_id else None
        if project is None:
            errors[f"new{index}"] = _("Choose a project for this row.")
            continue
        if task_id and (task is None or task.project_id != project.pk or not task.active):
            errors[f"new{index}"] = _("This task belongs to another project.")
            continue
        for iso, value in typed.items():
            name = f"new{index}_{iso}"
            try:
                wanted = parse_duration(value, decimal_separator=separator)
            except DurationError as exc:
                errors[name] = exc.message
                continue
            if wanted:
                cells.append(services.GridCell(key=name, project=project, task=task, day=days[iso], seconds=wanted))
    if errors:
        return _week_page(request, employee, monday, posted=post, errors=errors, status=400)
    if not cells:
        messages.info(request, _("Nothing changed."))
        return redirect(_week_url(monday))
    try:
        written = services.week_grid_save(employee=employee, cells=cells, actor=request.user)
    except EntriesNotSaved as exc:
        errors = {key: _refusal_text(item, employee) for key, item in exc.details["items"].items()}
        messages.error(request, _("Nothing was saved: correct the marked cells."))
        return _week_page(request, employee, monday, posted=post, errors=errors, status=409)
    messages.success(request, ngettext("Saved %(count)d cell.", "Saved %(count)d cells.", written) % {"count": written})
    return redirect(_week_url(monday))


@login_required
@require_POST
def week_copy(request: HttpRequest) -> HttpResponse:
    """Copy last week's entries into this week (same local times; overlaps skipped)."""
    employee = _me(request)
    monday = _posted_week(request, employee)
    if monday is None:
        return redirect("timesheets:week")
    try:
        copied, skipped = services.time_entries_copy_week(employee=employee, week_start=monday, actor=request.user)
    except DomainError as exc:
        messages.error(request, _refusal_text({"code": exc.code, "message": exc.message}, employee))
        return redirect(_week_url(monday))
    done = ngettext("Copied %(copied)d entry from last week.", "Copied %(copied)d entries from last week.", copied)
    report_copied(request, copied, skipped, done, _("Last week has no finished entries to copy."))
    return redirect(_week_url(monday))


UNCHANGED = ""
NO_TASK = "none"


@login_required
@require_POST
def entries_bulk_edit(request: HttpRequest) -> HttpResponse:
    """Project, task, billable or description of the selected entries, all or nothing."""
    employee = _me(request)
    post = request.POST
    try:
        monday = week_start_of(date_value(post.get("week"), "week") or today_for(employee))
    except InvalidPageParameter as exc:
        messages.error(request, exc.message)
        return redirect("timesheets:week")
    ids = [pk for pk in (_uuid(v) for v in post.getlist("entries")) if pk is not None]
    if not ids:
        messages.error(request, _("Select at least one entry."))
        return redirect(_week_url(monday))
    changes: dict[str, Any] = {}
    project_id, task_id = post.get("project", UNCHANGED), post.get("task", UNCHANGED)
    if project_id:
        project = _pick(selectors.project_list_loggable(employee=employee), project_id)
        if project is None:
            messages.error(request, _("Choose a project you can log time on."))
            return redirect(_week_url(monday))
        changes["project"] = project
    if task_id == NO_TASK:
        changes["task"] = None
    elif task_id:
        task = _pick(selectors.task_list_loggable(employee=employee), task_id)
        if task is None or (project_id and str(task.project_id) != project_id):
            messages.error(request, _("This task belongs to another project."))
            return redirect(_week_url(monday))
        changes["task"] = task
    billable = post.get("billable", UNCHANGED)
    if billable in ("yes", "no"):
        changes["billable"] = billable == "yes"
    description = post.get("description", "").strip()
    if post.get("clear_description"):
        changes["description"] = ""
    elif description:
        changes["description"] = description
    if not changes:
        messages.info(request, _("Choose what to change for the selected entries."))
        return redirect(_week_url(monday))
    try:
        count = services.time_entries_bulk_update(employee=employee, entry_ids=ids, actor=request.user, **changes)
    except EntriesNotSaved as exc:
        entries = {str(e.pk): e for e in TimeEntry.objects.filter(pk__in=exc.details["items"].keys())}
        tz = employee_zone(employee)
        lines = []
        for pk, item in exc.details["items"].items():
            entry = entries.get(pk)
            label = f"{entry.start.astimezone(tz):%d.%m. %H:%M}" if entry else pk
            lines.append(f"{label}: {_refusal_text(item, employee)}")
        messages.error(request, _("Nothing was changed: %(reasons)s") % {"reasons": "; ".join(lines)})
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, ngettext("Changed %(count)d entry.", "Changed %(count)d entries.", count) % {"count": count}
        )
    return redirect(_week_url(monday))


# --- calendar ----------------------------------------------------------------------------------------


def _wall(moment: datetime, employee: Employee) -> str:
    """An instant as a wall-clock time in the person's zone, without offset (the calendar's form)."""
    return moment.astimezone(employee_zone(employee)).replace(tzinfo=None).isoformat(timespec="seconds")


def _from_wall(value: str | None, employee: Employee) -> datetime | None:
    """The calendar's wall-clock time (an optional trailing Z or offset is ignored: the
    calendar runs in UTC mode, so its "UTC" is the person's wall clock) as an aware datetime."""
    text = (value or "").strip()
    if len(text) < 16:
        return None
    try:
        naive = datetime.fromisoformat(text[:19] if len(text) >= 19 else text[:16])
    except ValueError:
        return None
    return naive.replace(tzinfo=employee_zone(employee))


def entry_event(entry: TimeEntry, employee: Employee) -> dict[str, Any]:
    title = entry.project.name + (f" · {entry.task.name}" if entry.task else "")
    if entry.description:
        title += f" — {entry.description.splitlines()[0]}"
    end = entry.end or timezone.now()
    editable = entry.end is not None and not entry.is_locked
    return {
        "id": str(entry.pk),
        "title": title,
        "start": _wall(entry.start, employee),
        "end": _wall(end, employee),
        "editable": editable,
        "classNames": ["ts-cal-entry", f"ts-cal-{entry.status}"] + ([] if editable else ["ts-cal-locked"]),
        "extendedProps": {"kind": "entry", "status": entry.get_status_display(), "running": entry.end is None},
    }


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    from django.urls import reverse

    employee = _me(request)
    language = (get_language() or "en").split("-")[0]
    today = timezone.now().astimezone(employee_zone(employee))
    try:
        initial = date_value(request.GET.get("date"), "date")
    except InvalidPageParameter:
        initial = None
    context = {
        "employee": employee,
        "calendar_locale": language if language in ("de", "fr", "it") else "",
        "first_day": int(get_format("FIRST_DAY_OF_WEEK")),
        "now": today.replace(tzinfo=None).isoformat(timespec="seconds"),
        "initial_date": (initial or today.date()).isoformat(),
        "time_zone": employee.effective_time_zone,
        "feed_url": reverse("timesheets:calendar_feed"),
        "create_url": reverse("timesheets:calendar_create"),
        "projects": selectors.project_list_loggable(employee=employee),
        "tasks": selectors.task_list_loggable(employee=employee),
        "week_url": reverse("timesheets:week"),
    }
    return render(request, "timesheets/calendar.html", context)


@login_required
@require_GET
def calendar_feed(request: HttpRequest) -> JsonResponse:
    """Entries (editable unless locked or running) and clock punches (read-only) between
    ``start`` and ``end`` (the calendar's visible days)."""
    employee = _me(request)
    try:
        first = date_value((request.GET.get("start") or "")[:10], "start")
        last = date_value((request.GET.get("end") or "")[:10], "end")
    except InvalidPageParameter as exc:
        return JsonResponse({"code": "validation_error", "message": str(exc.message)}, status=400)
    if first is None or last is None or last < first or (last - first).days > 62:
        return JsonResponse(
            {"code": "validation_error", "message": _("Give a start and an end at most 62 days apart.")}, status=400
        )
    entries = (
        TimeEntry.objects.filter(employee=employee, date__gte=first, date__lt=last)
        .select_related("project", "task")
        .order_by("start")
    )
    events = [entry_event(entry, employee) for entry in entries]
    tz = employee_zone(employee)
    starts = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    ends = datetime.combine(last, datetime.min.time(), tzinfo=tz)
    for punch in selectors.calendar_punches(user=request.user, employee=employee, start=starts, end=ends):
        label = {"in": _("Clock in"), "out": _("Clock out")}.get(punch.direction, _("Punch"))
        events.append(
            {
                "id": f"punch-{punch.pk}",
                "title": f"{label} {punch.timestamp.astimezone(tz):%H:%M}",
                "start": _wall(punch.timestamp, employee),
                "end": _wall(punch.timestamp + timedelta(minutes=10), employee),
                "editable": False,
                "startEditable": False,
                "durationEditable": False,
                "classNames": ["ts-cal-punch"],
                "extendedProps": {"kind": "punch"},
            }
        )
    return JsonResponse(events, safe=False)


def _json_refusal(exc: DomainError, employee: Employee) -> JsonResponse:
    body: dict[str, Any] = {"code": exc.code, "message": str(exc.message)}
    if isinstance(exc, TimeEntryOverlap):
        from timesheets.views import _difference_labels

        labels = _difference_labels()
        differences = exc.details.get("differences", {})
        conflicts = (
            TimeEntry.objects.filter(pk__in=[c["id"] for c in exc.details.get("conflicts", [])])
            .select_related("project", "task")
            .order_by("start")
        )
        body["conflicts"] = [
            {
                **entry_event(c, employee),
                "differs": [str(labels[n]) for n in differences.get(str(c.pk), [])],
                "locked": c.is_locked,
            }
            for c in conflicts
        ]
        body["resolutions"] = list(exc.details.get("resolutions", []))
    elif exc.code == "period_locked":
        body["message"] = _refusal_text({"code": exc.code}, employee)
    return JsonResponse(body, status=exc.status)


def _resolution(request: HttpRequest) -> str | None:
    value = request.POST.get("resolution") or None
    return value if value in services.RESOLUTIONS else None


def _times(request: HttpRequest, employee: Employee) -> tuple[datetime, datetime] | JsonResponse:
    start = _from_wall(request.POST.get("start"), employee)
    end = _from_wall(request.POST.get("end"), employee)
    if start is None or end is None:
        return JsonResponse({"code": "validation_error", "message": _("Give a start and an end.")}, status=400)
    return start, end


@login_required
@require_POST
def calendar_create(request: HttpRequest) -> JsonResponse:
    employee = _me(request)
    times = _times(request, employee)
    if isinstance(times, JsonResponse):
        return times
    project = _pick(selectors.project_list_loggable(employee=employee), request.POST.get("project"))
    if project is None:
        return JsonResponse({"code": "validation_error", "message": _("Choose a project.")}, status=400)
    task = None
    if request.POST.get("task"):
        task = _pick(selectors.task_list_loggable(employee=employee).filter(project=project), request.POST.get("task"))
        if task is None:
            return JsonResponse(
                {"code": "validation_error", "message": _("This task belongs to another project.")}, status=400
            )
    try:
        entry = services.time_entry_create(
            employee=employee,
            project=project,
            task=task,
            start=times[0],
            end=times[1],
            description=request.POST.get("description", ""),
            resolution=_resolution(request),
            actor=request.user,
        )
    except DomainError as exc:
        return _json_refusal(exc, employee)
    return JsonResponse(entry_event(entry, employee), status=201)


@login_required
@require_POST
def calendar_update(request: HttpRequest, entry_id: Any) -> JsonResponse:
    employee = _me(request)
    entry = TimeEntry.objects.select_related("project__client", "task").filter(pk=entry_id, employee=employee).first()
    if entry is None:
        raise Http404
    times = _times(request, employee)
    if isinstance(times, JsonResponse):
        return times
    if entry.end is None:
        return JsonResponse(
            {"code": "validation_error", "message": _("This is the running timer; stop it before editing.")}, status=400
        )
    try:
        saved = services.time_entry_update(
            entry=entry, start=times[0], end=times[1], resolution=_resolution(request), actor=request.user
        )
    except DomainError as exc:
        return _json_refusal(exc, employee)
    return JsonResponse(entry_event(saved, employee))
