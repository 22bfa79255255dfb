"""Clients, projects and tasks: read as visibility allows, written by admins through the services."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated

from accounts.models import Employee
from etime.core.api.permissions import AdminWritesOnly, TokenScopePermission
from etime.core.api.schema import NamedChoiceField
from etime.core.api.viewsets import EtimeModelViewSet
from timesheets import selectors, services
from timesheets.models import Client, Project, ProjectStatus, Task


class ClientSerializer(serializers.ModelSerializer[Client]):
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


class ProjectSerializer(serializers.ModelSerializer[Project]):
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


class TaskSerializer(serializers.ModelSerializer[Task]):
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
