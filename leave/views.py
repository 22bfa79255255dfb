"""Self-service pages for leave: my leave (balances, requests, approvals waiting for me,
calendar feeds), the team calendar, and the secret iCalendar feed URLs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.holidays import holidays_by_employee
from accounts.models import Department
from accounts.selectors import employee_for_user, employee_list_visible, signed_in_user
from etime.core import approvals
from etime.core.errors import DomainError
from etime.core.params import month_param, uuid_param, year_param
from etime.ops.notifications import language_of
from leave import ical, selectors, services
from leave.forms import DecisionForm, FeedForm, LeaveRequestForm
from leave.holiday_names import localize_by_employee
from leave.models import CalendarFeed, FeedKind, LeaveRequest, LeaveType, LedgerEntry, RequestStatus
from leave.workdays import days_between, requested_days

NEW_FEED_SESSION_KEY = "etime_new_leave_feed"


def _my_balances(employee: Any, year: int) -> list[dict[str, Any]]:
    types = list(LeaveType.objects.filter(active=True).order_by("name"))
    sums = selectors.balances(employees=[employee.pk], year=year)
    zero = selectors.Balance(selectors.ZERO, selectors.ZERO)
    return [{"type": t, "balance": sums.get((employee.pk, t.pk), zero)} for t in types]


def _default_type(employee: Any, year: int) -> dict[str, Any]:
    """The form starts on the type with the most days available this year, not on the first
    by name, which may well have none; ties go to next year's days (in December people book
    January), then to the name."""
    if employee is None:
        return {}
    types = list(LeaveType.objects.filter(active=True))
    if not types:
        return {}
    sums = selectors.balances(employees=[employee.pk], year=year + 1)
    now = selectors.balances(employees=[employee.pk], year=year)
    zero = selectors.Balance(selectors.ZERO, selectors.ZERO)

    def key(t: LeaveType) -> tuple[Any, ...]:
        return (
            -now.get((employee.pk, t.pk), zero).available,
            -sums.get((employee.pk, t.pk), zero).available,
            t.name.casefold(),
        )

    return {"leave_type": min(types, key=key).pk}


def _waiting_for(user: Any) -> QuerySet[LeaveRequest]:
    ids = list(approvals.pending_for(user, kinds=[services.APPROVAL_KIND]).values_list("object_id", flat=True))
    return LeaveRequest.objects.filter(pk__in=ids).select_related("employee", "leave_type").order_by("start_date")


def nav_links(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"label": _("Leave"), "url": reverse("leave:mine"), "order": 30, "testid": "nav-leave"},
        {"label": _("Team calendar"), "url": reverse("leave:calendar"), "order": 62, "testid": "nav-leave-calendar"},
    ]


def palette_items(request: HttpRequest, query: str) -> list[dict[str, Any]]:
    """The command palette (etime.core.registry.register_palette_source)."""
    label = _("Request leave")
    if employee_for_user(request.user) is None or (query and query.casefold() not in label.casefold()):
        return []
    return [{"group": _("Go to"), "label": label, "url": reverse("leave:mine") + "#request-leave"}]


def home_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Balances, my upcoming leave and public holidays (next 60 days). What waits for my
    decision is counted once for all kinds by the home page (the inbox notice)."""
    employee = employee_for_user(request.user)
    if employee is None:
        return None
    today = timezone.localdate()
    year = today.year
    upcoming = list(
        LeaveRequest.objects.filter(
            employee=employee, end_date__gte=today, status__in=[RequestStatus.APPROVED, RequestStatus.PENDING]
        )
        .select_related("leave_type")
        .order_by("start_date")[:5]
    )
    holidays = sorted(
        localize_by_employee(holidays_by_employee([employee.pk], today, today + timedelta(days=60)))
        .get(employee.pk, {})
        .items()
    )
    return {
        "template": "leave/panel.html",
        "context": {
            "balances": _my_balances(employee, year),
            "year": year,
            "upcoming": upcoming,
            "holidays": holidays[:5],
        },
    }


@login_required
def my_leave(request: HttpRequest) -> HttpResponse:
    return _render_my_leave(request)


def _render_my_leave(request: HttpRequest, form: LeaveRequestForm | None = None, **extra: Any) -> HttpResponse:
    user = signed_in_user(request.user)
    employee = employee_for_user(user)
    year = timezone.localdate().year
    new_feed = request.session.pop(NEW_FEED_SESSION_KEY, None)
    context = {
        "employee": employee,
        "year": year,
        "balances": _my_balances(employee, year) if employee else [],
        "requests": (
            LeaveRequest.objects.filter(employee=employee).select_related("leave_type").order_by("-start_date")[:50]
            if employee
            else []
        ),
        "waiting": _waiting_for(user),
        "form": form or LeaveRequestForm(initial=_default_type(employee, year)),
        "decision_form": DecisionForm(),
        "feed_form": FeedForm(),
        "feeds": CalendarFeed.objects.filter(owner=user, revoked_at__isnull=True),
        "new_feed_url": request.build_absolute_uri(f"/leave/feeds/{new_feed}.ics") if new_feed else None,
        "today": timezone.localdate(),
        **extra,
    }
    return render(request, "leave/my_leave.html", context)


@login_required
@require_POST
def request_create(request: HttpRequest) -> HttpResponse:
    employee = employee_for_user(request.user)
    form = LeaveRequestForm(request.POST, request.FILES)
    if employee is None:
        messages.error(request, _("Your login has no employee record."))
    elif not form.is_valid():
        messages.error(
            request,
            _("Not sent: %(errors)s")
            % {
                "errors": "; ".join(
                    f"{form.fields[k].label if k in form.fields else k}: {' '.join(str(e) for e in v)}"
                    for k, v in form.errors.items()
                )
            },
        )
    else:
        try:
            created = services.leave_request_submit(employee=employee, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            # A half day counts as plural ("0.5 days"), as in English.
            messages.success(
                request,
                ngettext(
                    "%(leave)s: %(days)s day requested.",
                    "%(leave)s: %(days)s days requested.",
                    1 if created.days == 1 else 2,
                )
                % {"leave": created.leave_type.name, "days": created.days},
            )
    return redirect("leave:mine")


def _visible_request(request: HttpRequest, request_id: Any) -> LeaveRequest:
    found = selectors.leave_request_list_for(user=request.user).filter(pk=request_id).first()
    if found is None:
        raise Http404
    return found


@login_required
@require_POST
def request_cancel(request: HttpRequest, request_id: Any) -> HttpResponse:
    try:
        services.leave_request_cancel(request=_visible_request(request, request_id), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Cancelled."))
    return redirect("leave:mine")


@login_required
@require_POST
def request_decide(request: HttpRequest, request_id: Any) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve, reject or return."))
        return redirect("leave:mine")
    try:
        services.leave_request_decide(
            request=_visible_request(request, request_id),
            actor=request.user,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("leave:mine")


@login_required
def request_preview(request: HttpRequest) -> HttpResponse:
    """What a request would count: its working days and the balance after. The form's htmx
    target; without JavaScript the "Check" button submits here and gets the full page back.
    POST (the form's own method, so its CSRF token never lands in a URL); GET works too."""
    employee = employee_for_user(request.user)
    data_in = request.POST if request.method == "POST" else request.GET
    form = LeaveRequestForm(data_in or None)
    preview: dict[str, Any] | None = None
    error = ""
    if employee is not None and data_in and form.is_valid():
        data = form.cleaned_data
        # The submission's own computation (days, overlaps, balance, rules), without writing.
        estimate = services.leave_request_estimate(
            employee=employee,
            leave_type=data["leave_type"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            start_half=data["start_half"],
            end_half=data["end_half"],
        )
        if estimate.problems and estimate.problems[0][0] == "validation_error":
            error = estimate.problems[0][1]  # nothing to count: bad input, or no working day
        else:
            preview = {
                "days": estimate.days,
                "counted": estimate.counted,
                "leave_type": data["leave_type"],
                "available": estimate.balance.available,
                "after": estimate.after,
                "problems": estimate.problems,
            }
    elif data_in:
        error = _("Choose a leave type and both dates.")
    context = {"preview": preview, "error": error}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "leave/_preview.html", context)
    return _render_my_leave(request, form=form, **context)


@login_required
def ledger(request: HttpRequest, leave_type_id: Any) -> HttpResponse:
    """The entries behind one of my balances for a year."""
    employee = employee_for_user(request.user)
    leave_type = LeaveType.objects.filter(pk=leave_type_id).first()
    if employee is None or leave_type is None:
        raise Http404
    year = year_param(request, "year") or timezone.localdate().year
    entries = list(
        LedgerEntry.objects.filter(employee=employee, leave_type=leave_type, year=year)
        .select_related("request")
        .order_by("effective_date", "created_at")
    )
    running = selectors.ZERO
    rows = []
    for entry in entries:
        running += entry.days
        rows.append({"entry": entry, "running": running})
    balance = selectors.balance_of(employee_id=employee.pk, leave_type_id=leave_type.pk, year=year)
    context = {"leave_type": leave_type, "year": year, "rows": rows, "balance": balance}
    return render(request, "leave/ledger.html", context)


# --- Team calendar --------------------------------------------------------------------------


@login_required
def team_calendar(request: HttpRequest) -> HttpResponse:
    first = month_param(request, "month") or timezone.localdate().replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    department = uuid_param(request, "department")
    department_id = str(department) if department else None
    visible = employee_list_visible(user=request.user)
    departments = Department.objects.filter(pk__in=visible.values("department_id")).order_by("name")
    if department_id and not departments.filter(pk=department_id).exists():
        department_id = None
    employees, cells, holidays = selectors.team_calendar(
        user=request.user, date_from=first, date_to=last, department_id=department_id
    )
    holidays = localize_by_employee(holidays)  # the reader's language, not the stored English
    days = days_between(first, last)
    rows = []
    for employee in employees:
        row = []
        for day in days:
            leave = cells.get((employee.pk, day))
            row.append(
                {
                    "day": day,
                    "leave": leave,
                    "holiday": holidays.get(employee.pk, {}).get(day),
                    "weekend": day.weekday() >= 5,
                    "approved": leave is not None and leave.status == RequestStatus.APPROVED,
                }
            )
        rows.append({"employee": employee, "cells": row, "away": sum(1 for c in row if c["leave"])})
    context = {
        "first": first,
        "days": days,
        "rows": rows,
        "departments": departments,
        "department_id": department_id,
        "previous": (first - timedelta(days=1)).strftime("%Y-%m"),
        "next": (last + timedelta(days=1)).strftime("%Y-%m"),
    }
    return render(request, "leave/team_calendar.html", context)


# --- iCalendar feeds ------------------------------------------------------------------------


@login_required
@require_POST
def feed_create(request: HttpRequest) -> HttpResponse:
    form = FeedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The feed was not created."))
        return redirect("leave:mine")
    user = signed_in_user(request.user)
    department = form.cleaned_data.get("department")
    if department is not None and not employee_list_visible(user=user).filter(department=department).exists():
        raise Http404
    try:
        _feed, raw = services.calendar_feed_create(
            owner=user,
            kind=form.cleaned_data["kind"],
            department=department,
            name=form.cleaned_data.get("name") or "",
            actor=user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("leave:mine")
    request.session[NEW_FEED_SESSION_KEY] = raw  # shown once, on the next page
    return redirect("leave:mine")


@login_required
@require_POST
def feed_revoke(request: HttpRequest, feed_id: Any) -> HttpResponse:
    feed = CalendarFeed.objects.filter(owner=signed_in_user(request.user), pk=feed_id).first()
    if feed is None:
        raise Http404
    services.calendar_feed_revoke(feed=feed, actor=request.user)
    messages.success(request, _("Feed %(name)s revoked; its URL no longer works.") % {"name": repr(feed.name)})
    return redirect("leave:mine")


def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The secret URL calendar apps subscribe to (no login: the token is the credential).
    What it shows is what the feed's owner may see now."""
    feed = selectors.calendar_feed_for_token(token)
    if feed is None:
        raise Http404
    requests = selectors.calendar_feed_requests(feed)
    # A calendar app sends no useful Accept-Language: the feed speaks its owner's language.
    with translation.override(language_of(feed.owner)):
        body = ical.render(requests, name=feed.name, with_names=feed.kind == FeedKind.TEAM)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="leave.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- The inbox's page of a leave request ---------------------------------------------------


def approval_detail(request: HttpRequest, leave_request: LeaveRequest) -> dict[str, Any]:
    """For the inbox (etime.core.registry.register_approval_detail): the days the request
    counts, the balance before and after it, and who of the team is off on those days."""
    employee = leave_request.employee
    _days, counted = requested_days(
        employee_id=employee.pk,
        date_from=leave_request.start_date,
        date_to=leave_request.end_date,
        start_half=leave_request.start_half,
        end_half=leave_request.end_half,
        counts_non_working_days=leave_request.leave_type.counts_non_working_days,
    )
    balance = selectors.balance_of(
        employee_id=employee.pk, leave_type_id=leave_request.leave_type_id, year=leave_request.year
    )
    # Pending, its days are already held in "pending": before is what was there without it.
    before = balance.available + (leave_request.days if leave_request.status == RequestStatus.PENDING else 0)
    team = selectors.team_off_during(
        user=request.user, employee=employee, date_from=leave_request.start_date, date_to=leave_request.end_date
    )
    return {
        "template": "leave/_approval_detail.html",
        "context": {
            "leave": leave_request,
            "counted": counted,
            "before": before,
            "after": before - leave_request.days,
            "team": team,
        },
    }
