"""REST API for time tracking: thin translations between HTTP and the services/selectors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import django_filters
from django.conf import settings
from django.db.models import DateField as DbDateField
from django.db.models import ExpressionWrapper, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Employee
from accounts.selectors import employee_for_user
from etime.core import access
from etime.core.access import is_admin
from etime.core.api.fields import AwareDateTimeField
from etime.core.api.permissions import AdminWritesOnly, IsAdminRole, TokenScopePermission
from etime.core.api.schema import FILE_RESPONSES, NamedChoiceField
from etime.core.api.viewsets import EtimeAPIView, EtimeModelViewSet, EtimeReadOnlyViewSet
from etime.core.errors import NotFound as DomainNotFound
from etime.core.errors import ValidationFailed
from timesheets import imports, resources, selectors, services
from timesheets.errors import NotAllowed
from timesheets.models import (
    Client,
    EntryStatus,
    Project,
    ProjectStatus,
    Rate,
    RateKind,
    RateSource,
    ShortTimer,
    Task,
    TimeEntry,
    TimeEntryDeletion,
    Timesheet,
    TimesheetStatus,
)
from timesheets.representations import time_entry_data

RESOLUTION_HELP = (
    "On overlap (409 time_entry_overlap): merge into one entry over the union, replace the conflicts, keep_mine "
    "(trim the conflicts) or keep_theirs (trim this entry). Merge and replace are refused (409 overlap_needs_choice) "
    "when a conflict differs in project, task or billable; details.resolutions lists the choices that can succeed."
)
RESOLUTION_CHOICES = [(value, value) for value in services.RESOLUTIONS]


def _validation(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"The input is invalid: {message}", details={field: [message]})


def _own_employee(request: Request) -> Employee:
    employee = employee_for_user(request.user)
    if employee is None:
        raise DomainNotFound("Your login has no employee record.")
    return employee


# --- Clients, projects, tasks ----------------------------------------------------------------


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "currency",
            "vat_rate",
            "country",
            "billing_address",
            "language",
            "payment_terms_days",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs: dict[str, Any] = {
            "name": {"validators": []},
            "vat_rate": {"help_text": "Percent as a decimal string; 0 means VAT-exempt."},
        }


class ClientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")

    class Meta:
        model = Client
        fields = ["active", "currency", "country"]


class _AdminWritesViewSet(EtimeModelViewSet):
    """Reference data: read as visibility allows, written by admins through a service."""

    permission_classes = [IsAuthenticated, TokenScopePermission, AdminWritesOnly]
    noun = ""

    def save(self, instance: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        model = cast(Any, self.get_queryset().model)
        serializer.instance = self.save(model(), data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.save(serializer.instance, dict(serializer.validated_data))

    def perform_destroy(self, instance: Any) -> None:
        services.delete_with_audit(obj=instance, actor=self.request.user, noun=self.noun)


def _assign(instance: Any, data: dict[str, Any]) -> Any:
    for name, value in data.items():
        setattr(instance, name, value)
    return instance


class ClientViewSet(_AdminWritesViewSet):
    """Clients of projects the caller can see (admins: all). Admins write."""

    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    scope_area = "clients"
    cursor_ordering = ("name",)
    noun = "client"

    def get_queryset(self) -> QuerySet[Client]:
        return selectors.client_list_visible(user=self.request.user)

    def save(self, instance: Client, data: dict[str, Any]) -> Client:
        return services.client_save(client=_assign(instance, data), actor=self.request.user)


class ProjectSerializer(serializers.ModelSerializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    status = NamedChoiceField(choices=ProjectStatus.choices, required=False, enum_name="ProjectStatusEnum")
    members = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects.all(),
        many=True,
        required=False,
        help_text="Employees who may log time here; empty means everyone.",
    )
    managers = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects.all(),
        many=True,
        required=False,
        help_text="Project managers: notified when the project reaches 80 % and 100 % of its hours or money budget.",
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "client",
            "name",
            "description",
            "billable",
            "budget_hours",
            "budget_amount",
            "status",
            "members",
            "managers",
            "rounding_minutes",
            "rounding_mode",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")
    member = django_filters.UUIDFilter(field_name="members", label="Has this employee as a member")

    class Meta:
        model = Project
        fields = ["client", "status", "billable"]


class ProjectViewSet(_AdminWritesViewSet):
    """Projects the caller may see: open to everyone, or with a visible member (admins: all)."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    scope_area = "projects"
    cursor_ordering = ("id",)
    noun = "project"

    def get_queryset(self) -> QuerySet[Project]:
        return selectors.project_list_visible(user=self.request.user).prefetch_related("members", "managers")

    def save(self, instance: Project, data: dict[str, Any]) -> Project:
        members, managers = data.pop("members", None), data.pop("managers", None)
        return services.project_save(
            project=_assign(instance, data), members=members, managers=managers, actor=self.request.user
        )


class TaskSerializer(serializers.ModelSerializer):
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all())

    class Meta:
        model = Task
        fields = ["id", "project", "name", "billable", "active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list[Any] = []


class TaskViewSet(_AdminWritesViewSet):
    """Tasks of the projects the caller may see. Admins write."""

    serializer_class = TaskSerializer
    filterset_fields = ["project", "active", "billable"]
    scope_area = "projects"
    cursor_ordering = ("id",)
    noun = "task"

    def get_queryset(self) -> QuerySet[Task]:
        return selectors.task_list_visible(user=self.request.user)

    def save(self, instance: Task, data: dict[str, Any]) -> Task:
        return services.task_save(task=_assign(instance, data), actor=self.request.user)


# --- Rates ------------------------------------------------------------------------------------


class RateSerializer(serializers.ModelSerializer):
    target = serializers.UUIDField(
        source="target_id", help_text="The id of the task, project, client or employee named by `level`."
    )
    currency = serializers.CharField(
        required=False, max_length=3, help_text="Defaults to the client's currency; required for employee rates."
    )

    class Meta:
        model = Rate
        fields = ["id", "kind", "level", "target", "amount", "currency", "effective_from", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs: dict[str, Any] = {"kind": {"required": False}}


class RateFilter(django_filters.FilterSet):
    effective_from = django_filters.DateFromToRangeFilter()
    target = django_filters.UUIDFilter(method="filter_target", label="Rates of this task, project, client or employee")

    class Meta:
        model = Rate
        fields = ["kind", "level"]

    def filter_target(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset.filter(Q(task_id=value) | Q(project_id=value) | Q(client_id=value) | Q(employee_id=value))


class RateViewSet(EtimeModelViewSet):
    """Dated billing and cost rates (admins only). A history: rates are added, never
    edited; entries keep the rate they were given."""

    serializer_class = RateSerializer
    filterset_class = RateFilter
    permission_classes = [IsAuthenticated, TokenScopePermission, IsAdminRole]
    scope_area = "rates"
    cursor_ordering = ("id",)
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Rate]:
        return selectors.rate_list_visible(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.rate_create(
            level=data["level"],
            target_id=data["target_id"],
            amount=data["amount"],
            currency=data.get("currency"),
            effective_from=data["effective_from"],
            kind=data.get("kind", RateKind.BILLING),
            actor=self.request.user,
        )

    def perform_destroy(self, instance: Rate) -> None:
        services.rate_delete(rate=instance, actor=self.request.user)


# --- Time entries -----------------------------------------------------------------------------


class TimeEntrySerializer(serializers.Serializer):
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


class ApproveEntriesSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=500)


class DeletionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="entry_id", read_only=True)
    employee = serializers.UUIDField(source="employee_id", read_only=True)

    class Meta:
        model = TimeEntryDeletion
        fields = ["id", "employee", "deleted_at", "reason"]


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV: etime's export, a Toggl or a Clockify detailed report")
    employee = serializers.UUIDField(
        required=False, help_text="Book every row to this employee; otherwise rows name theirs (email or code)."
    )
    dry_run = serializers.BooleanField(required=False, default=False)


class ImportReportSerializer(serializers.Serializer):
    layout = serializers.CharField()
    dry_run = serializers.BooleanField()
    created = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField()
    rows = serializers.ListField(child=serializers.DictField())


class ImportQueuedSerializer(serializers.Serializer):
    job = serializers.UUIDField()
    status_url = serializers.CharField(help_text="`/api/v1/jobs/{id}/`: poll until `state` is succeeded or failed")


def _resolution(request: Request, data: dict[str, Any]) -> str | None:
    value = data.pop("resolution", None) or request.query_params.get("resolution") or None
    if value not in (None, *services.RESOLUTIONS):
        raise _validation("resolution", f"Choose one of {', '.join(services.RESOLUTIONS)}.")
    return value


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


# --- Timer ------------------------------------------------------------------------------------


class TimerStartSerializer(serializers.Serializer):
    project = serializers.UUIDField()
    task = serializers.UUIDField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    billable = serializers.BooleanField(required=False, allow_null=True)
    resolution = serializers.ChoiceField(choices=RESOLUTION_CHOICES, required=False, help_text=RESOLUTION_HELP)


class TimerStateSerializer(serializers.Serializer):
    running = serializers.BooleanField()
    entry = TimeEntrySerializer(allow_null=True)


class TimerView(EtimeAPIView):
    """The caller's running timer, if any."""

    scope_area = "time_entries"
    serializer_class = TimerStateSerializer

    def get(self, request: Request) -> Response:
        entry = selectors.running_timer(employee_id=_own_employee(request).pk)
        return Response({"running": entry is not None, "entry": time_entry_data(entry) if entry else None})


class TimerStartView(EtimeAPIView):
    """Start the caller's timer now (409 timer_already_running if one runs)."""

    scope_area = "time_entries"
    serializer_class = TimerStartSerializer

    @extend_schema(request=TimerStartSerializer, responses={201: TimeEntrySerializer})
    def post(self, request: Request) -> Response:
        serializer = TimerStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        employee = _own_employee(request)
        project = (
            selectors.project_list_visible(user=request.user)
            .select_related("client")
            .filter(pk=data["project"])
            .first()
        )
        if project is None:
            raise _validation("project", "No project with this id.")
        task = None
        if data.get("task"):
            task = selectors.task_list_visible(user=request.user).filter(pk=data["task"]).first()
            if task is None:
                raise _validation("task", "No task with this id.")
        entry = services.timer_start(
            employee=employee,
            project=project,
            task=task,
            description=data.get("description", ""),
            billable=data.get("billable"),
            resolution=_resolution(request, data),
            actor=request.user,
        )
        return Response(time_entry_data(entry), status=status.HTTP_201_CREATED)


class TimerStopView(EtimeAPIView):
    """Stop the caller's running timer now (409 timer_not_running if none). A timer that ran
    under a minute is kept as one minute, or discarded (204) when the caller chose so."""

    scope_area = "time_entries"
    serializer_class = TimeEntrySerializer

    @extend_schema(
        request=None,
        responses={
            200: TimeEntrySerializer,
            204: OpenApiResponse(
                description="Discarded: the timer ran under a minute and the caller's preference discards such timers."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        entry = services.timer_stop(employee=_own_employee(request), actor=request.user)
        if entry is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(time_entry_data(entry))


class TimerContinueSerializer(serializers.Serializer):
    entry = serializers.UUIDField(help_text="One of the caller's own entries")
    resolution = serializers.ChoiceField(choices=RESOLUTION_CHOICES, required=False, help_text=RESOLUTION_HELP)


class TimerContinueView(EtimeAPIView):
    """Start the caller's timer now on a past entry's project, task, description and
    billability; a running timer is stopped first (404 for an entry not theirs)."""

    scope_area = "time_entries"
    serializer_class = TimerContinueSerializer

    @extend_schema(request=TimerContinueSerializer, responses={201: TimeEntrySerializer})
    def post(self, request: Request) -> Response:
        serializer = TimerContinueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        employee = _own_employee(request)
        source = (
            TimeEntry.objects.select_related("project__client", "task")
            .filter(pk=data["entry"], employee=employee)
            .first()
        )
        if source is None:
            raise DomainNotFound()
        entry = services.timer_continue(
            employee=employee, entry=source, resolution=_resolution(request, data), actor=request.user
        )
        return Response(time_entry_data(entry), status=status.HTTP_201_CREATED)


class TimerPreferenceSerializer(serializers.Serializer):
    short_timers = serializers.ChoiceField(
        choices=ShortTimer.choices, help_text="A timer stopped within its first minute: keep (as one minute) or discard"
    )


class TimerPreferenceView(EtimeAPIView):
    """The caller's timer preferences (GET, PUT)."""

    scope_area = "time_entries"
    serializer_class = TimerPreferenceSerializer

    def get(self, request: Request) -> Response:
        return Response({"short_timers": selectors.short_timers_of(employee_id=_own_employee(request).pk)})

    @extend_schema(request=TimerPreferenceSerializer, responses={200: TimerPreferenceSerializer})
    def put(self, request: Request) -> Response:
        serializer = TimerPreferenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        preference = services.timer_preference_set(
            employee=_own_employee(request), short_timers=serializer.validated_data["short_timers"], actor=request.user
        )
        return Response({"short_timers": preference.short_timers})


# --- Timesheets --------------------------------------------------------------------------------


class TimesheetSerializer(serializers.ModelSerializer):
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


class SubmitSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="Any date in the week (Monday to Sunday)")


class ReturnSerializer(serializers.Serializer):
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


# --- Reports ----------------------------------------------------------------------------------

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


class MoneySerializer(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class TimeReportRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    billable_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    billed_hours = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="After project rounding")
    amounts = MoneySerializer(many=True)
    costs = MoneySerializer(many=True, required=False, help_text="Admins only")
    margins = MoneySerializer(many=True, required=False, help_text="Admins only")


class TimeReportSerializer(serializers.Serializer):
    group_by = serializers.CharField()
    results = TimeReportRowSerializer(many=True)


class ReportFilterSerializer(serializers.Serializer):
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


class BudgetRowSerializer(serializers.Serializer):
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


class BudgetReportSerializer(serializers.Serializer):
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
