"""Self-service attendance pages: my month (with a web punch), corrections and swaps, the
team register with downloads and the requests waiting for my decision."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.selectors import employee_for_user, signed_in_user
from attendance import reports, selectors, services
from attendance.forms import CorrectionForm, SwapForm
from attendance.models import AttendanceDay, PunchDirection, PunchSource, Regularisation, ShiftSwapRequest
from etime.core import approvals
from etime.core.errors import DomainError

KINDS = {"regularisation": Regularisation, "shift_swap": ShiftSwapRequest}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _month(request: HttpRequest) -> Any:
    return reports.parse_month(request.GET.get("month")) or timezone.localdate().replace(day=1)


def _month_nav(month: Any) -> dict[str, str]:
    return {
        "month": month.strftime("%Y-%m"),
        "previous": (month - timedelta(days=1)).replace(day=1).strftime("%Y-%m"),
        "next": (month + timedelta(days=32)).replace(day=1).strftime("%Y-%m"),
    }


def home_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Home page: today's attendance of the signed-in employee."""
    employee = employee_for_user(request.user)
    if employee is None:
        return None
    today = timezone.now().astimezone(ZoneInfo(employee.effective_time_zone)).date()
    day = AttendanceDay.objects.filter(employee=employee, date=today).select_related("shift").first()
    shift = selectors.planned_shift(employee=employee, day=today)
    return {"template": "attendance/home_panel.html", "context": {"day": day, "shift": shift, "today": today}}


@login_required
def my_attendance(request: HttpRequest) -> HttpResponse:
    employee = employee_for_user(request.user)
    month = _month(request)
    first, last = reports.month_bounds(month)
    days: list[AttendanceDay] = []
    totals = reports.Totals()
    if employee is not None:
        days = list(
            AttendanceDay.objects.filter(employee=employee, date__gte=first, date__lte=last).select_related("shift").order_by("date")
        )
        totals = reports.summary(selectors.employees_visible(user=request.user).filter(pk=employee.pk), first, last).get(
            employee.pk, reports.Totals()
        )
    context = {
        "employee": employee,
        "days": days,
        "totals": totals.as_dict(),
        "time_zone": employee.effective_time_zone if employee else "UTC",
        "corrections": Regularisation.objects.filter(employee=employee).order_by("-created_at")[:10] if employee else [],
        "swaps": selectors.swaps_visible(user=request.user).filter(requester=employee).order_by("-created_at")[:10]
        if employee
        else [],
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
        return HttpResponseBadRequest("Unknown direction.")
    try:
        punch = services.punch_create(
            employee=employee, timestamp=timezone.now(), source=PunchSource.WEB, actor=request.user, direction=direction
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        local = punch.timestamp.astimezone(ZoneInfo(employee.effective_time_zone))
        messages.success(request, f"Punch recorded at {local:%H:%M}.")
    return redirect("attendance_mine")


@login_required
def correction_new(request: HttpRequest) -> HttpResponse:
    employee = employee_for_user(request.user)
    if employee is None:
        raise Http404
    form = CorrectionForm(request.POST or None, initial={"date": request.GET.get("date")})
    if request.method == "POST" and form.is_valid():
        try:
            services.regularisation_request(
                employee=employee, day=form.cleaned_data["date"], reason=form.cleaned_data["reason"], actor=request.user,
                kind=form.cleaned_data["kind"], items=form.items(ZoneInfo(employee.effective_time_zone)),
            )  # fmt: skip
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Correction requested; your manager will decide.")
            return redirect("attendance_mine")
    return render(request, "attendance/correction_form.html", {"form": form})


@login_required
def swap_new(request: HttpRequest) -> HttpResponse:
    employee = employee_for_user(request.user)
    if employee is None:
        raise Http404
    form = SwapForm(request.POST or None, partners=selectors.swap_partners(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.swap_request(
                requester=employee, counterpart=form.cleaned_data["counterpart"], day=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"], actor=request.user,
            )  # fmt: skip
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Swap requested; your manager will decide.")
            return redirect("attendance_mine")
    return render(request, "attendance/swap_form.html", {"form": form})


@login_required
def team(request: HttpRequest) -> HttpResponse:
    """The register of everyone the user may see, and the requests waiting for them."""
    month = _month(request)
    department = request.GET.get("department", "")
    employees = selectors.employees_visible(user=request.user)
    if _is_uuid(department):
        employees = employees.filter(department_id=department)
    else:
        department = ""
    register = reports.monthly_register(employees=employees, month=month)
    user = signed_in_user(request.user)
    pending = approvals.pending_for(user, kinds=list(KINDS)).order_by("created_at")[:50]
    context = {
        "register": register,
        "legend": reports.LEGEND,
        "department": department,
        "pending": pending,
        **_month_nav(month),
    }
    return render(request, "attendance/team.html", context)


@login_required
def register_export(request: HttpRequest) -> HttpResponse:
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx", "pdf"):
        return HttpResponseBadRequest("Unknown format; choose csv, xlsx or pdf.")
    employees = selectors.employees_visible(user=request.user)
    if _is_uuid(request.GET.get("department", "")):
        employees = employees.filter(department_id=request.GET["department"])
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
        messages.success(request, f"{approval.summary}: {decision}d.")
    return redirect("attendance_team")

