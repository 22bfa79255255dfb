"""Reads for leave, including who may see what.

Visibility follows people (accounts.selectors.employee_list_visible): you see the leave,
balances and ledger of the employees you may see — admins everyone, managers their reports
(transitively) and themselves, employees themselves. Pages, API, feeds and exports all
call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet, Sum

from accounts.models import Employee, User
from accounts.selectors import employed_between, employee_list_visible
from leave.models import (
    LeavePolicy,
    LeavePolicyAssignment,
    LeaveRequest,
    LeaveType,
    LedgerEntry,
    RequestStatus,
)
from leave.workdays import days_between

ZERO = Decimal("0.00")


class Balance(NamedTuple):
    balance: Decimal
    pending: Decimal

    @property
    def available(self) -> Decimal:
        return self.balance - self.pending


# --- Visibility -----------------------------------------------------------------------------


def leave_request_list_visible(*, user: User | AnonymousUser) -> QuerySet[LeaveRequest]:
    return LeaveRequest.objects.filter(employee__in=employee_list_visible(user=user))


def leave_request_get_visible(*, user: User | AnonymousUser, request_id: Any) -> LeaveRequest | None:
    return leave_request_list_visible(user=user).select_related("employee", "leave_type").filter(pk=request_id).first()


def leave_request_list_for(*, user: User | AnonymousUser) -> QuerySet[LeaveRequest]:
    """What a user may open: the requests of the employees they may see, plus those waiting
    for their decision (an HR approver need not see the employee otherwise)."""
    from etime.core import approvals

    visible = Q(employee__in=employee_list_visible(user=user))
    if not getattr(user, "is_authenticated", False):
        return LeaveRequest.objects.none()
    waiting = [
        object_id
        for object_id in approvals.pending_for(user, kinds=["leave_request"]).values_list("object_id", flat=True)
    ]
    return LeaveRequest.objects.filter(visible | Q(pk__in=waiting)) if waiting else LeaveRequest.objects.filter(visible)


def approvals_of(requests: Iterable[LeaveRequest]) -> dict[str, Any]:
    """{request id: its latest approval request} in one query."""
    from etime.core import approvals

    return approvals.latest_requests_for(requests)


def ledger_list_visible(*, user: User | AnonymousUser) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(employee__in=employee_list_visible(user=user))


def leave_types_active() -> QuerySet[LeaveType]:
    return LeaveType.objects.filter(active=True)


# --- Balances -------------------------------------------------------------------------------


def balances(
    *, employees: QuerySet[Employee] | Iterable[Any] | None, year: int, leave_type_ids: Iterable[Any] | None = None
) -> dict[tuple[Any, Any], Balance]:
    """{(employee_id, leave_type_id): Balance} for ``year``: balance = sum of the ledger,
    pending = days of pending requests. One GROUP BY over the ledger and one over pending
    requests whatever the number of employees (``employees`` may be a queryset, which
    becomes a subquery, ids, or None for everyone). Pairs with no entry and nothing
    pending are absent: their balance is zero."""
    ledger = LedgerEntry.objects.filter(year=year)
    pending = LeaveRequest.objects.filter(status=RequestStatus.PENDING, year=year)
    if employees is not None:
        ids: Any = employees.values("pk") if isinstance(employees, QuerySet) else list(employees)
        ledger = ledger.filter(employee_id__in=ids)
        pending = pending.filter(employee_id__in=ids)
    if leave_type_ids is not None:
        type_ids = list(leave_type_ids)
        ledger = ledger.filter(leave_type_id__in=type_ids)
        pending = pending.filter(leave_type_id__in=type_ids)
    pending_sums = {
        (employee_id, leave_type_id): total.quantize(ZERO)
        for employee_id, leave_type_id, total in pending.order_by()
        .values_list("employee_id", "leave_type_id")
        .annotate(total=Sum("days"))
        .values_list("employee_id", "leave_type_id", "total")
    }
    result: dict[tuple[Any, Any], Balance] = {}
    # Sums of a 2-decimal column come back with 2 decimals: no per-row quantize needed.
    for employee_id, leave_type_id, total in (
        ledger.order_by()
        .values_list("employee_id", "leave_type_id")
        .annotate(total=Sum("days"))
        .values_list("employee_id", "leave_type_id", "total")
    ):
        key = (employee_id, leave_type_id)
        result[key] = Balance(total, pending_sums.pop(key, ZERO))
    for key, total in pending_sums.items():  # pending with no ledger entry yet
        result[key] = Balance(ZERO, total)
    return result


def balance_of(*, employee_id: Any, leave_type_id: Any, year: int) -> Balance:
    return balances(employees=[employee_id], year=year, leave_type_ids=[leave_type_id]).get(
        (employee_id, leave_type_id), Balance(ZERO, ZERO)
    )


# --- Policies -------------------------------------------------------------------------------


def policies_for(employees: Iterable[tuple[Any, Any, Any]]) -> dict[tuple[Any, Any], LeavePolicy]:
    """{(employee_id, leave_type_id): policy} for (employee_id, department_id, location_id)
    triples: an assignment to the employee wins over one to their department, which wins
    over one to their location. One query whatever the number of employees."""
    by_employee: dict[Any, dict[Any, LeavePolicy]] = {}
    by_department: dict[Any, dict[Any, LeavePolicy]] = {}
    by_location: dict[Any, dict[Any, LeavePolicy]] = {}
    for assignment in LeavePolicyAssignment.objects.select_related("policy"):
        target = (
            by_employee.setdefault(assignment.employee_id, {})
            if assignment.employee_id
            else by_department.setdefault(assignment.department_id, {})
            if assignment.department_id
            else by_location.setdefault(assignment.location_id, {})
        )
        target[assignment.leave_type_id] = assignment.policy
    result: dict[tuple[Any, Any], LeavePolicy] = {}
    for employee_id, department_id, location_id in employees:
        merged = {
            **by_location.get(location_id, {}),
            **by_department.get(department_id, {}),
            **by_employee.get(employee_id, {}),
        }
        for leave_type_id, policy in merged.items():
            result[(employee_id, leave_type_id)] = policy
    return result


# --- Calendars ------------------------------------------------------------------------------


def approved_absences(
    employee_ids: Iterable[Any], date_from: date, date_to: date
) -> dict[tuple[Any, date], tuple[str, bool]]:
    """{(employee_id, date): (leave type code, full day?)} for the days approved leave
    covers in [date_from, date_to]. Days a leave type does not count (weekends, days off,
    holidays) are left out, so attendance shows them as what they are. Set-based: a few
    queries whatever the number of employees."""
    from accounts.holidays import holidays_by_employee
    from leave.workdays import working_days

    ids = list(employee_ids)
    rows = list(
        LeaveRequest.objects.filter(
            status=RequestStatus.APPROVED, employee_id__in=ids, start_date__lte=date_to, end_date__gte=date_from
        ).values_list(
            "employee_id",
            "start_date",
            "end_date",
            "start_half",
            "end_half",
            "leave_type__code",
            "leave_type__counts_non_working_days",
        )
    )
    if not rows:
        return {}
    involved = sorted({row[0] for row in rows}, key=str)
    workdays = working_days(involved, date_from, date_to)
    holidays = holidays_by_employee(involved, date_from, date_to)
    result: dict[tuple[Any, date], tuple[str, bool]] = {}
    for employee_id, start, end, start_half, end_half, code, all_days in rows:
        for day in days_between(max(start, date_from), min(end, date_to)):
            if not all_days and (day not in workdays[employee_id] or day in holidays.get(employee_id, {})):
                continue
            half = (day == start and start_half) or (day == end and end_half)
            result[(employee_id, day)] = (code, not half)
    return result


def team_calendar(
    *, user: User | AnonymousUser, date_from: date, date_to: date, department_id: Any = None
) -> tuple[list[Employee], dict[tuple[Any, date], LeaveRequest], dict[Any, dict[date, str]]]:
    """Who is away when: (employees, {(employee_id, day): request}, holidays by employee)
    for the employees ``user`` may see, optionally one department. Pending and approved
    requests both show (the page tells them apart)."""
    from accounts.holidays import holidays_by_employee

    employees_qs = employee_list_visible(user=user).select_related("department")
    if department_id:
        employees_qs = employees_qs.filter(department_id=department_id)
    employees_qs = employees_qs.filter(employed_between(date_from, date_to)).order_by(
        "department__name", "last_name", "first_name"
    )
    employees = list(employees_qs)
    requests = LeaveRequest.objects.filter(
        employee_id__in=[e.pk for e in employees],
        status__in=[RequestStatus.PENDING, RequestStatus.APPROVED],
        start_date__lte=date_to,
        end_date__gte=date_from,
    ).select_related("leave_type")
    cells: dict[tuple[Any, date], LeaveRequest] = {}
    for request in requests:
        for day in days_between(max(request.start_date, date_from), min(request.end_date, date_to)):
            current = cells.get((request.employee_id, day))
            if current is None or current.status != RequestStatus.APPROVED:
                cells[(request.employee_id, day)] = request
    holidays = holidays_by_employee([e.pk for e in employees], date_from, date_to)
    return employees, cells, holidays


def team_off_during(
    *, user: User | AnonymousUser, employee: Employee, date_from: date, date_to: date
) -> list[LeaveRequest]:
    """Who of ``employee``'s team (their department, or their manager's reports when they
    have no department) is off, or has asked to be, between ``date_from`` and ``date_to``:
    pending and approved requests of the colleagues ``user`` may see, ``employee`` left out.
    For the approver deciding a request (the inbox)."""
    colleagues = employee_list_visible(user=user).exclude(pk=employee.pk)
    if employee.department_id:
        colleagues = colleagues.filter(department_id=employee.department_id)
    elif employee.manager_id:
        colleagues = colleagues.filter(manager_id=employee.manager_id)
    else:
        return []
    return list(
        LeaveRequest.objects.filter(
            employee__in=colleagues,
            status__in=[RequestStatus.PENDING, RequestStatus.APPROVED],
            start_date__lte=date_to,
            end_date__gte=date_from,
        )
        .select_related("employee", "leave_type")
        .order_by("start_date", "employee__last_name")
    )


# --- Feeds ----------------------------------------------------------------------------------


def calendar_feed_for_token(token: str) -> Any:
    """The live (not revoked) feed for a secret token, or None. Its owner must still be an
    active user."""
    import hashlib
    from datetime import timedelta

    from django.utils import timezone

    from leave.models import CalendarFeed

    if not token or len(token) > 200:
        return None
    feed = (
        CalendarFeed.objects.select_related("owner")
        .filter(key_hash=hashlib.sha256(token.encode()).hexdigest(), revoked_at__isnull=True, owner__is_active=True)
        .first()
    )
    if feed is not None:
        now = timezone.now()
        if feed.last_fetched_at is None or now - feed.last_fetched_at > timedelta(minutes=1):
            CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    return feed


def calendar_feed_requests(feed: Any, *, today: date | None = None) -> list[LeaveRequest]:
    """Approved leave for a feed, from a year back to two years ahead, limited to what the
    feed's owner may see at this moment."""
    from datetime import timedelta

    from django.utils import timezone

    from leave.models import FeedKind

    today = today or timezone.localdate()
    employees = employee_list_visible(user=feed.owner)
    if feed.kind == FeedKind.EMPLOYEE:
        employees = employees.filter(pk=feed.employee_id)
    elif feed.department_id:
        employees = employees.filter(department_id=feed.department_id)
    return list(
        LeaveRequest.objects.filter(
            employee__in=employees,
            status=RequestStatus.APPROVED,
            end_date__gte=today - timedelta(days=366),
            start_date__lte=today + timedelta(days=731),
        )
        .select_related("employee", "leave_type")
        .order_by("start_date", "id")
    )
