from __future__ import annotations

from django.urls import path

from accounts.api import DepartmentViewSet, EmployeeViewSet, LocationViewSet, MeView, TokenObtainView

routes = [
    ("employees", EmployeeViewSet, "employee"),
    ("departments", DepartmentViewSet, "department"),
    ("locations", LocationViewSet, "location"),
]

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token-obtain"),
    path("me/", MeView.as_view(), name="api-me"),
]
