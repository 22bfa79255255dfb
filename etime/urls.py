"""Pages, admin and API. Each app's pages come from ``<app>/urls.py`` when it has one."""

from __future__ import annotations

from importlib.util import find_spec

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from etime.api_urls import DOMAIN_APPS
from etime.core.health import healthz, live, ready

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", healthz, name="healthz"),
    path("health/", live, name="health"),
    path("health/ready/", ready, name="health-ready"),
    path("admin/", admin.site.urls),
    path("", include("etime.ops.urls")),  # operations: notification preferences
    path("api/v1/", include("etime.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
# accounts owns "/" (home) and the login pages; other apps mount under their own prefix.
urlpatterns += [path("", include(f"{app}.urls")) for app in DOMAIN_APPS if find_spec(f"{app}.urls")]
