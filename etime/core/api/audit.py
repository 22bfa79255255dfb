from __future__ import annotations

import django_filters
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated

from etime.core.api.permissions import IsAdminRole, TokenScopePermission
from etime.core.api.viewsets import EtimeReadOnlyViewSet
from etime.core.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor",
            "actor_repr",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "request_id",
        ]


class AuditEventFilter(django_filters.FilterSet):
    occurred_at = django_filters.IsoDateTimeFromToRangeFilter()
    action = django_filters.CharFilter()
    action_prefix = django_filters.CharFilter(field_name="action", lookup_expr="startswith")
    object_type = django_filters.CharFilter()
    object_id = django_filters.CharFilter()
    actor = django_filters.UUIDFilter(field_name="actor_id")
    request_id = django_filters.CharFilter()

    class Meta:
        model = AuditEvent
        fields: list[str] = []


class AuditEventViewSet(EtimeReadOnlyViewSet):
    """The audit trail (admins only), newest first."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    permission_classes = [IsAuthenticated, TokenScopePermission, IsAdminRole]
    scope_area = "audit_events"
    cursor_ordering = ("-occurred_at",)
