"""Time entries: list, create, change and delete (with overlap resolutions), direct approval,
export, deletions for integrators, and CSV import."""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.db.models import F, QuerySet
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import employee_for_user
from etime.core import access
from etime.core.api.fields import AwareDateTimeField
from etime.core.api.schema import FILE_RESPONSES, NamedChoiceField
from etime.core.api.viewsets import EtimeModelViewSet
from etime.core.errors import NotFound as DomainNotFound
from timesheets import imports, resources, selectors, services
from timesheets.api._common import RESOLUTION_CHOICES, RESOLUTION_HELP, _resolution, _validation
from timesheets.models import EntryStatus, RateSource, TimeEntry, TimeEntryDeletion
from timesheets.representations import time_entry_data


class TimeEntrySerializer(serializers.Serializer[Any]):
    """A time entry. Rendered by ``representations.time_entry_data`` (one shape for the
    API and the conflicts listed in a 409)."""

    id = serializers.UUIDField(read_only=True)
    employee = serializers.UUIDField(required=False, help_text="Defaults to the caller's own employee record.")
    project = serializers.UUIDField()
    client = serializers.UUIDField(read_only=True)
    task = serializers.UUIDField(required=False, allow_null=True)
    start = AwareDateTimeField()
    end = AwareDateTimeField(required=False, allow_null=True, help_text="null: a running timer.")
    date = serializers.DateField(read_only=True, help_text="The start's date in the employee's time zone.")
    duration_seconds = serializers.IntegerField(read_only=True, allow_null=True)
    rounded_seconds = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The duration after the project's rounding rule."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    billable = serializers.BooleanField(
        required=False, allow_null=True, help_text="Defaults to the project's and task's billable flag."
    )
    status = NamedChoiceField(choices=EntryStatus.choices, read_only=True, enum_name="TimeEntryStatusEnum")
    rate_applied = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    rate_currency = serializers.CharField(read_only=True)
    rate_effective_date = serializers.DateField(read_only=True, allow_null=True)
    rate_source = serializers.ChoiceField(choices=RateSource.choices, read_only=True)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="rounded_seconds × rate_applied, rounded half-up to the cent; 0.00 when not billable.",
    )
    invoice = serializers.UUIDField(read_only=True, allow_null=True)
    source = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a field, not Field.source
    auto_stopped = serializers.BooleanField(read_only=True)
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=128)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    resolution = serializers.ChoiceField(
        choices=RESOLUTION_CHOICES, required=False, write_only=True, help_text=RESOLUTION_HELP
    )

    def to_representation(self, instance: TimeEntry) -> dict[str, Any]:
        return time_entry_data(instance)


class TimeEntryFilter(django_filters.FilterSet):
    employee = django_filters.UUIDFilter(field_name="employee_id")
    project = django_filters.UUIDFilter(field_name="project_id")
    client = django_filters.UUIDFilter(field_name="project__client_id")
    task = django_filters.UUIDFilter(field_name="task_id")
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices)
    date = django_filters.DateFromToRangeFilter(label="The entry's local date (date_after, date_before)")
    start = django_filters.IsoDateTimeFromToRangeFilter(label="Start time (start_after, start_before)")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    billable = django_filters.BooleanFilter()
    running = django_filters.BooleanFilter(field_name="end", lookup_expr="isnull", label="Running timers only")
    invoice = django_filters.UUIDFilter(field_name="invoice_id")

    class Meta:
        model = TimeEntry
        fields: list[str] = []


class ApproveEntriesSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=500)


class DeletionSerializer(serializers.ModelSerializer[TimeEntryDeletion]):
    id = serializers.UUIDField(source="entry_id", read_only=True)
    employee = serializers.UUIDField(source="employee_id", read_only=True)

    class Meta:
        model = TimeEntryDeletion
        fields = ["id", "employee", "deleted_at", "reason"]


class ImportSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="CSV: etime's export, a Toggl or a Clockify detailed report")
    employee = serializers.UUIDField(
        required=False, help_text="Book every row to this employee; otherwise rows name theirs (email or code)."
    )
    dry_run = serializers.BooleanField(required=False, default=False)


class ImportReportSerializer(serializers.Serializer[Any]):
    layout = serializers.CharField()
    dry_run = serializers.BooleanField()
    created = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField()
    rows = serializers.ListField(child=serializers.DictField())


class ImportQueuedSerializer(serializers.Serializer[Any]):
    job = serializers.UUIDField()
    status_url = serializers.CharField(help_text="`/api/v1/jobs/{id}/`: poll until `state` is succeeded or failed")


class TimeEntryViewSet(EtimeModelViewSet):
    """Time entries the caller may see: their own, their reports' (managers), everyone's
    (admins). Newest start first. Writes honour Idempotency-Key and ``resolution``."""

    serializer_class = TimeEntrySerializer
    filterset_class = TimeEntryFilter
    scope_area = "time_entries"
    cursor_ordering = ("-sort_key",)

    def get_queryset(self) -> QuerySet[TimeEntry]:
        entries = selectors.time_entry_list_visible(user=self.request.user)
        if self.action in ("list", "retrieve"):
            return entries.annotate(client_ref=F("project__client_id"))
        return entries.select_related("employee__location", "project__client", "task")

    def _refs(self, data: dict[str, Any], instance: TimeEntry | None) -> dict[str, Any]:
        """Turn ids into objects the caller may see (unknown or invisible: 400)."""
        user = self.request.user
        refs: dict[str, Any] = {}
        if "employee" in data:
            employee = access.person_for(user, data.pop("employee"), access.Action.RECORD, field="employee")
            if instance is not None and employee.pk != instance.employee_id:
                raise _validation("employee", "An entry cannot move to another employee; delete and re-create it.")
            refs["employee"] = employee
        elif instance is None:
            own = employee_for_user(user)
            if own is None:
                raise _validation("employee", "Required: your login has no employee record.")
            refs["employee"] = own
        if "project" in data:
            project = (
                selectors.project_list_visible(user=user)
                .select_related("client")
                .filter(pk=data.pop("project"))
                .first()
            )
            if project is None:
                raise _validation("project", "No project with this id.")
            refs["project"] = project
        if "task" in data:
            task_id = data.pop("task")
            task = None
            if task_id is not None:
                task = selectors.task_list_visible(user=user).filter(pk=task_id).first()
                if task is None:
                    raise _validation("task", "No task with this id.")
            refs["task"] = task
        return refs

    @extend_schema(
        parameters=[OpenApiParameter("resolution", str, enum=list(services.RESOLUTIONS), description=RESOLUTION_HELP)],
        responses={
            201: TimeEntrySerializer,
            409: OpenApiResponse(
                description="time_entry_overlap, overlap_needs_choice, timer_already_running, period_locked"
            ),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        resolution = _resolution(request, data)
        refs = self._refs(data, None)
        entry = services.time_entry_create(
            **refs,
            start=data["start"],
            end=data.get("end"),
            description=data.get("description", ""),
            billable=data.get("billable"),
            external_id=data.get("external_id", ""),
            resolution=resolution,
            actor=request.user,
        )
        return Response(time_entry_data(entry), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("resolution", str, enum=list(services.RESOLUTIONS), description=RESOLUTION_HELP)],
        responses={
            200: TimeEntrySerializer,
            409: OpenApiResponse(description="time_entry_overlap, overlap_needs_choice, period_locked"),
        },
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not partial:
            # PUT replaces the entry: what it leaves out goes back to the default.
            data = {"task": None, "end": None, "description": "", "billable": None, **data}
        resolution = _resolution(request, data)
        refs = self._refs(data, instance)
        refs.pop("employee", None)
        changes = {**refs, **{k: v for k, v in data.items() if k in services.ENTRY_FIELDS}}
        entry = services.time_entry_update(entry=instance, resolution=resolution, actor=request.user, **changes)
        return Response(time_entry_data(entry))

    @extend_schema(
        parameters=[OpenApiParameter("resolution", str, enum=list(services.RESOLUTIONS), description=RESOLUTION_HELP)],
        responses={
            200: TimeEntrySerializer,
            409: OpenApiResponse(description="time_entry_overlap, overlap_needs_choice, period_locked"),
        },
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    def perform_destroy(self, instance: TimeEntry) -> None:
        services.time_entry_delete(entry=instance, actor=self.request.user)

    @extend_schema(
        request=ApproveEntriesSerializer,
        responses={200: inline_serializer("ApprovedEntries", {"approved": TimeEntrySerializer(many=True)})},
    )
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def approve(self, request: Request) -> Response:
        """Managers approve their reports' entries directly (admins anyone's)."""
        serializer = ApproveEntriesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(serializer.validated_data["ids"]))
        entries = list(
            selectors.time_entry_list_visible(user=request.user)
            .select_related("employee", "project")
            .filter(pk__in=ids)
        )
        missing = sorted({str(i) for i in ids} - {str(e.pk) for e in entries})
        if missing:
            raise DomainNotFound("Some entries do not exist or are not yours to see.", details={"ids": missing})
        approved = services.time_entries_approve(entries=entries, actor=request.user)
        return Response({"approved": [time_entry_data(e) for e in approved]})

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, enum=["csv", "xlsx"], default="csv")],
        responses=FILE_RESPONSES,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> HttpResponse:
        """The visible entries, filtered like the list, as CSV or XLSX (oldest first)."""
        queryset = self.filter_queryset(selectors.time_entry_list_visible(user=request.user))
        return resources.export_entries(queryset, request.query_params.get("file_format", "csv"))

    @extend_schema(
        parameters=[
            OpenApiParameter("deleted_since", OpenApiTypes.DATETIME, description="Deletions at or after this time"),
            OpenApiParameter("employee", OpenApiTypes.UUID),
        ],
        responses={200: DeletionSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], filter_backends=[], serializer_class=DeletionSerializer)
    def deletions(self, request: Request) -> Response:
        """Entries deleted (or merged away, or replaced) that the caller could see: for
        integrators syncing with ``updated_since``. Newest first."""
        queryset = selectors.time_entry_deletion_list_visible(user=request.user)
        since = request.query_params.get("deleted_since")
        if since:
            try:
                parsed = AwareDateTimeField().run_validation(since)
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"deleted_since": exc.detail}) from None
            queryset = queryset.filter(deleted_at__gte=parsed)
        employee = request.query_params.get("employee")
        if employee:
            queryset = queryset.filter(employee_id=serializers.UUIDField().run_validation(employee))
        self.cursor_ordering = ("-id",)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(DeletionSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={
            200: ImportReportSerializer,
            202: OpenApiResponse(
                ImportQueuedSerializer,
                description="A file of more than `ETIME_IMPORT_ASYNC_ROWS` "
                "rows (2000) is imported by a task: poll `status_url` (the job's `result` is the "
                "200 report; failed rows are also in its `errors`).",
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
        filter_backends=[],
    )
    def import_entries(self, request: Request) -> Response:
        """Import entries from CSV (etime's own export, Toggl or Clockify detailed
        reports). Each row is created through the same rules as the API, or reported
        as skipped (already there) or failed (with the reason). Large files are
        imported in the background: 202 with the job to poll."""
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        employee = None
        if data.get("employee"):
            employee = access.person_for(request.user, data["employee"], access.Action.RECORD, field="employee")
        content = data["file"].read()
        dataset = imports.read_import_file(content)
        if len(dataset) > settings.ETIME_IMPORT_ASYNC_ROWS:
            job = imports.import_time_entries_queue(
                content=content, user=request.user, employee=employee, dry_run=data["dry_run"], rows=len(dataset)
            )
            return Response(
                {"job": str(job.pk), "status_url": reverse("job-detail", args=[job.pk])},
                status=status.HTTP_202_ACCEPTED,
            )
        report = imports.import_time_entries(
            content=content, user=request.user, employee=employee, dry_run=data["dry_run"], dataset=dataset
        )
        return Response(report)
