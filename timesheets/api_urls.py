from __future__ import annotations

from django.urls import path

from timesheets.api import (
    BudgetReportView,
    ClientViewSet,
    ProjectViewSet,
    RateViewSet,
    TaskViewSet,
    TimeEntryViewSet,
    TimerContinueView,
    TimeReportView,
    TimerPreferenceView,
    TimerStartView,
    TimerStopView,
    TimerView,
    TimesheetViewSet,
)

routes = [
    ("clients", ClientViewSet, "client"),
    ("projects", ProjectViewSet, "project"),
    ("tasks", TaskViewSet, "task"),
    ("rates", RateViewSet, "rate"),
    ("time-entries", TimeEntryViewSet, "time-entry"),
    ("timesheets", TimesheetViewSet, "timesheet"),
]

urlpatterns = [
    path("timer/", TimerView.as_view(), name="api-timer"),
    path("timer/start/", TimerStartView.as_view(), name="api-timer-start"),
    path("timer/stop/", TimerStopView.as_view(), name="api-timer-stop"),
    path("timer/continue/", TimerContinueView.as_view(), name="api-timer-continue"),
    path("timer/preferences/", TimerPreferenceView.as_view(), name="api-timer-preferences"),
    path("reports/time/", TimeReportView.as_view(), name="api-report-time"),
    path("reports/budget/", BudgetReportView.as_view(), name="api-report-budget"),
]
