"""Pages, admin and API. Each app's pages come from ``<app>/urls.py`` when it has one."""

from __future__ import annotations

from importlib.util import find_spec

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from etime.api_urls import DOMAIN_APPS
from etime.core.health import healthz, live, ready
from etime.core.metrics import metrics_view
from etime.core.pwa import manifest, service_worker


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on every page (and the admin links no icon). Resolved
    per request: with the manifest storage the hashed name exists only after collectstatic,
    so calling static() at import time would break boot. A temporary redirect cached for a
    day, not a permanent one: the hashed target changes whenever the icon does."""
    response = HttpResponseRedirect(static("favicon.ico"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


urlpatterns: list[URLPattern | URLResolver] = [
    path("favicon.ico", favicon, name="favicon"),
    # The installable app (etime.core.pwa): the worker at the root, so its scope is the site.
    path("manifest.webmanifest", manifest, name="pwa_manifest"),
    path("sw.js", service_worker, name="pwa_service_worker"),
    path("healthz", healthz, name="healthz"),
    path("health/", live, name="health"),
    path("health/ready/", ready, name="health-ready"),
    path("metrics", metrics_view, name="metrics"),  # Prometheus (docs/OPERATIONS.md "Metrics")
    path("admin/", admin.site.urls),
    path("", include("etime.ops.urls")),  # operations: notification preferences
    path("api/v1/", include("etime.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"
    ),  # its script is a file (CSP)
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
# accounts owns "/" (home) and the login pages; other apps mount under their own prefix.
urlpatterns += [path("", include(f"{app}.urls")) for app in DOMAIN_APPS if find_spec(f"{app}.urls")]

# A page parameter out of range (etime.core.params) is a 400 page that says which and why.
handler400 = "etime.core.params.bad_request"
