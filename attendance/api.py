"""Attendance API: shifts, schedules, assignments, overrides, swaps, punches, attendance
days, recomputation, regularisation, locks, the monthly register and the summary.

Thin: visibility comes from attendance.selectors, writes go through attendance.services,
approvals through etime.core.approvals.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, cast

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Employee, User
from accounts.resources import export_response
from accounts.selectors import signed_in_user
from attendance import conf, reports, selectors, services
from attendance.errors import RequestNotPending
from attendance.models import (
    DAY_RESULT_FIELDS,
    DAY_STATE_FIELDS,
    AttendanceDay,
    DayStatus,
    DirectionMode,
    GeofenceStatus,
    ManualDayStatus,
    PeriodLock,
    Punch,
    PunchDirection,
    PunchDirectionRule,
    PunchSource,
    Regularisation,
    RegularisationKind,
    RequestStatus,
    Schedule,
    ScheduleAssignment,
    Shift,
    ShiftOverride,
    ShiftSwapRequest,
)
from attendance.resources import AttendanceDayResource
from attendance.views import client_ip
from etime.core import access, approvals, params
from etime.core.api.fields import AwareDateTimeField, iso_date, iso_datetime, str_or_none
from etime.core.api.permissions import AdminWritesOnly, IsAdminRole, TokenScopePermission
from etime.core.api.schema import FILE_RESPONSES, XLSX_CONTENT_TYPE, NamedChoiceField
from etime.core.api.viewsets import EtimeAPIView, EtimeGenericViewSet, EtimeModelViewSet, EtimeReadOnlyViewSet
from etime.core.dates import ensure_supported

PERMISSIONS = [IsAuthenticated, TokenScopePermission]
MAX_RECOMPUTE_DAYS = 366


def _user(request: Request) -> User:
    return signed_in_user(request.user)


def _require_manage(request: Request, employee: Employee) -> None:
    access.person_for(request.user, employee, access.Action.MANAGE)


def _on_behalf(request: Request, person: Employee | None, *, field: str) -> Employee:
    """Yourself (``person`` None or your own record), or, for a manager or an admin, someone
    they manage: a request in another's name is their manager's (or an admin's) decision."""
    own = access.own_person(request.user)
    if person is None or (own is not None and person.pk == own.pk):
        return access.person_for(request.user, None, access.Action.VIEW, field=field)
    return access.person_for(request.user, person, access.Action.MANAGE, field=field)


def _visible_employees(request: Request) -> QuerySet[Employee]:
    return selectors.employees_visible(user=request.user)


class VisibleEmployeeField(serializers.PrimaryKeyRelatedField[Employee]):
    """An employee id the caller may see; others get the same answer as an id that does not
    exist (etime.core.access: no existence leak, no name)."""

    default_error_messages = {
        "does_not_exist": access.UNKNOWN_PERSON,
        "incorrect_type": access.UNKNOWN_PERSON,
    }

    def get_queryset(self) -> QuerySet[Employee]:
        request = self.context.get("request")
        if request is None:
            return Employee.objects.none()
        return selectors.employees_visible(user=request.user)

    def to_internal_value(self, data: Any) -> Employee:
        try:
            return cast(Employee, super().to_internal_value(data))
        except (TypeError, ValueError, DjangoValidationError):
            self.fail("does_not_exist", pk_value=data)


class SwapPartnerField(VisibleEmployeeField):
    """Whom the caller may name in a swap: the people they may see, and their current
    colleagues (attendance.selectors.swap_partners); anyone else is "no employee with this id"."""

    def get_queryset(self) -> QuerySet[Employee]:
        request = self.context.get("request")
        if request is None:
            return Employee.objects.none()
        return selectors.swap_partners(user=request.user)


# --- Shifts and schedules --------------------------------------------------------------------------


class ShiftSerializer(serializers.ModelSerializer[Shift]):
    class Meta:
        model = Shift
        fields = ["id", *services.plans.SHIFT_FIELDS]
        validators: list[Any] = []  # the service and the database check uniqueness
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}, "code": {"validators": []}}


class ShiftViewSet(EtimeModelViewSet):
    """Shifts (reference data): every signed-in user reads, admins write."""

    serializer_class = ShiftSerializer
    permission_classes = [*PERMISSIONS, AdminWritesOnly]
    scope_area = "attendance"
    cursor_ordering = ("name",)
    filterset_fields = ["code"]

    def get_queryset(self) -> QuerySet[Shift]:
        return selectors.shift_list(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.shift_save(shift=Shift(**serializer.validated_data), actor=self.request.user)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        shift = cast(Shift, serializer.instance)
        for name, value in serializer.validated_data.items():
            setattr(shift, name, value)
        serializer.instance = services.shift_save(shift=shift, actor=self.request.user)

    def perform_destroy(self, instance: Shift) -> None:
        services.shift_delete(shift=instance, actor=self.request.user)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "uuid"},
            {"type": "array", "items": {"type": "string", "format": "uuid"}},
        ],
        "nullable": True,
    }
)
class CycleDayField(serializers.Field[uuid.UUID | list[uuid.UUID] | None, str | list[str] | None, Any, Any]):
    """A cycle day: a shift id, a list of shift ids (several shifts that day), or null (off)."""

    default_error_messages = {"invalid": _("Give a shift id, a list of shift ids, or null.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        uuid_field = serializers.UUIDField()
        if isinstance(data, list):
            return [uuid_field.to_internal_value(item) for item in data]
        if isinstance(data, str):
            return uuid_field.to_internal_value(data)
        self.fail("invalid")

    def to_representation(self, value: Any) -> Any:
        return value


class ScheduleSerializer(serializers.ModelSerializer[Schedule]):
    days = serializers.ListField(
        child=CycleDayField(),
        help_text="One entry per cycle day, from the anchor date: a shift id, a list of shift ids (several shifts "
        "that day, in any order; their times must not overlap), or null for off.",
    )

    class Meta:
        model = Schedule
        fields = ["id", "name", "cycle_length", "anchor_date", "description", "days"]
        validators: list[Any] = []
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}

    def to_representation(self, instance: Schedule) -> dict[str, Any]:
        return {
            "id": str(instance.id),
            "name": instance.name,
            "cycle_length": instance.cycle_length,
            "anchor_date": iso_date(instance.anchor_date),
            "description": instance.description,
            "days": services.plans.schedule_days(instance, list(instance.days.all())),
        }


class ScheduleViewSet(EtimeModelViewSet):
    """Schedules: a cycle of N days anchored at a date (weekly: N=7 anchored on a Monday)."""

    serializer_class = ScheduleSerializer
    permission_classes = [*PERMISSIONS, AdminWritesOnly]
    scope_area = "attendance"
    cursor_ordering = ("name",)

    def get_queryset(self) -> QuerySet[Schedule]:
        return selectors.schedule_list(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        days = data.pop("days")
        serializer.instance = services.schedule_save(schedule=Schedule(**data), days=days, actor=self.request.user)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        days = data.pop("days", None)
        schedule = cast(Schedule, serializer.instance)
        for name, value in data.items():
            setattr(schedule, name, value)
        serializer.instance = services.schedule_save(schedule=schedule, days=days, actor=self.request.user)

    def perform_destroy(self, instance: Schedule) -> None:
        services.schedule_delete(schedule=instance, actor=self.request.user)


# --- Assignments and overrides ------------------------------------------------------------------------


class ScheduleAssignmentSerializer(serializers.ModelSerializer[ScheduleAssignment]):
    employee = VisibleEmployeeField()

    class Meta:
        model = ScheduleAssignment
        fields = ["id", "employee", "schedule", "start_date", "end_date", "additional", "created_at"]
        read_only_fields = ["id", "created_at"]


class AssignmentFilter(django_filters.FilterSet):
    start_date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = ScheduleAssignment
        fields = ["employee", "schedule"]


class ScheduleAssignmentViewSet(EtimeModelViewSet):
    """Dated schedule assignments. Overlaps for one employee: 409 `schedule_assignment_overlap`."""

    serializer_class = ScheduleAssignmentSerializer
    permission_classes = PERMISSIONS
    scope_area = "attendance"
    cursor_ordering = ("-created_at",)
    filterset_class = AssignmentFilter

    def get_queryset(self) -> QuerySet[ScheduleAssignment]:
        return selectors.assignments_visible(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        assignment = ScheduleAssignment(**serializer.validated_data)
        _require_manage(self.request, assignment.employee)
        serializer.instance = services.assignment_save(assignment=assignment, actor=self.request.user)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        assignment = cast(ScheduleAssignment, serializer.instance)
        _require_manage(self.request, assignment.employee)
        for name, value in serializer.validated_data.items():
            setattr(assignment, name, value)
        _require_manage(self.request, assignment.employee)
        serializer.instance = services.assignment_save(assignment=assignment, actor=self.request.user)

    def perform_destroy(self, instance: ScheduleAssignment) -> None:
        _require_manage(self.request, instance.employee)
        services.assignment_delete(assignment=instance, actor=self.request.user)


class ShiftOverrideSerializer(serializers.ModelSerializer[ShiftOverride]):
    employee = VisibleEmployeeField()

    class Meta:
        model = ShiftOverride
        fields = ["id", "employee", "date", "shift", "adds", "reason", "swap", "created_at"]
        read_only_fields = ["id", "swap", "created_at"]
        validators: list[Any] = []


class OverrideFilter(django_filters.FilterSet):
    date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = ShiftOverride
        fields = ["employee", "shift"]


class ShiftOverrideViewSet(EtimeModelViewSet):
    """Per-date overrides (a shift, or off when `shift` is null); they win over schedules.
    Creating one for an employee and date that has one replaces it. With `adds: true` the
    shift is planned beside the day's other shifts (a second shift that day); shifts of one
    day must not overlap (409 `shift_overlap`)."""

    serializer_class = ShiftOverrideSerializer
    permission_classes = PERMISSIONS
    scope_area = "attendance"
    cursor_ordering = ("-created_at",)
    filterset_class = OverrideFilter

    def get_queryset(self) -> QuerySet[ShiftOverride]:
        return selectors.overrides_visible(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        _require_manage(self.request, data["employee"])
        serializer.instance = services.override_set(
            employee=data["employee"],
            day=data["date"],
            shift=data.get("shift"),
            reason=data.get("reason", ""),
            actor=self.request.user,
            adds=data.get("adds", False),
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        override = cast(ShiftOverride, serializer.instance)
        _require_manage(self.request, override.employee)
        changes = dict(serializer.validated_data)
        if "employee" in changes and changes["employee"].pk != override.employee_id:
            raise ValidationError({"employee": [gettext("An override cannot move to another employee.")]})
        changes.pop("employee", None)
        serializer.instance = services.override_update(override=override, actor=self.request.user, **changes)

    def perform_destroy(self, instance: ShiftOverride) -> None:
        _require_manage(self.request, instance.employee)
        services.override_delete(override=instance, actor=self.request.user)


# --- Approvable requests ----------------------------------------------------------------------------


class AttendanceDecisionSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class _DecisionMixin:
    """approve / reject / return actions over etime.core.approvals."""

    def _decide(self, request: Request, decision: str) -> Response:
        obj = self.get_object()  # type: ignore[attr-defined]
        payload = AttendanceDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        approval = approvals.request_for(obj)
        if approval is None:
            raise RequestNotPending(details={"status": obj.status})
        approvals.decide(
            request=approval, actor=_user(request), decision=decision, comment=payload.validated_data["comment"]
        )
        obj.refresh_from_db()
        return Response(self.get_serializer(obj).data)  # type: ignore[attr-defined]

    @extend_schema(request=AttendanceDecisionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """Approve at the current level (the employee's manager, or an admin)."""
        return self._decide(request, "approve")

    @extend_schema(request=AttendanceDecisionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        """Reject, with an optional comment."""
        return self._decide(request, "reject")

    @extend_schema(request=AttendanceDecisionSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: Any = None) -> Response:
        """Return for changes; a comment is required."""
        return self._decide(request, "return")


class ShiftSwapSerializer(serializers.ModelSerializer[ShiftSwapRequest]):
    requester = VisibleEmployeeField(required=False, help_text="Defaults to the caller's own employee record.")
    status = NamedChoiceField(choices=RequestStatus.choices, read_only=True, enum_name="AttendanceRequestStatusEnum")
    counterpart = SwapPartnerField()

    class Meta:
        model = ShiftSwapRequest
        fields = [
            "id",
            "requester",
            "counterpart",
            "date",
            "reason",
            "requester_shift",
            "counterpart_shift",
            "status",
            "decided_at",
            "decision_comment",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "requester_shift",
            "counterpart_shift",
            "status",
            "decided_at",
            "decision_comment",
            "created_at",
        ]


class SwapFilter(django_filters.FilterSet):
    date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = ShiftSwapRequest
        fields = ["status", "requester", "counterpart"]


class ShiftSwapViewSet(
    _DecisionMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, EtimeGenericViewSet
):
    """Shift swaps: two employees exchange their shifts on a date once a manager approves."""

    serializer_class = ShiftSwapSerializer
    permission_classes = PERMISSIONS
    scope_area = "attendance"
    cursor_ordering = ("-created_at",)
    filterset_class = SwapFilter

    def get_queryset(self) -> QuerySet[ShiftSwapRequest]:
        return selectors.swaps_visible(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.swaps_allowed()  # before the counterpart field answers "no employee with this id"
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        requester = _on_behalf(self.request, data.get("requester"), field="requester")
        serializer.instance = services.swap_request(
            requester=requester,
            counterpart=data["counterpart"],
            day=data["date"],
            reason=data.get("reason", ""),
            actor=self.request.user,
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        """Withdraw a pending swap (its requester, or an admin)."""
        swap = self.get_object()
        services.swap_cancel(swap=swap, actor=_user(request))
        swap.refresh_from_db()
        return Response(self.get_serializer(swap).data)


class RegularisationItemSerializer(serializers.Serializer[Any]):
    timestamp = serializers.DateTimeField(help_text="ISO 8601 with an offset")
    direction = serializers.ChoiceField(choices=PunchDirection.choices, default=PunchDirection.UNKNOWN)


class RegularisationSerializer(serializers.ModelSerializer[Regularisation]):
    employee = VisibleEmployeeField(required=False, help_text="Defaults to the caller's own employee record.")
    items = RegularisationItemSerializer(many=True, required=False)
    replace_punch_ids = serializers.ListField(child=serializers.UUIDField(), required=False)
    status = NamedChoiceField(choices=RequestStatus.choices, read_only=True, enum_name="AttendanceRequestStatusEnum")

    class Meta:
        model = Regularisation
        fields = [
            "id",
            "employee",
            "date",
            "kind",
            "items",
            "replace_punch_ids",
            "reason",
            "status",
            "decided_at",
            "decision_comment",
            "created_at",
        ]
        read_only_fields = ["id", "status", "decided_at", "decision_comment", "created_at"]

    def to_representation(self, instance: Regularisation) -> dict[str, Any]:
        return {
            "id": str(instance.id),
            "employee": str(instance.employee_id),
            "date": iso_date(instance.date),
            "kind": instance.kind,
            "items": instance.items,
            "replace_punch_ids": instance.replace_punch_ids,
            "reason": instance.reason,
            "status": instance.status,
            "decided_at": iso_datetime(instance.decided_at),
            "decision_comment": instance.decision_comment,
            "created_at": iso_datetime(instance.created_at),
        }


class RegularisationFilter(django_filters.FilterSet):
    date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Regularisation
        fields = ["employee", "status", "kind"]


class RegularisationViewSet(
    _DecisionMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, EtimeGenericViewSet
):
    """Attendance corrections. An employee's own request goes to their manager; a manager's
    or admin's correction of a report's day is applied at once."""

    serializer_class = RegularisationSerializer
    permission_classes = PERMISSIONS
    scope_area = "attendance"
    cursor_ordering = ("-created_at",)
    filterset_class = RegularisationFilter

    def get_queryset(self) -> QuerySet[Regularisation]:
        return selectors.regularisations_visible(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        employee = _on_behalf(self.request, data.get("employee"), field="employee")
        own = access.own_person(self.request.user)
        apply_directly = own is None or employee.pk != own.pk
        serializer.instance = services.regularisation_request(
            employee=employee,
            day=data["date"],
            reason=data.get("reason", ""),
            actor=self.request.user,
            kind=data.get("kind", RegularisationKind.PUNCH),
            items=[dict(i) for i in data.get("items", [])],
            replace_punch_ids=data.get("replace_punch_ids", []),
            apply_directly=apply_directly,
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        """Withdraw a pending or returned request (its requester, or an admin)."""
        regularisation = self.get_object()
        services.regularisation_cancel(regularisation=regularisation, actor=_user(request))
        regularisation.refresh_from_db()
        return Response(self.get_serializer(regularisation).data)


# --- Punches --------------------------------------------------------------------------------------


class PunchSerializer(serializers.ModelSerializer[Punch]):
    employee = VisibleEmployeeField(required=False, help_text="Defaults to the caller's own employee record.")
    timestamp = AwareDateTimeField(
        required=False,
        help_text="Your own punch takes the server's time: omit this, or send the current time (a few minutes' "
        "skew at most, else 403 `punch_time_not_allowed`). Administrators recording a punch for someone else "
        "may give any time.",
    )
    latitude = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=-90,
        max_value=90,
        help_text="The phone's position (WGS 84 degrees) for a location with a geofence; send latitude, longitude "
        "and accuracy_m together, or none. Stored with the punch only where a geofence checked it.",
    )
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    accuracy_m = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=1_000_000,
        help_text="The position's accuracy in metres, as the device reports it (the browser's `coords.accuracy`).",
    )
    geofence = serializers.ChoiceField(
        choices=GeofenceStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text="Where the position lay against the location's geofence; empty where no geofence checked it.",
    )

    class Meta:
        model = Punch
        fields = [
            "id",
            "employee",
            "timestamp",
            "direction",
            "source",
            "device_id",
            "device_user_id",
            "note",
            "created_at",
            "latitude",
            "longitude",
            "accuracy_m",
            "geofence",
            "geofence_distance_m",
            "geofence_flagged",
            "offline_drift_seconds",
        ]
        read_only_fields = [
            "id",
            "source",
            "device_id",
            "device_user_id",
            "created_at",
            "geofence",
            "geofence_distance_m",
            "geofence_flagged",
            "offline_drift_seconds",
        ]
        validators: list[Any] = []  # the device log's uniqueness is the ingest's business, not an API punch's


class PunchFilter(django_filters.FilterSet):
    timestamp = django_filters.IsoDateTimeFromToRangeFilter()

    class Meta:
        model = Punch
        fields = ["employee", "source", "direction", "device_id"]


class PunchViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, EtimeGenericViewSet):
    """Punches of the people you may see. POST records an API punch (`source` = `api`) for
    yourself at the server's time (the punch policy: your location must accept API punches
    from your network), or for anyone at any time as an admin; refusals are 403
    `punch_source_not_allowed`, `punch_network_not_allowed` or `punch_time_not_allowed`; where your
    location has a geofence, send `latitude`, `longitude` and `accuracy_m` (refusals:
    `punch_outside_geofence`, `punch_position_required`, `punch_position_inaccurate`).
    Send an `Idempotency-Key` when you retry."""

    serializer_class = PunchSerializer
    permission_classes = PERMISSIONS
    scope_area = "punches"
    cursor_ordering = ("-timestamp",)
    filterset_class = PunchFilter

    def get_queryset(self) -> QuerySet[Punch]:
        return selectors.punches_visible(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        employee = access.person_for(self.request.user, data.get("employee"), access.Action.ACT_AS, field="employee")
        serializer.instance = services.punch_create(
            employee=employee,
            timestamp=data.get("timestamp"),
            source=PunchSource.API,
            actor=self.request.user,
            direction=data.get("direction", PunchDirection.UNKNOWN),
            note=data.get("note", ""),
            address=client_ip(self.request),
            position=services.parse_position(data.get("latitude"), data.get("longitude"), data.get("accuracy_m")),
        )


# --- Attendance days --------------------------------------------------------------------------------


class AttendanceDaySerializer(serializers.ModelSerializer[AttendanceDay]):
    status = NamedChoiceField(choices=DayStatus.choices, enum_name="AttendanceStatusEnum")

    class Meta:
        model = AttendanceDay
        fields = [
            "id",
            "employee",
            "date",
            *DAY_RESULT_FIELDS,
            *DAY_STATE_FIELDS,
            "computed_at",
            "parts",
        ]

    def to_representation(self, instance: AttendanceDay) -> dict[str, Any]:
        # Built by hand: lists of days are long (a month of a department), and DRF's
        # per-field machinery would dominate them.
        d = instance
        return {
            "id": str(d.id),
            "employee": str(d.employee_id),
            "date": iso_date(d.date),
            "shift": str_or_none(d.shift_id),
            "status": d.status,
            "first_in": iso_datetime(d.first_in),
            "last_out": iso_datetime(d.last_out),
            "worked_minutes": d.worked_minutes,
            "late_minutes": d.late_minutes,
            "early_exit_minutes": d.early_exit_minutes,
            "overtime_minutes": d.overtime_minutes,
            "is_off_day": d.is_off_day,
            "is_holiday": d.is_holiday,
            "leave_kind": d.leave_kind,
            "punch_count": d.punch_count,
            "is_final": d.is_final,
            "waiting_for": d.waiting_for,
            "window_start": iso_datetime(d.window_start),
            "window_end": iso_datetime(d.window_end),
            "is_manual": d.is_manual,
            "manual_reason": d.manual_reason,
            "manual_by": str_or_none(d.manual_by_id),
            "computed_at": iso_datetime(d.computed_at),
            # One entry per planned shift (a day with one shift: the day itself).
            "parts": d.shift_parts(),
        }


class AttendanceDayFilter(django_filters.FilterSet):
    date = django_filters.DateFromToRangeFilter()
    department = django_filters.UUIDFilter(field_name="employee__department")
    status = django_filters.MultipleChoiceFilter(choices=DayStatus.choices)

    class Meta:
        model = AttendanceDay
        fields = ["employee", "is_final"]


class AttendanceDayViewSet(EtimeReadOnlyViewSet):
    """Computed attendance, one row per employee and date, in date order. `is_final` false
    means provisional: `waiting_for` lists the time clocks that may still hold punches."""

    serializer_class = AttendanceDaySerializer
    permission_classes = PERMISSIONS
    scope_area = "attendance"
    cursor_ordering = ("sort_key",)
    filterset_class = AttendanceDayFilter

    def get_queryset(self) -> QuerySet[AttendanceDay]:
        return selectors.attendance_days_visible(user=self.request.user).select_related("shift")

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, enum=["csv", "xlsx"], default="csv")],
        responses=FILE_RESPONSES,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> HttpResponse:
        """The visible days, filtered like the list, as CSV or XLSX."""
        queryset = (
            self.filter_queryset(self.get_queryset())
            .select_related("employee__department", "shift")
            .order_by("sort_key")
        )
        return export_response(
            AttendanceDayResource(), queryset, request.query_params.get("file_format", "csv"), "attendance-days"
        )


# --- Manual day status ---------------------------------------------------------------------------------


class ManualDayStatusSerializer(serializers.ModelSerializer[ManualDayStatus]):
    employee = VisibleEmployeeField()
    status = NamedChoiceField(
        choices=[(s, label) for s, label in DayStatus.choices if s in services.manual.MANUAL_STATUSES],
        enum_name="ManualDayStatusEnum",
    )

    class Meta:
        model = ManualDayStatus
        fields = ["id", "employee", "date", "status", "reason", "set_by", "set_at"]
        read_only_fields = ["id", "set_by", "set_at"]
        validators: list[Any] = []  # one per employee and date: setting again replaces it

    def validate_date(self, value: date) -> date:
        ensure_supported(date=value)
        return value


class ManualDayStatusFilter(django_filters.FilterSet):
    date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = ManualDayStatus
        fields = ["employee", "status"]


class ManualDayStatusViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, EtimeReadOnlyViewSet):
    """Day statuses set by hand (an admin or the person's manager, with a reason): the
    recompute keeps them until they are deleted. Creating one for an employee and date that
    has one replaces it. The day shows `is_manual` in /attendance-days/."""

    serializer_class = ManualDayStatusSerializer
    permission_classes = PERMISSIONS
    scope_area = "attendance"
    cursor_ordering = ("-set_at",)
    filterset_class = ManualDayStatusFilter

    def get_queryset(self) -> QuerySet[ManualDayStatus]:
        return selectors.manual_statuses_visible(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        services.day_status_set(
            employee=data["employee"],
            day=data["date"],
            status=data["status"],
            reason=data["reason"],
            actor=self.request.user,
        )
        serializer.instance = ManualDayStatus.objects.get(employee=data["employee"], date=data["date"])

    def perform_destroy(self, instance: ManualDayStatus) -> None:
        services.day_status_clear(employee=instance.employee, day=instance.date, actor=self.request.user)


# --- Punch direction rules ---------------------------------------------------------------------------


class PunchDirectionRuleSerializer(serializers.ModelSerializer[PunchDirectionRule]):
    mode = NamedChoiceField(choices=DirectionMode.choices, enum_name="PunchDirectionModeEnum")

    class Meta:
        model = PunchDirectionRule
        fields = ["id", "location", "device_id", "mode"]
        validators: list[Any] = []  # the service and the database check "one rule per location/device"
        extra_kwargs: dict[str, Any] = {"device_id": {"validators": []}, "location": {"validators": []}}


class PunchDirectionRuleViewSet(EtimeModelViewSet):
    """How punches pair up (admins): per location or per time clock (`device_id`, exactly one
    of the two). A device's rule wins over the location's; without either, `first_last`."""

    serializer_class = PunchDirectionRuleSerializer
    permission_classes = [*PERMISSIONS, IsAdminRole]
    scope_area = "attendance"
    cursor_ordering = ("id",)
    filterset_fields = ["location", "device_id", "mode"]
    queryset = PunchDirectionRule.objects.all()

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        rule = PunchDirectionRule(**serializer.validated_data)
        serializer.instance = services.direction_rule_save(rule=rule, actor=self.request.user)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        rule = cast(PunchDirectionRule, serializer.instance)
        for name, value in serializer.validated_data.items():
            setattr(rule, name, value)
        serializer.instance = services.direction_rule_save(rule=rule, actor=self.request.user)

    def perform_destroy(self, instance: PunchDirectionRule) -> None:
        services.direction_rule_delete(rule=instance, actor=self.request.user)


class RecomputeSerializer(serializers.Serializer[Any]):
    employee = serializers.UUIDField(required=False, allow_null=True, help_text="Omit for everyone you may see.")
    date_from = serializers.DateField()
    date_to = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        ensure_supported(date_from=attrs["date_from"], date_to=attrs["date_to"])
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": [gettext("Must not be before date_from.")]})
        if (attrs["date_to"] - attrs["date_from"]).days >= MAX_RECOMPUTE_DAYS:
            raise serializers.ValidationError({"date_to": [f"At most {MAX_RECOMPUTE_DAYS} days at once."]})
        return attrs


class RecomputeView(EtimeAPIView):
    """Recompute attendance for a range. Small ranges (up to the configured number of
    employee-days) run at once and return the days (200); larger ones are queued (202)."""

    permission_classes = PERMISSIONS
    scope_area = "attendance"
    serializer_class = RecomputeSerializer

    @extend_schema(
        request=RecomputeSerializer,
        responses={
            200: inline_serializer(
                "RecomputeDone", {"queued": serializers.BooleanField(), "days": AttendanceDaySerializer(many=True)}
            ),
            202: inline_serializer(
                "RecomputeQueued", {"queued": serializers.BooleanField(), "marked": serializers.IntegerField()}
            ),
        },
    )
    def post(self, request: Request) -> Response:
        payload = RecomputeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        employees = _visible_employees(request)
        if data.get("employee"):
            employees = employees.filter(pk=access.person_for(request.user, data["employee"]).pk)
        ids = list(employees.order_by("id").values_list("id", flat=True))
        days = (data["date_to"] - data["date_from"]).days + 1
        if len(ids) * days > conf.sync_recompute_limit():
            from django.db import transaction

            with transaction.atomic():
                marked = services.mark_dirty_range(ids, data["date_from"], data["date_to"])
            return Response({"queued": True, "marked": marked}, status=status.HTTP_202_ACCEPTED)
        services.recompute(employee_ids=ids, date_from=data["date_from"], date_to=data["date_to"])
        rows = AttendanceDay.objects.filter(
            employee_id__in=ids, date__gte=data["date_from"], date__lte=data["date_to"]
        ).order_by("sort_key")
        return Response({"queued": False, "days": AttendanceDaySerializer(rows, many=True).data})


# --- Locks ---------------------------------------------------------------------------------------------


class PeriodLockSerializer(serializers.ModelSerializer[PeriodLock]):
    class Meta:
        model = PeriodLock
        fields = ["id", "date_from", "date_to", "note", "locked_by", "locked_at"]
        read_only_fields = ["id", "locked_by", "locked_at"]


class PeriodLockViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, EtimeReadOnlyViewSet):
    """Closed periods (admins): attendance changes inside them answer 409 `period_locked`."""

    serializer_class = PeriodLockSerializer
    permission_classes = [*PERMISSIONS, IsAdminRole]
    scope_area = "attendance"
    cursor_ordering = ("-locked_at",)
    queryset = PeriodLock.objects.all()

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        serializer.instance = services.period_lock_create(
            date_from=data["date_from"], date_to=data["date_to"], note=data.get("note", ""), actor=self.request.user
        )

    def perform_destroy(self, instance: PeriodLock) -> None:
        services.period_lock_delete(lock=instance, actor=self.request.user)


# --- Reports ------------------------------------------------------------------------------------------


class _FileRenderer(BaseRenderer):
    """Lets ``?format=csv|xlsx|pdf`` through content negotiation; the view builds the file."""

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else b""


class CSVFileRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXFileRenderer(_FileRenderer):
    media_type = XLSX_CONTENT_TYPE
    format = "xlsx"


class PDFFileRenderer(_FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


def _report_employees(request: Request) -> QuerySet[Employee]:
    for name in ("department", "employee"):
        _uuid_param(request, name)
    employees = _visible_employees(request)
    department = request.query_params.get("department")
    employee = request.query_params.get("employee")
    if department:
        employees = employees.filter(department_id=department)
    if employee:
        employees = employees.filter(pk=employee)
    return employees


def _uuid_param(request: Request, name: str) -> None:
    import uuid

    value = request.query_params.get(name)
    if value:
        try:
            uuid.UUID(value)
        except ValueError:
            raise ValidationError({name: ["Must be a UUID."]}) from None


def _report_dates(request: Request, **rules: Callable[[str | None, str], date | None]) -> dict[str, date | None]:
    """A report's month or date query parameters read by the pages' rules (well formed, inside
    etime's supported dates; None when missing), refused as one ``validation_error`` naming
    each bad parameter."""
    values: dict[str, date | None] = {}
    errors: dict[str, list[str]] = {}
    for name, parse in rules.items():
        try:
            values[name] = parse(request.query_params.get(name), name)
        except params.InvalidPageParameter as error:
            errors[name] = [error.message]
    if errors:
        raise ValidationError(errors)
    return values


class RegisterView(EtimeAPIView):
    """The monthly register: every employee you may see × every day of the month, with
    status codes and totals. `?format=csv|xlsx|pdf` downloads it."""

    permission_classes = PERMISSIONS
    scope_area = "attendance"
    renderer_classes = [JSONRenderer, CSVFileRenderer, XLSXFileRenderer, PDFFileRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, required=True, description="YYYY-MM"),
            OpenApiParameter("department", OpenApiTypes.UUID),
            OpenApiParameter("employee", OpenApiTypes.UUID),
            OpenApiParameter("format", str, enum=list(reports.FORMATS), default="json"),
        ],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="Register JSON, or the file")},
    )
    def get(self, request: Request) -> Response | HttpResponse:
        month = _report_dates(request, month=params.month_value)["month"]
        if month is None:
            raise ValidationError({"month": [gettext("Give the month as YYYY-MM.")]})
        register = reports.monthly_register(employees=_report_employees(request), month=month)
        file_format = request.accepted_renderer.format if request.accepted_renderer else "json"
        if file_format in ("csv", "xlsx", "pdf"):
            return reports.register_response(register, file_format)
        return Response(reports.register_json(register))


class SummaryView(EtimeAPIView):
    """Per-employee totals for a range (or `month`): days present, absent, half days,
    missing punches, leave, holidays, late count and minutes, early exits, overtime."""

    permission_classes = PERMISSIONS
    scope_area = "attendance"

    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM (or give date_after and date_before)"),
            OpenApiParameter("date_after", OpenApiTypes.DATE),
            OpenApiParameter("date_before", OpenApiTypes.DATE),
            OpenApiParameter("department", OpenApiTypes.UUID),
            OpenApiParameter("employee", OpenApiTypes.UUID),
        ],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT)},
    )
    def get(self, request: Request) -> Response:
        month = _report_dates(request, month=params.month_value)["month"]
        if month is not None:
            date_from, date_to = reports.month_bounds(month)
        else:
            given = _report_dates(request, date_after=params.date_value, date_before=params.date_value)
            after, before = given["date_after"], given["date_before"]
            if after is None or before is None:
                raise ValidationError(
                    {"date_after": [gettext("Give month=YYYY-MM, or date_after and date_before (YYYY-MM-DD).")]}
                )
            date_from, date_to = after, before
        if date_to < date_from or date_to - date_from > timedelta(days=MAX_RECOMPUTE_DAYS):
            raise ValidationError({"date_before": [f"A range of 1 to {MAX_RECOMPUTE_DAYS} days."]})
        employees = _report_employees(request).order_by("code")
        totals = reports.summary(employees, date_from, date_to)
        return Response(
            {
                "date_from": date_from.isoformat(),
                "date_to": date_to.isoformat(),
                "results": [
                    {
                        "employee": {"id": str(e.pk), "code": e.code, "name": e.full_name},
                        **totals.get(e.pk, reports.Totals()).as_dict(),
                    }
                    for e in employees.only("id", "code", "first_name", "last_name")
                ],
            }
        )
