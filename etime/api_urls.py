"""/api/v1/: the core's routes plus every app's, gathered from ``<app>/api_urls.py``.

An app exposes ``routes`` (a list of ``(prefix, viewset, basename)`` for the router) and
optionally ``urlpatterns`` (plain paths), so adding an app's API touches no shared file.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from etime.core.api.approvals import ApprovalViewSet
from etime.core.api.audit import AuditEventViewSet
from etime.ops.api import CompanySettingsView, InAppNotificationViewSet, JobViewSet

DOMAIN_APPS = ("accounts", "attendance", "devices", "leave", "timesheets", "billing")

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("approvals", ApprovalViewSet, basename="approval")
router.register("jobs", JobViewSet, basename="job")  # operations (etime.ops)
router.register("notifications", InAppNotificationViewSet, basename="notification")  # operations (etime.ops)

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/", CompanySettingsView.as_view(), name="company-settings"),  # operations (etime.ops)
]
for _app in DOMAIN_APPS:
    if find_spec(f"{_app}.api_urls") is None:
        continue
    _module: Any = import_module(f"{_app}.api_urls")
    for _prefix, _viewset, _basename in getattr(_module, "routes", []):
        router.register(_prefix, _viewset, basename=_basename)
    urlpatterns += getattr(_module, "urlpatterns", [])

urlpatterns += router.urls
