"""Reports: time by client, project, task, employee or period, and projects' budget burn."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from etime.core.access import is_admin
from etime.core.api.schema import FILE_RESPONSES, NamedChoiceField
from etime.core.api.viewsets import EtimeAPIView
from timesheets import resources, selectors
from timesheets.errors import NotAllowed
from timesheets.models import EntryStatus, ProjectStatus

REPORT_PARAMETERS = [
    OpenApiParameter("group_by", str, enum=list(selectors.GROUPS), default="project"),
    OpenApiParameter("date_after", OpenApiTypes.DATE),
    OpenApiParameter("date_before", OpenApiTypes.DATE),
    OpenApiParameter("employee", OpenApiTypes.UUID),
    OpenApiParameter("project", OpenApiTypes.UUID),
    OpenApiParameter("client", OpenApiTypes.UUID),
    OpenApiParameter("task", OpenApiTypes.UUID),
    OpenApiParameter("billable", OpenApiTypes.BOOL),
    OpenApiParameter("status", str, enum=EntryStatus.values),
    OpenApiParameter("file_format", str, enum=["csv", "xlsx"], description="Download instead of JSON"),
]


class MoneySerializer(serializers.Serializer[Any]):
    currency = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class TimeReportRowSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    billable_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    billed_hours = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="After project rounding")
    amounts = MoneySerializer(many=True)
    costs = MoneySerializer(many=True, required=False, help_text="Admins only")
    margins = MoneySerializer(many=True, required=False, help_text="Admins only")


class TimeReportSerializer(serializers.Serializer[Any]):
    group_by = serializers.CharField()
    results = TimeReportRowSerializer(many=True)


class ReportFilterSerializer(serializers.Serializer[Any]):
    group_by = serializers.ChoiceField(choices=list(selectors.GROUPS), required=False, default="project")
    date_after = serializers.DateField(required=False)
    date_before = serializers.DateField(required=False)
    employee = serializers.UUIDField(required=False)
    project = serializers.UUIDField(required=False)
    client = serializers.UUIDField(required=False)
    task = serializers.UUIDField(required=False)
    billable = serializers.BooleanField(required=False, allow_null=True, default=None)
    status = NamedChoiceField(choices=EntryStatus.choices, required=False, enum_name="TimeEntryStatusEnum")
    file_format = serializers.ChoiceField(choices=["csv", "xlsx"], required=False)


class TimeReportView(EtimeAPIView):
    """Hours and amounts by client, project, task, employee or period, over the entries
    the caller may see. Costs and margins for admins."""

    scope_area = "reports"
    serializer_class = TimeReportSerializer

    @extend_schema(parameters=REPORT_PARAMETERS, responses={200: TimeReportSerializer, **FILE_RESPONSES})
    def get(self, request: Request) -> Any:
        params = ReportFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = selectors.ReportFilters(
            date_from=data.get("date_after"),
            date_to=data.get("date_before"),
            employee=data.get("employee"),
            project=data.get("project"),
            client=data.get("client"),
            task=data.get("task"),
            billable=data.get("billable"),
            status=data.get("status"),
        )
        rows = selectors.time_report(user=request.user, group_by=data["group_by"], filters=filters)
        if data.get("file_format"):
            return resources.report_response(rows, data["file_format"], f"time-by-{data['group_by']}")
        return Response({"group_by": data["group_by"], "results": rows})


class BudgetRowSerializer(serializers.Serializer[Any]):
    project = serializers.UUIDField()
    project_name = serializers.CharField()
    client = serializers.UUIDField()
    client_name = serializers.CharField()
    status = NamedChoiceField(choices=ProjectStatus.choices, enum_name="ProjectStatusEnum")
    currency = serializers.CharField()
    budget_hours = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    used_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    hours_burn_percent = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    budget_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    used_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    amount_burn_percent = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)


class BudgetReportSerializer(serializers.Serializer[Any]):
    results = BudgetRowSerializer(many=True)


class BudgetReportView(EtimeAPIView):
    """Budget burn of the projects with a budget: all time logged on each against its
    hours and amount. Managers and admins."""

    scope_area = "reports"
    serializer_class = BudgetReportSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("project", OpenApiTypes.UUID),
            OpenApiParameter("file_format", str, enum=["csv", "xlsx"], description="Download instead of JSON"),
        ],
        responses={200: BudgetReportSerializer, **FILE_RESPONSES},
    )
    def get(self, request: Request) -> Any:
        user = request.user
        if not (is_admin(user) or getattr(user, "is_manager_role", False)):
            raise NotAllowed("Budget reports are for managers and administrators.")
        project = request.query_params.get("project")
        rows = selectors.budget_report(
            user=user, project_id=serializers.UUIDField().run_validation(project) if project else None
        )
        file_format = request.query_params.get("file_format")
        if file_format:
            return resources.report_response(rows, file_format, "budget-burn")
        return Response({"results": rows})
