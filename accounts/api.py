from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import django_filters
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.db.models import F
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, NotFound, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import selectors, services, twofactor
from accounts.models import Department, Employee, Location, Role
from accounts.resources import EmployeeResource, export_response
from etime.core.api.fields import iso_date, iso_datetime, str_or_none
from etime.core.api.permissions import AdminWritesOnly, TokenScopePermission
from etime.core.api.schema import FILE_RESPONSES
from etime.core.api.viewsets import EtimeAPIView, EtimeModelViewSet
from etime.core.types import Actor

# --- Employees ------------------------------------------------------------------------


class EmployeeSerializer(serializers.ModelSerializer[Employee]):
    role = serializers.ChoiceField(
        choices=Role.choices, required=False, allow_null=True, help_text="Only with a login (email); null without one."
    )
    has_login = serializers.SerializerMethodField()
    password = serializers.CharField(
        write_only=True,
        required=False,
        style={"input_type": "password"},
        help_text="Admins may set a password instead of sending an invitation.",
    )
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), allow_null=True, required=False)
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all(), allow_null=True, required=False)
    manager = serializers.PrimaryKeyRelatedField(queryset=Employee.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Employee
        fields = [
            "id",
            *services.EMPLOYEE_FIELDS,  # what employee_create/employee_update take
            "role",
            "has_login",
            "password",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness is checked by the service and the database in one transaction.
        validators: list[Any] = []
        extra_kwargs: dict[str, Any] = {
            "code": {"validators": []},
            "email": {"validators": []},
            "device_user_id": {"validators": []},
            "card_number": {"validators": []},
        }

    def get_has_login(self, obj: Employee) -> bool:
        return obj.user_id is not None

    def to_representation(self, instance: Employee) -> dict[str, Any]:
        # Built by hand: DRF's per-field machinery was most of a list request's time
        # (bench api_list). test_employee_representation_matches_drf keeps the two equal.
        e = instance
        return {
            "id": str(e.id),
            "code": e.code,
            "first_name": e.first_name,
            "last_name": e.last_name,
            "email": e.email,
            "department": str_or_none(e.department_id),
            "manager": str_or_none(e.manager_id),
            "location": str_or_none(e.location_id),
            "time_zone": e.time_zone,
            "hire_date": iso_date(e.hire_date),
            "end_date": iso_date(e.end_date),
            "device_user_id": e.device_user_id,
            "card_number": e.card_number,
            "role": _role_of(e),
            "has_login": e.user_id is not None,
            "created_at": iso_datetime(e.created_at),
            "updated_at": iso_datetime(e.updated_at),
        }

    def drf_representation(self, instance: Employee) -> dict[str, Any]:
        """DRF's generic rendering, the reference the hand-built one must equal."""
        data = dict(super().to_representation(instance))
        data["role"] = _role_of(instance)
        return data


def _role_of(employee: Employee) -> str | None:
    # Lists annotate the role (one column) instead of joining in the whole user row.
    role = getattr(employee, "user_role", _UNSET)
    if role is not _UNSET:
        return cast(str | None, role)
    return employee.user.role if employee.user is not None else None


_UNSET = object()


class EmployeeFilter(django_filters.FilterSet):
    hire_date = django_filters.DateFromToRangeFilter()
    end_date = django_filters.DateFromToRangeFilter()
    active = django_filters.BooleanFilter(method="filter_active", label="Employed today")
    q = django_filters.CharFilter(method="filter_q", label="Search code, name or email")

    class Meta:
        model = Employee
        fields = ["department", "manager", "location", "code", "email", "device_user_id"]

    def filter_active(self, queryset: Any, name: str, value: bool | None) -> Any:
        from django.db.models import Q

        today = timezone.localdate()
        current = (Q(hire_date__isnull=True) | Q(hire_date__lte=today)) & (
            Q(end_date__isnull=True) | Q(end_date__gte=today)
        )
        return queryset.filter(current) if value else queryset.exclude(current)

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        from django.db.models import Q

        return queryset.filter(
            Q(code__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
        )


class EmployeeViewSet(EtimeModelViewSet):
    """Employees the caller may see: admins all, managers their reports (transitively), employees themselves."""

    serializer_class = EmployeeSerializer
    filterset_class = EmployeeFilter
    permission_classes = [IsAuthenticated, TokenScopePermission, AdminWritesOnly]
    scope_area = "employees"
    cursor_ordering = ("code",)

    def get_queryset(self) -> Any:
        queryset = selectors.employee_list_visible(user=self.request.user)
        if self.action in ("list", "export"):
            return queryset.annotate(user_role=F("user__role"))
        return queryset.select_related("user")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.employee_create(actor=self.request.user, **data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        password = data.pop("password", None)
        employee = services.employee_update(
            employee=cast(Employee, serializer.instance), actor=self.request.user, **data
        )
        if password:
            services.employee_set_password(employee=employee, password=password, actor=self.request.user)
        serializer.instance = employee

    def perform_destroy(self, instance: Employee) -> None:
        services.employee_delete(employee=instance, actor=self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, enum=["csv", "xlsx"], default="csv")],
        responses=FILE_RESPONSES,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> HttpResponse:
        """The visible employees, filtered like the list, as CSV or XLSX."""
        queryset = self.filter_queryset(self.get_queryset()).select_related("department", "location", "manager")
        return export_response(
            EmployeeResource(), queryset, request.query_params.get("file_format", "csv"), "employees"
        )

    @extend_schema(request=None, responses={202: None})
    @action(detail=True, methods=["post"])
    def invite(self, request: Request, pk: Any = None) -> Response:
        """(Re)send the set-password invitation email."""
        from django.db import transaction

        with transaction.atomic():
            services.employee_invite(employee=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_202_ACCEPTED)


class MeView(EtimeAPIView):
    """The caller's own employee record."""

    serializer_class = EmployeeSerializer

    def get(self, request: Request) -> Response:
        employee = selectors.employee_for_user(request.user)
        if employee is None:
            raise NotFound("Your login has no employee record.")
        return Response(EmployeeSerializer(employee).data)


# --- Departments and locations ---------------------------------------------------------


class DepartmentSerializer(serializers.ModelSerializer[Department]):
    class Meta:
        model = Department
        fields = ["id", "name", "code", "parent"]
        validators: list[Any] = []
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}, "code": {"validators": []}}


class LocationSerializer(serializers.ModelSerializer[Location]):
    class Meta:
        model = Location
        fields = [
            "id",
            "name",
            "time_zone",
            "country",
            "subdivision",
            "address",
            "geofence_policy",
            "geofence_latitude",
            "geofence_longitude",
            "geofence_radius_m",
        ]
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}


class _ReferenceDataViewSet(EtimeModelViewSet):
    """Readable by every signed-in user; written by admins through a service."""

    cursor_ordering = ("name",)
    permission_classes = [IsAuthenticated, TokenScopePermission, AdminWritesOnly]
    save_service: Any = None
    delete_action = ""

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        instance = self.get_queryset().model(**serializer.validated_data)
        serializer.instance = type(self).save_service(instance, actor=self.request.user)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        instance = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(instance, name, value)
        serializer.instance = type(self).save_service(instance, actor=self.request.user)

    def perform_destroy(self, instance: Any) -> None:
        services.delete_with_audit(obj=instance, actor=self.request.user, action=self.delete_action)


class DepartmentViewSet(_ReferenceDataViewSet):
    serializer_class = DepartmentSerializer
    scope_area = "departments"
    filterset_fields = ["parent", "code"]
    delete_action = "department.deleted"

    @staticmethod
    def save_service(instance: Department, actor: Actor) -> Department:
        return services.department_save(department=instance, actor=actor)

    def get_queryset(self) -> Any:
        return selectors.department_list(user=self.request.user)


class LocationViewSet(_ReferenceDataViewSet):
    serializer_class = LocationSerializer
    scope_area = "locations"
    filterset_fields = ["country", "subdivision", "time_zone"]
    delete_action = "location.deleted"

    @staticmethod
    def save_service(instance: Location, actor: Actor) -> Location:
        return services.location_save(location=instance, actor=actor)

    def get_queryset(self) -> Any:
        return selectors.location_list(user=self.request.user)


# --- Token exchange --------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(required=False, default="API token", max_length=100)
    scopes = serializers.ListField(child=serializers.CharField(), required=False, default=["read:all"])
    expires_in_days = serializers.IntegerField(required=False, min_value=1, max_value=3650, allow_null=True)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="The current code of the person's authenticator app (or a recovery code): "
        "required when they have two-factor authentication on.",
    )


class TokenResponseSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    token = serializers.CharField(help_text="Shown once; store it now.")
    name = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField(allow_null=True)


class TokenObtainView(APIView):
    """Exchange a username and password for an API token (throttled; failed attempts lock out)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token_login"

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="etime"'  # makes bad credentials a 401, not a 403

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenResponseSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # request._request: django-axes records failures and locks out on the Django request.
        user = authenticate(request=request._request, username=data["username"], password=data["password"])
        if getattr(request._request, "axes_locked_out", False):
            # AxesMiddleware replaces this response with the lockout envelope.
            return Response(status=status.HTTP_403_FORBIDDEN)
        if user is None:
            refusal = getattr(request._request, "etime_login_refusal", None)
            if refusal and getattr(request._request, "etime_directory_unreachable", False):
                raise AuthenticationFailed(refusal, code="directory_unreachable")  # accounts.ldap_backend
            if refusal:  # accounts.ldap_policy: this account may not use a local password
                raise AuthenticationFailed(refusal, code="password_login_disabled")
            raise AuthenticationFailed("Invalid username or password.", code="invalid_credentials")
        # The exchange is a sign-in: the same second factor as the login page (docs/SECURITY.md).
        if twofactor.has_second_factor(user):
            if not data.get("otp"):
                raise AuthenticationFailed(
                    "This account needs its second-factor code in `otp`.", code="two_factor_required"
                )
            if twofactor.verify(request=request._request, user=user, code=data["otp"]) is None:
                if getattr(request._request, "axes_locked_out", False):
                    return Response(status=status.HTTP_403_FORBIDDEN)
                raise AuthenticationFailed("Invalid second-factor code.", code="invalid_otp")
        elif twofactor.required_for(user):
            raise PermissionDenied(
                "Two-factor authentication is required for this account: set it up on the profile page first.",
                code="two_factor_enrolment_required",
            )
        # A token exchange is a login: the signal lets django-axes reset the failure count
        # (AXES_RESET_ON_SUCCESS) as it does for the login pages.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        expires_at = None
        if data.get("expires_in_days"):
            expires_at = timezone.now() + timedelta(days=data["expires_in_days"])
        token, raw = services.api_token_create(
            user=user, name=data["name"], scopes_requested=data["scopes"], expires_at=expires_at, actor=user
        )
        body = {
            "id": token.id,
            "token": raw,
            "name": token.name,
            "scopes": token.scopes,
            "expires_at": token.expires_at,
        }
        return Response(TokenResponseSerializer(body).data, status=status.HTTP_201_CREATED)
