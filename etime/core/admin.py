from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from etime.core.models import ApprovalDelegation, ApprovalRequest, ApprovalStep, AuditEvent

# The back office carries the company's name, not "Django administration".
admin.site.site_header = format_lazy(_("{company} administration"), company=settings.ETIME_COMPANY_NAME)
admin.site.site_title = format_lazy(_("{company} admin"), company=settings.ETIME_COMPANY_NAME)
admin.site.index_title = format_lazy(_("Run {company}"), company=settings.ETIME_COMPANY_NAME)


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


class ApprovalStepInline(admin.TabularInline):
    model = ApprovalStep
    extra = 0
    can_delete = False
    readonly_fields = ("level", "actor", "on_behalf_of", "decision", "comment", "decided_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(admin.ModelAdmin):
    """Read-only here: decisions go through the apps' pages and API, which run the rules."""

    list_display = ("created_at", "kind", "summary", "requester", "status", "current_level", "decided_at")
    list_filter = ("kind", "status", "current_type")
    search_fields = ("summary", "object_id", "requester__username")
    date_hierarchy = "created_at"
    inlines = [ApprovalStepInline]
    readonly_fields = [f.name for f in ApprovalRequest._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApprovalDelegation)
class ApprovalDelegationAdmin(admin.ModelAdmin):
    list_display = ("delegator", "delegate", "starts_on", "ends_on", "created_at")
    search_fields = ("delegator__username", "delegate__username")
    raw_id_fields = ("delegator", "delegate")
    date_hierarchy = "starts_on"
