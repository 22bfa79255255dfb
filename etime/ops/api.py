from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from etime.core.access import is_admin
from etime.core.api.permissions import AdminWritesOnly, TokenScopePermission
from etime.core.api.viewsets import EtimeGenericViewSet
from etime.ops.company import EDITABLE, company_settings, company_settings_update
from etime.ops.models import CompanySettings, InAppNotification, Job
from etime.ops.notifications import inbox_of, mark_read, unread_count


class JobSerializer(serializers.ModelSerializer[Job]):
    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "state",
            "done",
            "total",
            "message",
            "errors",
            "result",
            "created_at",
            "updated_at",
            "finished_at",
        ]
        read_only_fields = fields


class JobViewSet(mixins.RetrieveModelMixin, EtimeGenericViewSet):
    """A long job's progress: poll until ``state`` is ``succeeded`` or ``failed``. Users see
    the jobs they started; admins see all (others get 404)."""

    queryset = Job.objects.all()
    serializer_class = JobSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission]
    scope_area = "jobs"

    def get_queryset(self) -> Any:
        user = self.request.user
        jobs = super().get_queryset()
        return jobs if is_admin(user) else jobs.filter(started_by=user)


class CompanySettingsSerializer(serializers.ModelSerializer[CompanySettings]):
    class Meta:
        model = CompanySettings
        fields = [*EDITABLE, "logo", "updated_at"]
        read_only_fields = ["logo", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return attrs  # the service's full_clean decides; errors come back per field


class CompanySettingsView(APIView):
    """Company settings: every signed-in user reads them; admins change them."""

    permission_classes = [IsAuthenticated, TokenScopePermission, AdminWritesOnly]
    scope_area = "settings"

    @extend_schema(responses=CompanySettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(CompanySettingsSerializer(company_settings(), context={"request": request}).data)

    @extend_schema(request=CompanySettingsSerializer, responses=CompanySettingsSerializer)
    def patch(self, request: Request) -> Response:
        serializer = CompanySettingsSerializer(company_settings(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        obj = company_settings_update(actor=request.user, **serializer.validated_data)
        return Response(CompanySettingsSerializer(obj, context={"request": request}).data)

    @extend_schema(request=CompanySettingsSerializer, responses=CompanySettingsSerializer)
    def put(self, request: Request) -> Response:
        return self.patch(request)


class InAppNotificationSerializer(serializers.ModelSerializer[InAppNotification]):
    read = serializers.SerializerMethodField(help_text="Whether it was marked read")
    link = serializers.SerializerMethodField(help_text="Absolute URL of the page about the object; empty when none")

    class Meta:
        model = InAppNotification
        fields = ["id", "kind", "subject", "body", "link", "created_at", "read", "read_at"]
        read_only_fields = fields

    def get_read(self, obj: InAppNotification) -> bool:
        return obj.read_at is not None

    def get_link(self, obj: InAppNotification) -> str:
        return f"{settings.ETIME_BASE_URL}{obj.link}" if obj.link else ""


class MarkedReadSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField(help_text="How many changed from unread to read")
    unread = serializers.IntegerField(help_text="Unread left")


class InAppNotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EtimeGenericViewSet):
    """The caller's in-app notifications (the bell), newest first; ``?unread=true`` lists
    only unread ones. Nobody sees another person's (404)."""

    serializer_class = InAppNotificationSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission]
    scope_area = "notifications"
    cursor_ordering = ("-id",)
    queryset = InAppNotification.objects.none()

    def get_queryset(self) -> Any:
        rows = inbox_of(self.request.user)
        if self.action == "list" and self.request.query_params.get("unread") in ("true", "1"):
            rows = rows.filter(read_at__isnull=True)
        return rows

    @extend_schema(request=None, responses={200: MarkedReadSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        """Mark one notification read."""
        notification = self.get_object()
        marked = mark_read(user=request.user, ids=[notification.pk])
        return Response({"marked": marked, "unread": unread_count(request.user)})

    @extend_schema(request=None, responses={200: MarkedReadSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark all of the caller's notifications read."""
        return Response({"marked": mark_read(user=request.user), "unread": 0})
