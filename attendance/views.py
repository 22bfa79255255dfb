"""Self-service attendance pages: my month (with a web punch), corrections and swaps, the
team register with downloads and the requests waiting for my decision."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.db.models.functions import TruncWeek
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from rest_framework.throttling import BaseThrottle

from accounts.models import Employee
from accounts.selectors import employee_for_user, signed_in_user
from attendance import providers, reports, selectors, services
from attendance.forms import CorrectionForm, ManualStatusForm, SwapForm
from attendance.models import (
    AttendanceDay,
    DayStatus,
    ManualDayStatus,
    Punch,
    PunchDirection,
    PunchSource,
    Regularisation,
    ShiftSwapRequest,
)
from etime.core import access, approvals, formatting, zones
from etime.core.access import is_admin
from etime.core.errors import DomainError
from etime.core.params import choice_param, date_param, month_param, uuid_param

KINDS = {"regularisation": Regularisation, "shift_swap": ShiftSwapRequest}


def _month(request: HttpRequest) -> Any:
    return month_param(request, "month") or timezone.localdate().replace(day=1)


def _month_nav(month: Any) -> dict[str, str]:
    return {
        "month": month.strftime("%Y-%m"),
        "previous": (month - timedelta(days=1)).replace(day=1).strftime("%Y-%m"),
        "next": (month + timedelta(days=32)).replace(day=1).strftime("%Y-%m"),
    }


def client_ip(request: HttpRequest) -> str:
    """The client's address as DRF's throttles see it: X-Forwarded-For honoured only through
    ETIME_NUM_PROXIES trusted proxies, else REMOTE_ADDR."""
    return str(BaseThrottle().get_ident(request)).strip()  # type: ignore[arg-type]


def _is_manager(user: Any) -> bool:
    return bool(is_admin(user) or getattr(user, "is_manager_role", False))


def nav_links(request: HttpRequest) -> list[dict[str, Any]]:
    links = [{"label": _("Attendance"), "url": reverse("attendance_mine"), "order": 20, "testid": "nav-attendance"}]
    if _is_manager(request.user):
        links += [
            {
                "label": _("Team today"),
                "url": reverse("attendance_team_today"),
                "order": 60,
                "testid": "nav-team-today",
            },
            {
                "label": _("Team register"),
                "url": reverse("attendance_team"),
                "order": 61,
                "testid": "nav-team-register",
            },
        ]
    return links


def clock_state(employee: Employee) -> tuple[Punch | None, bool]:
    """(the latest punch, clocked in now): in when the latest punch within the last 18 hours
    was an "in"."""
    last = (
        Punch.objects.filter(employee=employee, timestamp__gte=timezone.now() - timedelta(hours=18))
        .order_by("-timestamp")
        .first()
    )
    return last, bool(last and last.direction == PunchDirection.IN)


def geofence_policy(employee: Employee) -> str:
    """The clock forms' ``data-geofence``: whether the page asks for the phone's position."""
    return employee.location.geofence_policy if employee.location_id and employee.location else "off"


def home_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Home page: clock in/out, today's attendance, and this month's days and overtime trend
    (a table and, with JavaScript, a chart)."""
    employee = employee_for_user(request.user)
    if employee is None:
        return None
    zone = zones.employee_zone(employee)
    today = zones.today_in(zone)
    first = today.replace(day=1)
    month_days = list(
        AttendanceDay.objects.filter(employee=employee, date__gte=first, date__lte=today)
        .select_related("shift")
        .order_by("date")
    )
    day = next((d for d in month_days if d.date == today), None)
    shift = day.shift if day and day.shift else selectors.planned_shift(employee=employee, day=today)
    last_punch, clocked_in = clock_state(employee)
    # The day's row is written by the engine after the punch (a task): until then a punch
    # made today still shows as present, never beside "no punch yet".
    punched_today = bool(last_punch and last_punch.timestamp.astimezone(zone).date() == today)
    weeks_from = today - timedelta(days=7 * 8)
    overtime = [
        {
            "week": row["week"].date() if hasattr(row["week"], "date") else row["week"],
            "hours": round((row["minutes"] or 0) / 60, 1),
            "minutes": row["minutes"] or 0,
        }
        for row in AttendanceDay.objects.filter(employee=employee, date__gt=weeks_from, date__lte=today)
        .annotate(week=TruncWeek("date"))
        .values("week")
        .annotate(minutes=Sum("overtime_minutes"))
        .order_by("week")
    ]
    chart = {
        "labels": [d.date.strftime("%d") for d in month_days],
        "worked": [round(d.worked_minutes / 60, 2) for d in month_days],
        "overtime_labels": [row["week"].isoformat() for row in overtime],
        "overtime": [row["hours"] for row in overtime],
    }
    return {
        "template": "attendance/home_panel.html",
        "context": {
            "day": day,
            "shift": shift,
            "today": today,
            "month_days": month_days,
            "overtime": overtime,
            "chart": chart,
            "last_punch": last_punch,
            "clocked_in": clocked_in,
            "time_zone": employee.effective_time_zone,
            "punched_today": punched_today or clocked_in,
            "geofence": geofence_policy(employee),
        },
    }


@login_required
def my_attendance(request: HttpRequest) -> HttpResponse:
    employee = employee_for_user(request.user)
    month = _month(request)
    first, last = reports.month_bounds(month)
    days: list[AttendanceDay] = []
    totals = reports.Totals()
    if employee is not None:
        days = list(
            AttendanceDay.objects.filter(employee=employee, date__gte=first, date__lte=last)
            .select_related("shift")
            .order_by("date")
        )
        totals = reports.summary(
            selectors.employees_visible(user=request.user).filter(pk=employee.pk), first, last
        ).get(employee.pk, reports.Totals())
    context = {
        "employee": employee,
        "days": days,
        "totals": totals.as_dict(),
        "time_zone": employee.effective_time_zone if employee else "UTC",
        "corrections": Regularisation.objects.filter(employee=employee).order_by("-created_at")[:10]
        if employee
        else [],
        "swaps": selectors.swaps_visible(user=request.user).filter(requester=employee).order_by("-created_at")[:10]
        if employee
        else [],
        "calendar": month_calendar(month, days),
        "today": zones.today_for(employee),
        "geofence": geofence_policy(employee) if employee else "off",
        **_month_nav(month),
    }
    return render(request, "attendance/my_attendance.html", context)


@login_required
@require_POST
def punch_now(request: HttpRequest) -> HttpResponse:
    """A web clock-in/out: a punch with source ``web`` at the server's time."""
    employee = employee_for_user(request.user)
    if employee is None:
        raise Http404
    direction = request.POST.get("direction", PunchDirection.UNKNOWN)
    if direction not in PunchDirection.values:
        return HttpResponseBadRequest(_("Unknown direction."))
    back = "home" if request.POST.get("next") == "home" else "attendance_mine"
    try:
        # The punch policy (in the service) checks the location's networks and geofence
        # (static/js/geofence.js sends the position) and stamps the time.
        position = services.parse_position(*(request.POST.get(k) for k in ("latitude", "longitude", "accuracy_m")))
        punch = services.punch_create(
            employee=employee,
            source=PunchSource.WEB,
            actor=request.user,
            direction=direction,
            address=client_ip(request),
            position=position,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        local = punch.timestamp.astimezone(ZoneInfo(employee.effective_time_zone))
        labels: dict[str, str] = {PunchDirection.IN: _("Clocked in"), PunchDirection.OUT: _("Clocked out")}
        label = labels.get(direction, _("Punch recorded"))
        messages.success(request, _("%(what)s at %(time)s.") % {"what": label, "time": formatting.time_local(local)})
        if punch.geofence_flagged:
            messages.warning(
                request,
                _("Your position was outside your work location or unknown: the punch is flagged for your manager."),
            )
    return redirect(back)


@login_required
def correction_new(request: HttpRequest) -> HttpResponse:
    employee = employee_for_user(request.user)
    if employee is None:
        raise Http404
    # Without a day (the page's button) the form proposes today where the person is.
    day = date_param(request, "date") or zones.today_for(employee)
    form = CorrectionForm(request.POST or None, initial={"date": day})
    if request.method == "POST" and form.is_valid():
        try:
            services.regularisation_request(
                employee=employee,
                day=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                kind=form.cleaned_data["kind"],
                items=form.items(ZoneInfo(employee.effective_time_zone)),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Correction requested; your manager will decide."))
            return redirect("attendance_mine")
    return render(request, "attendance/correction_form.html", {"form": form})


@login_required
def swap_new(request: HttpRequest) -> HttpResponse:
    employee = employee_for_user(request.user)
    if employee is None:
        raise Http404
    try:
        services.swaps_allowed()
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("attendance_mine")
    form = SwapForm(request.POST or None, partners=selectors.swap_partners(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.swap_request(
                requester=employee,
                counterpart=form.cleaned_data["counterpart"],
                day=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Swap requested; your colleague agrees first, then your manager decides."))
            return redirect("attendance_mine")
    return render(request, "attendance/swap_form.html", {"form": form})


@login_required
def team(request: HttpRequest) -> HttpResponse:
    """The register of everyone the user may see, and the requests waiting for them."""
    month = _month(request)
    department = uuid_param(request, "department")
    employees = selectors.employees_visible(user=request.user)
    if department is not None:
        employees = employees.filter(department_id=department)
    register = reports.monthly_register(employees=employees, month=month)
    user = signed_in_user(request.user)
    pending = approvals.summaries(approvals.pending_for(user, kinds=list(KINDS)).order_by("created_at")[:50])
    context = {
        "register": register,
        "legend": reports.LEGEND,
        "department": department or "",
        "pending": pending,
        **_month_nav(month),
    }
    return render(request, "attendance/team.html", context)


@login_required
def register_export(request: HttpRequest) -> HttpResponse:
    file_format = choice_param(request, "format", ("csv", "xlsx", "pdf"), "csv")
    employees = selectors.employees_visible(user=request.user)
    department = uuid_param(request, "department")
    if department is not None:
        employees = employees.filter(department_id=department)
    return reports.register_response(reports.monthly_register(employees=employees, month=_month(request)), file_format)


@login_required
@require_POST
def decide(request: HttpRequest, approval_id: Any, decision: str) -> HttpResponse:
    if decision not in ("approve", "reject"):
        raise Http404
    user = signed_in_user(request.user)
    approval = approvals.pending_for(user, kinds=list(KINDS)).filter(pk=approval_id).first()
    if approval is None:
        raise Http404
    try:
        approvals.decide(request=approval, actor=user, decision=decision, comment=request.POST.get("comment", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        done = _("approved") if decision == "approve" else _("rejected")
        messages.success(
            request, _("%(request)s: %(decision)s.") % {"request": approval.display_summary, "decision": done}
        )
    return redirect("attendance_team")


def _today_status(day: AttendanceDay | None, *, planned_off: bool = False, away: bool = False) -> str:
    """``planned_off``/``away``: what is known before the engine writes the day's row (a
    weekly off or public holiday; approved full-day leave)."""
    if day is None:
        return "on_leave" if away else "off" if planned_off else "not_in"
    if day.status == DayStatus.ON_LEAVE:
        return "on_leave"
    if day.first_in and day.late_minutes:
        return "late"
    if day.first_in:
        return "in"
    if day.status == DayStatus.ABSENT:
        return "absent"
    if day.is_off_day or day.is_holiday or planned_off:
        return "off"
    return "not_in"


TODAY_LABELS = {
    "in": gettext_lazy("Present"),
    "late": gettext_lazy("Late"),
    "on_leave": gettext_lazy("On leave"),
    "absent": gettext_lazy("Absent"),
    "off": gettext_lazy("Off"),
    "not_in": gettext_lazy("Not in yet"),
}


@login_required
def team_today(request: HttpRequest) -> HttpResponse:
    """Who of my team is in, late, absent, off or on leave today: each member's today, in
    their own zone (a member in New York is "not in yet" by New York's clock)."""
    user = signed_in_user(request.user)
    now = timezone.now()
    today = timezone.localdate(now)  # the viewer's (ViewerTimeZoneMiddleware)
    me = employee_for_user(user)
    visible = selectors.employees_visible(user=user)
    if me is not None:
        visible = visible.exclude(pk=me.pk)
    employees = list(visible.select_related("department", "location").order_by("last_name", "first_name"))
    ids = [e.pk for e in employees]
    their_today = {e.pk: zones.today_for(e, now) for e in employees}
    dates = set(their_today.values())
    days = {
        (d.employee_id, d.date): d
        for d in AttendanceDay.objects.filter(employee__in=ids, date__in=dates).select_related("shift")
    }
    plans = selectors.plans_for(ids, min(dates), max(dates), keep_off_days=True) if ids else {}
    holidays = providers.holidays(ids, min(dates), max(dates)) if ids else set()
    absences = providers.absences(ids, min(dates), max(dates)) if ids else {}
    rows = []
    for e in employees:
        key = (e.pk, their_today[e.pk])
        plan = plans.get(e.pk, {})
        planned_off = (key[1] in plan and plan[key[1]] is None) or key in holidays
        away = key in absences and absences[key].full_day
        state = _today_status(days.get(key), planned_off=planned_off, away=away)
        rows.append({"employee": e, "day": days.get(key), "date": key[1], "state": state})
    counts = {key: sum(1 for r in rows if r["state"] == key) for key in TODAY_LABELS}
    summary = [{"key": key, "label": str(label), "count": counts[key]} for key, label in TODAY_LABELS.items()]
    return render(request, "attendance/team_today.html", {"rows": rows, "today": today, "summary": summary})


@login_required
def member(request: HttpRequest, employee_id: Any) -> HttpResponse:
    """A team member's month: visible to their managers and admins only (404 otherwise, also for
    one's own id redirects to My attendance)."""
    user = signed_in_user(request.user)
    me = access.own_person(user)
    if me is not None and me.pk == employee_id:
        return redirect(f"{reverse('attendance_mine')}?month={request.GET.get('month', '')}")
    employee = access.person_for(user, employee_id, access.Action.MANAGE)
    month = _month(request)
    first, last = reports.month_bounds(month)
    days = list(
        AttendanceDay.objects.filter(employee=employee, date__gte=first, date__lte=last)
        .select_related("shift")
        .order_by("date")
    )
    totals = reports.summary(Employee.objects.filter(pk=employee.pk), first, last).get(employee.pk, reports.Totals())
    manual = ManualDayStatus.objects.filter(employee=employee, date__gte=first, date__lte=last).order_by("date")
    context = {
        "person": employee,
        "days": days,
        "totals": totals.as_dict(),
        "time_zone": employee.effective_time_zone,
        "calendar": month_calendar(month, days),
        "located_punches": _located_punches(employee, first, last),
        **_month_nav(month),
        "manual_form": ManualStatusForm(initial={"date": first}),
        "manual_days": manual,
    }
    return render(request, "attendance/member.html", context)


def _located_punches(employee: Employee, first: Any, last: Any) -> list[Punch]:
    """The month's punches a geofence checked (with their position, flag and distance)."""
    zone = ZoneInfo(employee.effective_time_zone)
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return list(
        Punch.objects.filter(employee=employee, timestamp__gte=start, timestamp__lt=end)
        .exclude(geofence="")
        .order_by("timestamp")
    )


@login_required
@require_POST
def member_day_status(request: HttpRequest, employee_id: Any) -> HttpResponse:
    """Set (or, with ``clear``, clear) a team member's day status by hand; managers and admins."""
    user = signed_in_user(request.user)
    employee = access.person_for(user, employee_id, access.Action.MANAGE)
    form = ManualStatusForm(request.POST)
    back = reverse("attendance_member", args=[employee.pk])
    if "clear" in request.POST:
        form.fields["status"].required = form.fields["reason"].required = False
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    day = form.cleaned_data["date"]
    back += f"?month={day:%Y-%m}"
    try:
        if "clear" in request.POST:
            services.day_status_clear(employee=employee, day=day, actor=user)
            messages.success(
                request,
                _("The status of %(date)s is computed from the punches again.") % {"date": formatting.date_local(day)},
            )
        else:
            services.day_status_set(
                employee=employee,
                day=day,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                actor=user,
            )
            messages.success(
                request, _("The status of %(date)s is set by hand.") % {"date": formatting.date_local(day)}
            )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(back)


def month_calendar(month: Any, days: list[AttendanceDay]) -> list[list[dict[str, Any]]]:
    """Weeks (Monday first) of cells ``{"date", "day", "in_month"}`` for a month grid."""
    by_date = {d.date: d for d in days}
    start = month - timedelta(days=month.weekday())
    _first, last = reports.month_bounds(month)
    weeks: list[list[dict[str, Any]]] = []
    cursor = start
    while cursor <= last:
        week = []
        for _i in range(7):
            week.append({"date": cursor, "day": by_date.get(cursor), "in_month": cursor.month == month.month})
            cursor += timedelta(days=1)
        weeks.append(week)
    return weeks


# --- The inbox's page of a correction ------------------------------------------------------------


def approval_detail(request: HttpRequest, regularisation: Regularisation) -> dict[str, Any]:
    """For the inbox (etime.core.registry.register_approval_detail): the punches stored for
    the day, those the correction voids, and the punches it adds, in the employee's zone."""
    stored, replaced = selectors.correction_punches(user=request.user, regularisation=regularisation)
    zone = ZoneInfo(regularisation.employee.effective_time_zone)
    added = []
    for item in regularisation.items:
        moment = parse_datetime(item.get("timestamp", ""))
        if moment is not None:
            added.append({"timestamp": moment, "direction": PunchDirection(item.get("direction", "unknown"))})
    rows = [{"punch": p, "timestamp": p.timestamp, "replaced": p.pk in replaced} for p in stored]
    return {
        "template": "attendance/_approval_detail.html",
        "context": {"correction": regularisation, "stored": rows, "added": added, "zone": zone.key},
    }


def swap_approval_detail(request: HttpRequest, swap: ShiftSwapRequest) -> dict[str, Any]:
    """For the inbox (etime.core.registry.register_approval_detail): who works which shift
    that day now, and who works which once the swap is approved (each takes the other's
    shift as planned today, as ``plans.on_swap_approved`` does)."""
    rows = []
    for person, other in ((swap.requester, swap.counterpart), (swap.counterpart, swap.requester)):
        rows.append(
            {
                "person": person,
                "now": _one_shift(person, swap.date),
                "after": _one_shift(other, swap.date),
            }
        )
    return {"template": "attendance/_swap_approval_detail.html", "context": {"swap": swap, "rows": rows}}


def _one_shift(employee: Employee, day: Any) -> Any:
    shifts = selectors.planned_shifts(employee=employee, day=day)
    return shifts[0] if len(shifts) == 1 else None
