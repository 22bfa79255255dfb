"""Weekly timesheets: listed with their totals, submitted, approved or returned."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django.db.models import DateField as DbDateField
from django.db.models import ExpressionWrapper, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from etime.core.api.schema import NamedChoiceField
from etime.core.api.viewsets import EtimeReadOnlyViewSet
from timesheets import selectors, services
from timesheets.api._common import _own_employee
from timesheets.models import TimeEntry, Timesheet, TimesheetStatus


class TimesheetSerializer(serializers.ModelSerializer[Timesheet]):
    week_end = serializers.DateField(read_only=True)
    status = NamedChoiceField(choices=TimesheetStatus.choices, read_only=True, enum_name="TimesheetStatusEnum")
    total_seconds = serializers.IntegerField(read_only=True, help_text="Finished entries of the week")

    class Meta:
        model = Timesheet
        fields = [
            "id",
            "employee",
            "week_start",
            "week_end",
            "status",
            "submitted_at",
            "decided_at",
            "decided_by",
            "comment",
            "total_seconds",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TimesheetFilter(django_filters.FilterSet):
    week_start = django_filters.DateFromToRangeFilter()
    awaiting_my_approval = django_filters.BooleanFilter(method="filter_awaiting", label="Waiting for my decision")

    class Meta:
        model = Timesheet
        fields = ["employee", "status"]

    def filter_awaiting(self, queryset: Any, name: str, value: bool | None) -> Any:
        from etime.core import approvals

        if value is None:
            return queryset
        ids = approvals.pending_for(self.request.user, kinds=["timesheet"]).values_list("object_id", flat=True)
        return queryset.filter(pk__in=list(ids)) if value else queryset.exclude(pk__in=list(ids))


class SubmitSerializer(serializers.Serializer[Any]):
    week = serializers.DateField(help_text="Any date in the week (Monday to Sunday)")


class ReturnSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(help_text="What needs changing")


class TimesheetViewSet(EtimeReadOnlyViewSet):
    """Weekly timesheets: the caller's own, their reports' (managers), everyone's (admins)."""

    serializer_class = TimesheetSerializer
    filterset_class = TimesheetFilter
    scope_area = "timesheets"
    cursor_ordering = ("id",)

    def get_queryset(self) -> QuerySet[Timesheet]:
        week_end = ExpressionWrapper(OuterRef("week_start") + timedelta(days=6), output_field=DbDateField())
        totals = (
            TimeEntry.objects.filter(
                employee_id=OuterRef("employee_id"), date__gte=OuterRef("week_start"), date__lte=week_end
            )
            .order_by()
            .values("employee_id")
            .annotate(total=Sum("duration_seconds"))
            .values("total")
        )
        return selectors.timesheet_list_visible(user=self.request.user).annotate(
            total_seconds=Coalesce(Subquery(totals, output_field=IntegerField()), 0)  # an empty week is 0, not null
        )

    def _answer(self, timesheet: Timesheet, code: int = status.HTTP_200_OK) -> Response:
        return Response(TimesheetSerializer(self.get_queryset().get(pk=timesheet.pk)).data, status=code)

    @extend_schema(request=SubmitSerializer, responses={200: TimesheetSerializer})
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def submit(self, request: Request) -> Response:
        """Submit the caller's week for approval; its entries lock until the decision."""
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        timesheet = services.timesheet_submit(
            employee=_own_employee(request), week=serializer.validated_data["week"], actor=request.user
        )
        return self._answer(timesheet)

    @extend_schema(request=None, responses={200: TimesheetSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """The approver accepts the week; its entries become approved (locked)."""
        timesheet = services.timesheet_approve(timesheet=self.get_object(), actor=request.user)
        return self._answer(timesheet)

    @extend_schema(request=ReturnSerializer, responses={200: TimesheetSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: Any = None) -> Response:
        """The approver sends the week back with a comment; its entries are drafts again."""
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        timesheet = services.timesheet_return(
            timesheet=self.get_object(), comment=serializer.validated_data["comment"], actor=request.user
        )
        return self._answer(timesheet)
