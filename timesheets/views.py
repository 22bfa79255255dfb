"""Time-tracking pages: the timer, my week (entries, totals, duplicate, submit), a team
member's week (read-only, for their managers), plus the header widget, nav links and
home panel registered in ``TimesheetsConfig.ready()``.

Pages work without JavaScript (forms, POST then redirect). Every write goes through
``timesheets.services``; a refused overlap re-renders the form with the conflicting
entries, marks those on another project or task or of other billability, and offers the
resolutions the service says can succeed (Merge / Replace only when nothing differs; Keep
mine / Keep theirs, which trim the other side) and Cancel; each resubmits the same form
with ``resolution``.
People see only their own entries here (anything else by URL is 404); managers may look
at a report's week, read-only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import Employee
from accounts.selectors import employee_for_user, employee_list_visible, signed_in_user
from etime.core import access
from etime.core.access import is_admin
from etime.core.errors import DomainError, ValidationFailed
from etime.core.params import InvalidPageParameter, date_param, date_value, uuid_param, week_param
from etime.core.zones import employee_zone, today_for
from timesheets import selectors, services
from timesheets.errors import OverlapNeedsChoice, TimeEntryOverlap
from timesheets.forms import EntryForm, TimerForm
from timesheets.models import Project, ProjectStatus, ShortTimer, TimeEntry, week_start_of

_RUNNING_CACHE = "_timesheets_running_timer"


# --- helpers ----------------------------------------------------------------------------------


def _me(request: HttpRequest) -> Employee:
    employee = employee_for_user(request.user)
    if employee is None:
        raise Http404
    return employee


def _tz(employee: Employee) -> ZoneInfo:
    return employee_zone(employee)


def _today(employee: Employee) -> date:
    return today_for(employee)


def running_timer_for(request: HttpRequest, employee: Employee) -> TimeEntry | None:
    """The employee's running timer, read once per request (header, panel and page share it)."""
    if not hasattr(request, _RUNNING_CACHE):
        running = (
            TimeEntry.objects.filter(employee_id=employee.pk, end__isnull=True)
            .select_related("project", "task")
            .first()
        )
        setattr(request, _RUNNING_CACHE, running)
    cached: TimeEntry | None = getattr(request, _RUNNING_CACHE)
    return cached


def _forget_running(request: HttpRequest) -> None:
    if hasattr(request, _RUNNING_CACHE):
        delattr(request, _RUNNING_CACHE)


def _elapsed_seconds(entry: TimeEntry | None) -> int:
    if entry is None:
        return 0
    return max(0, int((timezone.now() - entry.start).total_seconds()))


def _resolution(request: HttpRequest) -> str | None:
    value = request.POST.get("resolution") or None
    return value if value in services.RESOLUTIONS else None


def _put_errors(form: Any, exc: DomainError) -> None:
    """A service's refusal onto the form: field errors where the form has the field."""
    details = exc.details if isinstance(exc, ValidationFailed) else {}
    placed = False
    for name, problems in (details or {}).items():
        for problem in problems if isinstance(problems, list) else [problems]:
            form.add_error(name if name in form.fields else None, str(problem))
            placed = True
    if not placed:
        form.add_error(None, exc.message)


@dataclass
class Overlap:
    """A refused overlap as the conflict panel shows it."""

    entries: list[TimeEntry]
    resolutions: list[str]  # the choices that can succeed, from the service
    differs: bool  # some conflict is on another project or task, or of other billability
    needs_choice: bool  # merge or replace was asked for and refused for that reason


def _difference_labels() -> dict[str, str]:
    return {"project": _("other project"), "task": _("other task"), "billable": _("other billability")}


def _conflicts(exc: TimeEntryOverlap) -> Overlap:
    ids = [c["id"] for c in exc.details.get("conflicts", [])]
    differences = exc.details.get("differences", {})
    labels = _difference_labels()
    entries = list(TimeEntry.objects.filter(pk__in=ids).select_related("project__client", "task").order_by("start"))
    for entry in entries:
        entry.difference_labels = [labels[name] for name in differences.get(str(entry.pk), [])]  # type: ignore[attr-defined]
    return Overlap(
        entries=entries,
        resolutions=list(exc.details.get("resolutions", [])),
        differs=any(differences.values()),
        needs_choice=isinstance(exc, OverlapNeedsChoice),
    )


def _week_url(day: date) -> str:
    return f"{reverse('timesheets:week')}?week={week_start_of(day).isoformat()}"


def _own_entry(request: HttpRequest, entry_id: Any) -> tuple[Employee, TimeEntry]:
    employee = _me(request)
    entry = TimeEntry.objects.select_related("project__client", "task").filter(pk=entry_id, employee=employee).first()
    if entry is None:
        raise Http404
    return employee, entry


# --- chrome: header widget, nav links, home panel -----------------------------------------------


def header_widget(request: HttpRequest) -> str | None:
    """The running timer (ticking, with Stop) on every page, or one click to start again on
    the last project and task."""
    employee = employee_for_user(request.user)
    if employee is None:
        return None
    return _header_html(request, employee, next_url=request.get_full_path() if request.method == "GET" else "")


def _header_html(request: HttpRequest, employee: Employee, *, next_url: str) -> str:
    running = running_timer_for(request, employee)
    last = None
    if running is None:
        last = (
            TimeEntry.objects.filter(employee_id=employee.pk, project__status=ProjectStatus.ACTIVE)
            .select_related("project", "task")
            .order_by("-start")
            .first()
        )
    return render_to_string(
        "timesheets/_header_timer.html",
        {"running": running, "elapsed": _elapsed_seconds(running), "last": last, "next_url": next_url},
        request=request,
    )


@login_required
def header_timer(request: HttpRequest) -> HttpResponse:
    """The header's timer alone: another tab started or stopped the timer (timesheets.js)."""
    employee = _me(request)
    target = request.GET.get("next") or ""
    from django.utils.http import url_has_allowed_host_and_scheme

    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    response = HttpResponse(_header_html(request, employee, next_url=target))
    response["Cache-Control"] = "no-store"
    return response


def nav_links(request: HttpRequest) -> list[dict[str, Any]] | None:
    if employee_for_user(request.user) is None:
        return None
    return [
        {"label": _("Timer"), "url": reverse("timesheets:timer"), "order": 30, "testid": "nav-timer"},
        {"label": _("My week"), "url": reverse("timesheets:week"), "order": 31, "testid": "nav-week"},
        {"label": _("Calendar"), "url": reverse("timesheets:calendar"), "order": 32, "testid": "nav-calendar"},
    ]


def home_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Home page: the running timer and this week's hours against the expected hours."""
    employee = employee_for_user(request.user)
    if employee is None:
        return None
    monday = week_start_of(_today(employee))
    running = running_timer_for(request, employee)
    logged = selectors.week_logged_seconds(employee_id=employee.pk, week_start=monday)
    expected = sum(
        selectors.expected_minutes_range(
            employee=employee, date_from=monday, date_to=monday + timedelta(days=6)
        ).values()
    )
    percent = min(100, round(logged * 100 / (expected * 60))) if expected else 0
    return {
        "template": "timesheets/home_panel.html",
        "context": {
            "running": running,
            "elapsed": _elapsed_seconds(running),
            "logged_seconds": logged,
            "expected_seconds": expected * 60,
            "percent": percent,
            "week_start": monday,
        },
    }


# --- timer -----------------------------------------------------------------------------------


def _timer_page(
    request: HttpRequest, employee: Employee, form: TimerForm, *, conflicts: Any = None, status: int = 200
) -> HttpResponse:
    running = running_timer_for(request, employee)
    today = _today(employee)
    today_entries = [
        e for e in selectors.week_entries(employee_id=employee.pk, week_start=week_start_of(today)) if e.date == today
    ]
    context = {
        "employee": employee,
        "form": form,
        "running": running,
        "elapsed": _elapsed_seconds(running),
        "today": today,
        "today_entries": today_entries,
        "today_seconds": sum(e.duration_seconds or 0 for e in today_entries),
        "conflicts": conflicts,
        "time_zone": employee.effective_time_zone,
        "short_timers": selectors.short_timers_of(employee_id=employee.pk),
        "short_timer_choices": ShortTimer.choices,
    }
    return render(request, "timesheets/timer.html", context, status=status)


@login_required
def timer(request: HttpRequest) -> HttpResponse:
    employee = _me(request)
    running = running_timer_for(request, employee)
    initial = {}
    if running is None:
        # Start again where the last entry left off: the usual case is "same as before".
        last = TimeEntry.objects.filter(employee=employee).order_by("-start").values("project_id", "task_id").first()
        if last:
            initial = {"project": last["project_id"], "task": last["task_id"]}
    return _timer_page(request, employee, TimerForm(employee=employee, initial=initial))


@login_required
@require_POST
def timer_start(request: HttpRequest) -> HttpResponse:
    employee = _me(request)
    form = TimerForm(request.POST, employee=employee)
    if not form.is_valid():
        return _timer_page(request, employee, form, status=400)
    try:
        services.timer_start(
            employee=employee,
            project=form.cleaned_data["project"],
            task=form.cleaned_data["task"],
            description=form.cleaned_data["description"],
            resolution=_resolution(request),
            actor=request.user,
        )
    except TimeEntryOverlap as exc:
        return _timer_page(request, employee, form, conflicts=_conflicts(exc), status=409)
    except DomainError as exc:
        if exc.code in ("timer_already_running", "period_locked"):
            messages.error(request, exc.message)
            return redirect("timesheets:timer")
        _put_errors(form, exc)
        return _timer_page(request, employee, form, status=400)
    messages.success(request, _("Timer started."))
    return redirect(_next_or(request, "timesheets:timer"))


@login_required
@require_POST
def timer_stop(request: HttpRequest) -> HttpResponse:
    employee = _me(request)
    try:
        entry = services.timer_stop(employee=employee, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if entry is None:
            messages.success(request, _("Timer stopped within its first minute: discarded, as you chose."))
            _forget_running(request)
            return redirect(_next_or(request, "timesheets:timer"))
        minutes = (entry.duration_seconds or 0) // 60
        messages.success(request, _("Timer stopped: %(h)d:%(m)02d logged.") % {"h": minutes // 60, "m": minutes % 60})
    _forget_running(request)
    return redirect(_next_or(request, "timesheets:timer"))


@login_required
@require_POST
def timer_continue(request: HttpRequest, entry_id: Any) -> HttpResponse:
    """▶ on a past entry: a timer now on its project, task and description."""
    employee, entry = _own_entry(request, entry_id)
    try:
        services.timer_continue(employee=employee, entry=entry, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_next_or(request, "timesheets:timer"))
    messages.success(request, _("Timer started."))
    _forget_running(request)
    return redirect(_next_or(request, "timesheets:timer"))


@login_required
@require_POST
def timer_preference(request: HttpRequest) -> HttpResponse:
    employee = _me(request)
    try:
        services.timer_preference_set(
            employee=employee, short_timers=request.POST.get("short_timers") or "", actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Timer preference saved."))
    return redirect("timesheets:timer")


def _next_or(request: HttpRequest, default: str) -> str:
    """Back to the page the form was on (the header's Stop), if it is one of ours."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- my week -----------------------------------------------------------------------------------


def _week_context(employee: Employee, monday: date) -> dict[str, Any]:
    days = [monday + timedelta(days=n) for n in range(7)]
    entries = list(selectors.week_entries(employee_id=employee.pk, week_start=monday))
    by_day: dict[date, list[TimeEntry]] = defaultdict(list)
    day_seconds: dict[date, int] = defaultdict(int)
    projects: dict[Any, dict[str, Any]] = {}
    for entry in entries:
        by_day[entry.date].append(entry)
        seconds = entry.duration_seconds or 0
        day_seconds[entry.date] += seconds
        row = projects.setdefault(entry.project_id, {"project": entry.project, "days": defaultdict(int), "total": 0})
        row["days"][entry.date] += seconds
        row["total"] += seconds
    expected = selectors.expected_minutes_range(employee=employee, date_from=days[0], date_to=days[-1])
    project_rows = sorted(projects.values(), key=lambda r: (r["project"].client.name, r["project"].name))
    for row in project_rows:
        row["cells"] = [row["days"].get(day, 0) for day in days]
    timesheet = selectors.timesheet_for_week(employee_id=employee.pk, week_start=monday)
    today = _today(employee)
    return {
        "employee": employee,
        "week_start": monday,
        "week_end": days[-1],
        "previous_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7),
        "this_week": week_start_of(today),
        "today": today,
        "day_rows": [
            {
                "day": day,
                "entries": by_day.get(day, []),
                "seconds": day_seconds.get(day, 0),
                "expected_seconds": expected.get(day, 0) * 60,
                "is_today": day == today,
            }
            for day in days
        ],
        "project_rows": project_rows,
        "week_seconds": sum(day_seconds.values()),
        "expected_seconds": sum(expected.values()) * 60,
        "timesheet": timesheet,
        "locked": bool(timesheet and timesheet.is_locked),
        "has_running": any(e.end is None for e in entries),
        "time_zone": employee.effective_time_zone,
    }


def _week_param(request: HttpRequest, employee: Employee) -> date:
    return week_param(request, "week") or week_start_of(_today(employee))


def _team_choices(request: HttpRequest, me: Employee | None) -> list[Employee]:
    user = signed_in_user(request.user)
    if not (user.is_manager_role or is_admin(user)):
        return []
    visible = employee_list_visible(user=user)
    if me is not None:
        visible = visible.exclude(pk=me.pk)
    return list(visible.order_by("last_name", "first_name").only("id", "first_name", "last_name", "code"))


@login_required
def week(request: HttpRequest) -> HttpResponse:
    employee = _me(request)
    other = uuid_param(request, "employee")
    if other:  # the team picker (a GET form) names the person; their page has its own URL
        target = reverse("timesheets:employee_week", args=[other])
        monday = week_param(request, "week")
        return redirect(f"{target}?week={monday.isoformat()}" if monday else target)
    monday = _week_param(request, employee)
    context = _week_context(employee, monday)
    context.update({"read_only": False, "team": _team_choices(request, employee)})
    if not context["locked"]:
        from timesheets.week_views import grid_context

        entries = [e for row in context["day_rows"] for e in row["entries"]]
        context.update(grid_context(employee, monday, entries))
    return render(request, "timesheets/week.html", context)


@login_required
def employee_week(request: HttpRequest, employee_id: Any) -> HttpResponse:
    """A team member's week for their manager (read-only); anyone else gets 404."""
    me = employee_for_user(request.user)  # admins may have no employee record of their own
    employee = access.person_for(request.user, employee_id, access.Action.VIEW)
    if me is not None and employee.pk == me.pk:
        return redirect(f"{reverse('timesheets:week')}?{request.GET.urlencode()}")
    monday = _week_param(request, employee)
    context = _week_context(employee, monday)
    context.update({"read_only": True, "team": _team_choices(request, me)})
    return render(request, "timesheets/week.html", context)


@login_required
@require_POST
def week_submit(request: HttpRequest) -> HttpResponse:
    employee = _me(request)
    day = _date_or_none(request.POST.get("week"))
    if day is None:
        messages.error(request, _("Choose a week to submit."))
        return redirect("timesheets:week")
    try:
        services.timesheet_submit(employee=employee, week=day, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Week submitted for approval."))
    return redirect(_week_url(day))


@login_required
@require_POST
def duplicate_day(request: HttpRequest) -> HttpResponse:
    """Copy the previous day's entries to ``day`` (today by default)."""
    employee = _me(request)
    try:
        day = date_value(request.POST.get("day"), "day") or _today(employee)
    except InvalidPageParameter as exc:  # the day before 0001-01-01 overflowed into a 500
        messages.error(request, exc.message)
        return redirect("timesheets:week")
    try:
        copied, skipped = services.time_entries_duplicate_day(
            employee=employee, source_day=day - timedelta(days=1), target_day=day, actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        done = ngettext(
            "Copied %(copied)d entry from the day before.", "Copied %(copied)d entries from the day before.", copied
        )
        report_copied(request, copied, skipped, done, _("The day before has no finished entries to copy."))
    return redirect(_week_url(day))


def report_copied(request: HttpRequest, copied: int, skipped: int, done: str, nothing: str) -> None:
    """The message after copying entries (the day before, last week): ``done`` (a pattern
    with ``%(copied)d``) and how many were skipped, or ``nothing`` when the source had
    nothing to copy."""
    if not (copied or skipped):
        messages.info(request, nothing)
        return
    text = done % {"copied": copied}
    if skipped:
        text += " " + ngettext(
            "%(skipped)d skipped (overlapping or no longer open).",
            "%(skipped)d skipped (overlapping or no longer open).",
            skipped,
        ) % {"skipped": skipped}
    messages.success(request, text)


def _date_or_none(value: str | None) -> date | None:
    """A YYYY-MM-DD value as a date; None when missing, malformed or impossible."""
    try:
        return parse_date(value or "")
    except ValueError:
        return None


# --- entries -------------------------------------------------------------------------------


def _entry_page(
    request: HttpRequest, form: EntryForm, *, entry: TimeEntry | None = None, conflicts: Any = None, status: int = 200
) -> HttpResponse:
    day = form.initial.get("date") if not form.is_bound else None
    if form.is_bound and form.is_valid():
        day = form.cleaned_data["date"]
    cancel_day = day or (entry.date if entry else _today(form.employee))
    context = {
        "form": form,
        "entry": entry,
        "conflicts": conflicts,
        "cancel_url": _week_url(cancel_day),
        "time_zone": form.employee.effective_time_zone,
    }
    return render(request, "timesheets/entry_form.html", context, status=status)


def _resolved_message(resolution: str | None) -> str:
    return {
        services.MERGE: _("Entries merged."),
        services.REPLACE: _("Overlapping entries replaced."),
        services.KEEP_MINE: _("Entry saved; the overlapping entries were trimmed around it."),
        services.KEEP_THEIRS: _("Entry saved around the time already logged."),
    }.get(resolution or "", _("Entry saved."))


def _save_entry(request: HttpRequest, form: EntryForm, entry: TimeEntry | None) -> HttpResponse:
    if not form.is_valid():
        return _entry_page(request, form, entry=entry, status=400)
    start, end = form.times()
    fields = {
        "project": form.cleaned_data["project"],
        "task": form.cleaned_data["task"],
        "start": start,
        "end": end,
        "description": form.cleaned_data["description"],
    }
    try:
        if entry is None:
            saved = services.time_entry_create(
                employee=form.employee, actor=request.user, resolution=_resolution(request), **fields
            )
        else:
            saved = services.time_entry_update(
                entry=entry, actor=request.user, resolution=_resolution(request), **fields
            )
    except TimeEntryOverlap as exc:
        return _entry_page(request, form, entry=entry, conflicts=_conflicts(exc), status=409)
    except DomainError as exc:
        _put_errors(form, exc)
        return _entry_page(request, form, entry=entry, status=409 if exc.status == 409 else 400)
    messages.success(request, _resolved_message(_resolution(request)))
    return redirect(_week_url(saved.date))


@login_required
def entry_new(request: HttpRequest) -> HttpResponse:
    employee = _me(request)
    if request.method == "POST":
        return _save_entry(request, EntryForm(request.POST, employee=employee), None)
    day = date_param(request, "date") or _today(employee)
    return _entry_page(request, EntryForm(employee=employee, initial={"date": day}))


@login_required
def entry_edit(request: HttpRequest, entry_id: Any) -> HttpResponse:
    employee, entry = _own_entry(request, entry_id)
    if entry.end is None:
        messages.info(request, _("This is the running timer; stop it before editing."))
        return redirect("timesheets:timer")
    if entry.is_locked:
        messages.error(request, _("This entry is submitted, approved or invoiced and can no longer be changed."))
        return redirect(_week_url(entry.date))
    if request.method == "POST":
        return _save_entry(request, EntryForm(request.POST, employee=employee), entry)
    tz = _tz(employee)
    start: datetime = entry.start.astimezone(tz)
    end: datetime = entry.end.astimezone(tz)
    initial = {
        "date": start.date(),
        "start": start.time(),
        "end": end.time(),
        "project": entry.project_id,
        "task": entry.task_id,
        "description": entry.description,
    }
    return _entry_page(request, EntryForm(employee=employee, initial=initial), entry=entry)


@login_required
@require_POST
def entry_delete(request: HttpRequest, entry_id: Any) -> HttpResponse:
    _employee, entry = _own_entry(request, entry_id)
    try:
        services.time_entry_delete(entry=entry, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Entry deleted."))
    return redirect(_week_url(entry.date))


# --- A project's budget: where a budget alert links --------------------------------------------


@login_required
def project_budget(request: HttpRequest, project_id: Any) -> HttpResponse:
    """The project's hours and money budget, what is used of each, and the thresholds
    reached (the budget alerts its managers were sent). Its managers and admins; 404 else."""
    project = selectors.project_budget_visible(user=request.user, project_id=project_id)
    if project is None:
        raise Http404
    rows = selectors.budget_usage(projects=Project.objects.filter(pk=project.pk))
    return render(
        request,
        "timesheets/project_budget.html",
        {
            "project": project,
            "usage": rows[0] if rows else None,
            "alerts": project.budget_alerts.order_by("reached_at"),
        },
    )


# --- The inbox's page of a timesheet, and the command palette ---------------------------------


def approval_detail(request: HttpRequest, timesheet: Any) -> dict[str, Any]:
    """For the inbox (etime.core.registry.register_approval_detail): the week's entries by
    day, each day's logged time beside the time expected."""
    employee = timesheet.employee
    entries = list(selectors.week_entries(employee_id=employee.pk, week_start=timesheet.week_start))
    expected = selectors.expected_minutes_range(
        employee=employee, date_from=timesheet.week_start, date_to=timesheet.week_start + timedelta(days=6)
    )
    by_day: dict[date, list[TimeEntry]] = defaultdict(list)
    for entry in entries:
        by_day[entry.date].append(entry)
    days = []
    for offset in range(7):
        day = timesheet.week_start + timedelta(days=offset)
        seconds = sum(entry.duration_seconds or 0 for entry in by_day[day])
        days.append({"day": day, "entries": by_day[day], "seconds": seconds, "expected": expected.get(day, 0) * 60})
    return {
        "template": "timesheets/_approval_detail.html",
        "context": {
            "timesheet": timesheet,
            "days": days,
            "total": sum(d["seconds"] for d in days),
            "week_url": reverse("timesheets:employee_week", args=[employee.pk])
            + f"?week={timesheet.week_start.isoformat()}",
        },
    }


def palette_items(request: HttpRequest, query: str) -> list[dict[str, Any]]:
    """The command palette (etime.core.registry.register_palette_source): start the timer on
    a project or task I may log on, and go to my week."""
    employee = employee_for_user(request.user)
    if employee is None:
        return []
    items: list[dict[str, Any]] = []
    week_label = _("Go to my week")
    if not query or query.casefold() in week_label.casefold():
        items.append({"group": _("Go to"), "label": week_label, "url": reverse("timesheets:week")})
    if not query:
        return items
    start = _("Start timer on %(what)s")
    projects = selectors.project_list_loggable(employee=employee).filter(name__icontains=query)[:5]
    for project in projects:
        items.append(
            {
                "group": _("Timer"),
                "label": start % {"what": f"{project.client.name} · {project.name}"},
                "action": "timer_start",
                "data": {"project": str(project.pk), "task": None},
            }
        )
    tasks = selectors.task_list_loggable(employee=employee).filter(name__icontains=query)[:5]
    for task in tasks:
        items.append(
            {
                "group": _("Timer"),
                "label": start % {"what": f"{task.project.name} · {task.name}"},
                "action": "timer_start",
                "data": {"project": str(task.project_id), "task": str(task.pk)},
            }
        )
    return items
