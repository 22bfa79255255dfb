"""REST API for leave: thin translations between HTTP and leave's services and selectors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import holidays as holiday_calendars
from accounts.models import Employee, Holiday, HolidayCalendar, HolidaySource
from accounts.selectors import employee_list_visible
from etime.core import access
from etime.core.api.fields import SlugRelatedField
from etime.core.api.permissions import AdminWritesOnly, IsAdminRole, TokenScopePermission
from etime.core.api.viewsets import EtimeGenericViewSet, EtimeModelViewSet, EtimeReadOnlyViewSet
from etime.core.errors import ValidationFailed
from leave import selectors, services
from leave.holiday_names import holiday_name
from leave.models import (
    EntryKind,
    LeavePolicy,
    LeavePolicyAssignment,
    LeaveRequest,
    LeaveType,
    LedgerEntry,
)

# --- Leave types and policies ---------------------------------------------------------------


class LeaveTypeSerializer(serializers.ModelSerializer[LeaveType]):
    class Meta:
        model = LeaveType
        fields = [
            "id",
            "code",
            "name",
            "paid",
            "allow_half_days",
            "counts_non_working_days",
            "allow_negative",
            "max_consecutive_days",
            "min_notice_days",
            "attachment_required_after_days",
            "approval_levels",
            "active",
            "color",
        ]
        extra_kwargs: dict[str, Any] = {"code": {"validators": []}}


class LeaveTypeViewSet(EtimeModelViewSet):
    """Leave types: readable by everyone signed in, written by admins. Types are never
    deleted once used (their ledger and requests keep them); set `active` false instead."""

    serializer_class = LeaveTypeSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission, AdminWritesOnly]
    scope_area = "leave"
    cursor_ordering = ("code",)
    filterset_fields = ["active", "paid", "code"]
    queryset = LeaveType.objects.all()

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.leave_type_save(
            leave_type=LeaveType(**serializer.validated_data), actor=self.request.user
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        instance = cast(LeaveType, serializer.instance)
        for name, value in serializer.validated_data.items():
            setattr(instance, name, value)
        serializer.instance = services.leave_type_save(leave_type=instance, actor=self.request.user)

    def perform_destroy(self, instance: LeaveType) -> None:
        services.leave_type_delete(leave_type=instance, actor=self.request.user)


class LeavePolicyAssignmentSerializer(serializers.ModelSerializer[LeavePolicyAssignment]):
    class Meta:
        model = LeavePolicyAssignment
        fields = ["id", "policy", "leave_type", "employee", "department", "location"]
        read_only_fields = ["id", "leave_type"]
        validators: list[Any] = []


class LeavePolicySerializer(serializers.ModelSerializer[LeavePolicy]):
    assignments = LeavePolicyAssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = LeavePolicy
        fields = [
            "id",
            "name",
            "leave_type",
            "yearly_days",
            "grant",
            "prorate",
            "carry_forward_max_days",
            "carry_forward_expires_after_months",
            "assignments",
        ]
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}


class LeavePolicyViewSet(EtimeModelViewSet):
    """Yearly entitlements per leave type, with the employees, departments and locations they
    are assigned to (assign through /leave-policy-assignments/). Admins write."""

    serializer_class = LeavePolicySerializer
    permission_classes = [IsAuthenticated, TokenScopePermission, AdminWritesOnly]
    scope_area = "leave"
    cursor_ordering = ("name",)
    filterset_fields = ["leave_type", "grant"]
    queryset = LeavePolicy.objects.prefetch_related("assignments")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        policy = LeavePolicy(**serializer.validated_data)
        serializer.instance = services.leave_policy_save(policy=policy, actor=self.request.user)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        instance = cast(LeavePolicy, serializer.instance)
        for name, value in serializer.validated_data.items():
            setattr(instance, name, value)
        serializer.instance = services.leave_policy_save(policy=instance, actor=self.request.user)

    def perform_destroy(self, instance: LeavePolicy) -> None:
        services.leave_policy_delete(policy=instance, actor=self.request.user)


class LeavePolicyAssignmentViewSet(EtimeModelViewSet):
    """Which policy reaches whom: exactly one of employee, department, location. The most
    specific assignment wins (employee, then department, then location)."""

    serializer_class = LeavePolicyAssignmentSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission, IsAdminRole]
    scope_area = "leave"
    cursor_ordering = ("id",)
    filterset_fields = ["policy", "leave_type", "employee", "department", "location"]
    queryset = LeavePolicyAssignment.objects.all()
    http_method_names = ["get", "post", "delete", "head", "options"]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = services.leave_policy_assign(actor=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance: LeavePolicyAssignment) -> None:
        services.leave_policy_unassign(assignment=instance, actor=self.request.user)


# --- Holiday calendars ----------------------------------------------------------------------


class HolidayCalendarSerializer(serializers.ModelSerializer[HolidayCalendar]):
    region = serializers.CharField(read_only=True)

    class Meta:
        model = HolidayCalendar
        fields = ["id", "name", "country", "subdivision", "region", "generated_years"]
        read_only_fields = ["id", "name", "region", "generated_years"]
        validators: list[Any] = []


class HolidaySerializer(serializers.ModelSerializer[Holiday]):
    company_wide = serializers.SerializerMethodField()

    class Meta:
        model = Holiday
        fields = ["id", "date", "name", "source", "company_wide"]
        read_only_fields = ["id", "source", "company_wide"]

    def get_company_wide(self, obj: Holiday) -> bool:
        return obj.calendar_id is None

    def to_representation(self, instance: Holiday) -> dict[str, Any]:
        """A public holiday's name in the request's language (Accept-Language), as pages show
        it (leave.holiday_names); the calendar stores the package's English name. Company
        days are shown as typed."""
        data: dict[str, Any] = super().to_representation(instance)
        calendar = self.context.get("calendar") or instance.calendar
        if instance.source == HolidaySource.GENERATED and calendar is not None:
            data["name"] = holiday_name(instance.name, instance.date, calendar.country, calendar.subdivision)
        return data


class HolidayCalendarViewSet(EtimeReadOnlyViewSet):
    """Public-holiday calendars by country and subdivision (generated from the `holidays`
    package for any year on demand) plus company days. Locations get theirs by region."""

    serializer_class = HolidayCalendarSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission, AdminWritesOnly]
    scope_area = "leave"
    cursor_ordering = ("country", "subdivision")
    filterset_fields = ["country", "subdivision"]
    queryset = HolidayCalendar.objects.all()

    @extend_schema(request=HolidayCalendarSerializer, responses={201: HolidayCalendarSerializer})
    def create(self, request: Request) -> Response:
        """Create (or find) the calendar of a region; admins."""
        payload = HolidayCalendarSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            calendar = holiday_calendars.calendar_for_region(
                payload.validated_data["country"], payload.validated_data.get("subdivision", "")
            )
        except DjangoValidationError as exc:
            raise ValidationFailed(gettext("The region is unknown."), details=exc.message_dict) from None
        return Response(HolidayCalendarSerializer(calendar).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="Default: this year"),
            OpenApiParameter("date_after", date),
            OpenApiParameter("date_before", date),
        ],
        responses={200: HolidaySerializer(many=True)},
        request=HolidaySerializer,
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def days(self, request: Request, pk: Any = None) -> Response:
        """GET: the calendar's days (public and company) for `year`, or a `date_after`/
        `date_before` range. POST (admins): add a company day to this calendar."""
        calendar = self.get_object()
        if request.method == "POST":
            payload = HolidaySerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            holiday = holiday_calendars.company_day_add(
                calendar=calendar,
                day=payload.validated_data["date"],
                name=payload.validated_data["name"],
                actor=request.user,
            )
            return Response(HolidaySerializer(holiday).data, status=status.HTTP_201_CREATED)
        first, last = _date_range(request)
        days = holiday_calendars.calendar_days(calendar, first, last)
        return Response(HolidaySerializer(days, many=True, context={"calendar": calendar}).data)


def _date_range(request: Request) -> tuple[date, date]:
    params = request.query_params
    try:
        if params.get("date_after") or params.get("date_before"):
            first = date.fromisoformat(params.get("date_after") or params["date_before"])
            last = date.fromisoformat(params.get("date_before") or params["date_after"])
        else:
            year = int(params.get("year") or timezone.localdate().year)
            if not 1900 <= year <= 2200:
                raise ValueError
            first, last = date(year, 1, 1), date(year, 12, 31)
    except (ValueError, KeyError):
        raise ValidationFailed(
            gettext("Give a year or a date range."),
            details={"year": [gettext("A year, or date_after/date_before as YYYY-MM-DD.")]},
        ) from None
    if last < first or (last - first).days > 3 * 366:
        raise ValidationFailed(
            gettext("The range is empty or longer than three years."),
            details={"date_before": [gettext("Invalid range.")]},
        )
    return first, last


# --- Leave requests -------------------------------------------------------------------------


class LeaveRequestSerializer(serializers.ModelSerializer[LeaveRequest]):
    approval = serializers.SerializerMethodField()

    class Meta:
        model = LeaveRequest
        fields = [
            "id",
            "employee",
            "leave_type",
            "start_date",
            "end_date",
            "start_half",
            "end_half",
            "reason",
            "attachment",
            "days",
            "year",
            "status",
            "created_at",
            "decided_at",
            "approval",
        ]
        read_only_fields = fields

    @extend_schema_field(
        inline_serializer(
            "LeaveRequestApproval",
            {
                "id": serializers.UUIDField(),
                "status": serializers.CharField(),
                "levels": serializers.ListField(child=serializers.DictField()),
                "current_level": serializers.IntegerField(),
            },
            allow_null=True,
        )
    )
    def get_approval(self, obj: LeaveRequest) -> dict[str, Any] | None:
        from etime.core import approvals

        known = self.context.get("approvals")
        approval = known.get(str(obj.pk)) if known is not None else approvals.request_for(obj)
        if approval is None:
            return None
        return {
            "id": str(approval.pk),
            "status": approval.status,
            "levels": approval.levels,
            "current_level": approval.current_level,
        }


class LeaveRequestCreateSerializer(serializers.Serializer[Any]):
    employee = serializers.UUIDField(required=False, help_text="Default: yourself; admins may ask for anyone")
    leave_type = SlugRelatedField(
        slug_field="code", queryset=LeaveType.objects.all(), help_text="The leave type's code, e.g. vacation"
    )
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    start_half = serializers.BooleanField(default=False, help_text="The first day starts at midday")
    end_half = serializers.BooleanField(default=False, help_text="The last day ends at midday")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    attachment = serializers.FileField(required=False, allow_null=True)


class CommentSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class LeaveRequestFilter(django_filters.FilterSet):
    start_date = django_filters.DateFromToRangeFilter()
    end_date = django_filters.DateFromToRangeFilter()
    leave_type = django_filters.CharFilter(field_name="leave_type__code")

    class Meta:
        model = LeaveRequest
        fields = ["employee", "status", "year"]


class LeaveRequestViewSet(EtimeReadOnlyViewSet):
    """Leave requests of the employees you may see, plus those waiting for your decision.
    Create asks for leave (multipart for an attachment); `approve`/`reject`/`return` decide
    the current approval level; `cancel` (the employee, before the start) and `withdraw`
    (their manager or an admin, after approval) give the days back."""

    serializer_class = LeaveRequestSerializer
    filterset_class = LeaveRequestFilter
    permission_classes = [IsAuthenticated, TokenScopePermission]
    scope_area = "leave"
    cursor_ordering = ("-created_at",)
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[LeaveRequest]:
        if getattr(self, "swagger_fake_view", False):
            return LeaveRequest.objects.none()
        return selectors.leave_request_list_for(user=self.request.user).select_related("leave_type")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # noqa: S101  (always paginated)
        # The page's approvals in one query, not one per request.
        context = {**self.get_serializer_context(), "approvals": selectors.approvals_of(page)}
        return self.get_paginated_response(LeaveRequestSerializer(page, many=True, context=context).data)

    @extend_schema(request=LeaveRequestCreateSerializer, responses={201: LeaveRequestSerializer})
    def create(self, request: Request) -> Response:
        payload = LeaveRequestCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        # Invisible and unknown ids get the same answer; only admins ask in someone else's name.
        employee = access.person_for(request.user, data.pop("employee", None), access.Action.ACT_AS, field="employee")
        leave_request = services.leave_request_submit(employee=employee, actor=request.user, **data)
        return Response(LeaveRequestSerializer(leave_request).data, status=status.HTTP_201_CREATED)

    def _decide(self, request: Request, pk: Any, decision: str) -> Response:
        leave_request = self.get_object()
        payload = CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = services.leave_request_decide(
            request=leave_request, actor=request.user, decision=decision, comment=payload.validated_data["comment"]
        )
        return Response(LeaveRequestSerializer(decided).data)

    @extend_schema(request=CommentSerializer, responses={200: LeaveRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """Approve at the current level; after the last level the request is approved and
        its days are taken from the balance."""
        return self._decide(request, pk, "approve")

    @extend_schema(request=CommentSerializer, responses={200: LeaveRequestSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        return self._decide(request, pk, "reject")

    @extend_schema(request=CommentSerializer, responses={200: LeaveRequestSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: Any = None) -> Response:
        """Return for changes (a comment is required); the days are freed."""
        return self._decide(request, pk, "return")

    @extend_schema(request=None, responses={200: LeaveRequestSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        cancelled = services.leave_request_cancel(request=self.get_object(), actor=request.user)
        return Response(LeaveRequestSerializer(cancelled).data)

    @extend_schema(request=CommentSerializer, responses={200: LeaveRequestSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        payload = CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        withdrawn = services.leave_request_withdraw(
            request=self.get_object(), actor=request.user, comment=payload.validated_data["comment"]
        )
        return Response(LeaveRequestSerializer(withdrawn).data)


# --- Ledger, allocations, balances ----------------------------------------------------------


class LedgerEntrySerializer(serializers.ModelSerializer[LedgerEntry]):
    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "employee",
            "leave_type",
            "year",
            "kind",
            "days",
            "effective_date",
            "request",
            "note",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields


class LedgerFilter(django_filters.FilterSet):
    effective_date = django_filters.DateFromToRangeFilter()
    leave_type = django_filters.CharFilter(field_name="leave_type__code")

    class Meta:
        model = LedgerEntry
        fields = ["employee", "year", "kind", "request"]


class LedgerViewSet(EtimeReadOnlyViewSet):
    """The balance ledger of the employees you may see: immutable entries, newest first."""

    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerFilter
    permission_classes = [IsAuthenticated, TokenScopePermission]
    scope_area = "leave"
    cursor_ordering = ("-created_at",)

    def get_queryset(self) -> QuerySet[LedgerEntry]:
        if getattr(self, "swagger_fake_view", False):
            return LedgerEntry.objects.none()
        return selectors.ledger_list_visible(user=self.request.user)


class AllocationSerializer(serializers.Serializer[Any]):
    employee = serializers.PrimaryKeyRelatedField(queryset=Employee.objects.all())
    leave_type = SlugRelatedField(slug_field="code", queryset=LeaveType.objects.all())
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    days = serializers.DecimalField(max_digits=7, decimal_places=2, help_text="Negative takes days back")
    kind = serializers.ChoiceField(choices=[EntryKind.ALLOCATION, EntryKind.ADJUSTMENT], default=EntryKind.ALLOCATION)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


class AllocationViewSet(EtimeReadOnlyViewSet):
    """Admins grant or adjust days for an employee, leave type and year; each becomes a
    ledger entry. Lists the manual allocations and adjustments."""

    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerFilter
    permission_classes = [IsAuthenticated, TokenScopePermission, IsAdminRole]
    scope_area = "leave"
    cursor_ordering = ("-created_at",)
    queryset = LedgerEntry.objects.filter(kind__in=[EntryKind.ALLOCATION, EntryKind.ADJUSTMENT], key__isnull=True)

    @extend_schema(request=AllocationSerializer, responses={201: LedgerEntrySerializer})
    def create(self, request: Request) -> Response:
        payload = AllocationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        entry = services.allocation_create(actor=request.user, **payload.validated_data)
        return Response(LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


def _balance_rows() -> Any:
    return inline_serializer(
        "LeaveBalance",
        {
            "leave_type": serializers.UUIDField(),
            "leave_type_code": serializers.CharField(),
            "balance": serializers.DecimalField(max_digits=8, decimal_places=2),
            "pending": serializers.DecimalField(max_digits=8, decimal_places=2),
            "available": serializers.DecimalField(max_digits=8, decimal_places=2),
        },
        many=True,
    )


class EmployeeBalancesSerializer(serializers.Serializer[Any]):
    employee = serializers.UUIDField()
    year = serializers.IntegerField()
    balances = _balance_rows()


class LeaveBalanceViewSet(mixins.ListModelMixin, EtimeGenericViewSet):
    """Per employee you may see (or `employee=`), for `year` (default this year): balance,
    pending and available days per active leave type. One row per employee; the balances
    of a page come from one GROUP BY over the ledger and one over pending requests."""

    serializer_class = EmployeeBalancesSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission]
    scope_area = "leave"
    cursor_ordering = ("code",)
    filterset_class = None

    def get_queryset(self) -> QuerySet[Employee]:
        if getattr(self, "swagger_fake_view", False):
            return Employee.objects.none()
        employees = employee_list_visible(user=self.request.user).only("pk", "code")
        employee = self.request.query_params.get("employee")
        if employee:
            import uuid

            try:
                employees = employees.filter(pk=uuid.UUID(employee))
            except ValueError:
                raise ValidationFailed(
                    gettext("Not an employee id."), details={"employee": [gettext("A UUID.")]}
                ) from None
        return employees

    def _year(self) -> int:
        raw = self.request.query_params.get("year")
        try:
            year = int(raw) if raw else timezone.localdate().year
        except ValueError:
            raise ValidationFailed(gettext("Not a year."), details={"year": [gettext("A whole number.")]}) from None
        if not 2000 <= year <= 2100:
            raise ValidationFailed(gettext("Not a year."), details={"year": [gettext("Between 2000 and 2100.")]})
        return year

    @extend_schema(
        parameters=[OpenApiParameter("employee", str), OpenApiParameter("year", int, description="Default: this year")]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        year = self._year()
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # noqa: S101  (always paginated)
        types = list(LeaveType.objects.filter(active=True).order_by("code").values_list("pk", "code"))
        sums = selectors.balances(employees=[e.pk for e in page], year=year)
        zero = selectors.Balance(Decimal("0.00"), Decimal("0.00"))
        rows = []
        for employee in page:
            balances = []
            for type_id, code in types:
                b = sums.get((employee.pk, type_id), zero)
                balances.append(
                    {
                        "leave_type": str(type_id),
                        "leave_type_code": code,
                        "balance": str(b.balance),
                        "pending": str(b.pending),
                        "available": str(b.available),
                    }
                )
            rows.append({"employee": str(employee.pk), "year": year, "balances": balances})
        return self.get_paginated_response(rows)
