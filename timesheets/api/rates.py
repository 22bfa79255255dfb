"""Dated billing and cost rates (admins only): added and deleted, never edited."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated

from etime.core.api.permissions import IsAdminRole, TokenScopePermission
from etime.core.api.viewsets import EtimeModelViewSet
from timesheets import selectors, services
from timesheets.models import Rate, RateKind


class RateSerializer(serializers.ModelSerializer[Rate]):
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
