"""/api/v1/: every app's routes in one router."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import DepartmentViewSet, EmployeeViewSet, LocationViewSet, MeView, TokenObtainView
from etime.core.api.audit import AuditEventViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("employees", EmployeeViewSet, basename="employee")
router.register("departments", DepartmentViewSet, basename="department")
router.register("locations", LocationViewSet, basename="location")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token-obtain"),
    path("me/", MeView.as_view(), name="api-me"),
    *router.urls,
]
