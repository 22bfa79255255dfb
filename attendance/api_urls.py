from __future__ import annotations

from django.urls import path

from attendance.api import (
    AttendanceDayViewSet,
    ManualDayStatusViewSet,
    PeriodLockViewSet,
    PunchDirectionRuleViewSet,
    PunchViewSet,
    RecomputeView,
    RegisterView,
    RegularisationViewSet,
    ScheduleAssignmentViewSet,
    ScheduleViewSet,
    ShiftOverrideViewSet,
    ShiftSwapViewSet,
    ShiftViewSet,
    SummaryView,
)

routes = [
    ("shifts", ShiftViewSet, "shift"),
    ("schedules", ScheduleViewSet, "schedule"),
    ("schedule-assignments", ScheduleAssignmentViewSet, "schedule-assignment"),
    ("shift-overrides", ShiftOverrideViewSet, "shift-override"),
    ("shift-swaps", ShiftSwapViewSet, "shift-swap"),
    ("punches", PunchViewSet, "punch"),
    ("attendance-days", AttendanceDayViewSet, "attendance-day"),
    ("regularisations", RegularisationViewSet, "regularisation"),
    ("attendance-locks", PeriodLockViewSet, "attendance-lock"),
    ("manual-day-statuses", ManualDayStatusViewSet, "manual-day-status"),
    ("punch-direction-rules", PunchDirectionRuleViewSet, "punch-direction-rule"),
]

urlpatterns = [
    path("attendance/recompute/", RecomputeView.as_view(), name="api-attendance-recompute"),
    path("attendance/register/", RegisterView.as_view(), name="api-attendance-register"),
    path("attendance/summary/", SummaryView.as_view(), name="api-attendance-summary"),
]
