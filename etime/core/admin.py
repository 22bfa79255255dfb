from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from etime.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ("occurred_at", "actor_repr", "action", "object_type", "object_id", "object_repr", "request_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "object_repr", "actor_repr", "request_id")
    date_hierarchy = "occurred_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
