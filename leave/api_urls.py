from __future__ import annotations

from leave.api import (
    AllocationViewSet,
    HolidayCalendarViewSet,
    LeaveBalanceViewSet,
    LeavePolicyAssignmentViewSet,
    LeavePolicyViewSet,
    LeaveRequestViewSet,
    LeaveTypeViewSet,
    LedgerViewSet,
)

routes = [
    ("leave-types", LeaveTypeViewSet, "leave-type"),
    ("leave-policies", LeavePolicyViewSet, "leave-policy"),
    ("leave-policy-assignments", LeavePolicyAssignmentViewSet, "leave-policy-assignment"),
    ("holiday-calendars", HolidayCalendarViewSet, "holiday-calendar"),
    ("leave-requests", LeaveRequestViewSet, "leave-request"),
    ("leave-allocations", AllocationViewSet, "leave-allocation"),
    ("leave-balances", LeaveBalanceViewSet, "leave-balance"),
    ("leave-ledger", LedgerViewSet, "leave-ledger"),
]
