"""REST API for time tracking: thin translations between HTTP and the services/selectors,
one module per concern, each with its serializers, filters and views:

- catalog: clients, projects, tasks; rates: dated billing and cost rates;
- entries: time entries (overlap resolutions, direct approval, export, deletions, import);
- timer: the caller's timer and its preference; timesheets: weekly submit, approve, return;
- reports: time and budget reports;
- _common: the resolution parameter and helpers the modules share.

``timesheets.api_urls`` routes the views re-exported here.
"""

from __future__ import annotations

from timesheets.api._common import (
    RESOLUTION_CHOICES,
    RESOLUTION_HELP,
)
from timesheets.api.catalog import (
    ClientFilter,
    ClientSerializer,
    ClientViewSet,
    ProjectFilter,
    ProjectSerializer,
    ProjectViewSet,
    TaskSerializer,
    TaskViewSet,
)
from timesheets.api.entries import (
    ApproveEntriesSerializer,
    DeletionSerializer,
    ImportQueuedSerializer,
    ImportReportSerializer,
    ImportSerializer,
    TimeEntryFilter,
    TimeEntrySerializer,
    TimeEntryViewSet,
)
from timesheets.api.rates import (
    RateFilter,
    RateSerializer,
    RateViewSet,
)
from timesheets.api.reports import (
    REPORT_PARAMETERS,
    BudgetReportSerializer,
    BudgetReportView,
    BudgetRowSerializer,
    MoneySerializer,
    ReportFilterSerializer,
    TimeReportRowSerializer,
    TimeReportSerializer,
    TimeReportView,
)
from timesheets.api.timer import (
    TimerContinueSerializer,
    TimerContinueView,
    TimerPreferenceSerializer,
    TimerPreferenceView,
    TimerStartSerializer,
    TimerStartView,
    TimerStateSerializer,
    TimerStopView,
    TimerView,
)
from timesheets.api.timesheets import (
    ReturnSerializer,
    SubmitSerializer,
    TimesheetFilter,
    TimesheetSerializer,
    TimesheetViewSet,
)

__all__ = [
    "ApproveEntriesSerializer",
    "BudgetReportSerializer",
    "BudgetReportView",
    "BudgetRowSerializer",
    "ClientFilter",
    "ClientSerializer",
    "ClientViewSet",
    "DeletionSerializer",
    "ImportQueuedSerializer",
    "ImportReportSerializer",
    "ImportSerializer",
    "MoneySerializer",
    "ProjectFilter",
    "ProjectSerializer",
    "ProjectViewSet",
    "RateFilter",
    "RateSerializer",
    "RateViewSet",
    "REPORT_PARAMETERS",
    "ReportFilterSerializer",
    "RESOLUTION_CHOICES",
    "RESOLUTION_HELP",
    "ReturnSerializer",
    "SubmitSerializer",
    "TaskSerializer",
    "TaskViewSet",
    "TimeEntryFilter",
    "TimeEntrySerializer",
    "TimeEntryViewSet",
    "TimerContinueSerializer",
    "TimerContinueView",
    "TimeReportRowSerializer",
    "TimeReportSerializer",
    "TimeReportView",
    "TimerPreferenceSerializer",
    "TimerPreferenceView",
    "TimerStartSerializer",
    "TimerStartView",
    "TimerStateSerializer",
    "TimerStopView",
    "TimerView",
    "TimesheetFilter",
    "TimesheetSerializer",
    "TimesheetViewSet",
]
