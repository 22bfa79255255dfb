from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from etime.core.access import is_admin
from etime.core.api.permissions import AdminWritesOnly, TokenScopePermission
from etime.core.api.viewsets import EtimeGenericViewSet
from etime.ops.company import EDITABLE, company_settings, company_settings_update
from etime.ops.models import CompanySettings, Job


class JobSerializer(serializers.ModelSerializer):
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


class CompanySettingsSerializer(serializers.ModelSerializer):
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
