"""The installable app (issue #20): the web app manifest and the service worker.

Both are rendered per request rather than served as static files: the manifest's names are
in the visitor's language, and the service worker must name the *hashed* static URLs that
WhiteNoise's manifest storage serves in production (a fixed list in a static file would
point at names that do not exist after collectstatic). The worker is served at ``/sw.js``
so that its scope is the whole site. The self-service pages it keeps for offline use are
named here by URL name: the core imports no app (DESIGN §1), and a page whose app is not
installed is skipped.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

THEME_COLOR = "#14202e"
BACKGROUND_COLOR = "#f5f6f8"

# The app shell: what every self-service page needs, fetched when the worker installs.
SHELL = (
    "css/etime.css",
    "vendor/htmx-2.0.11.min.js",
    "pwa/pwa.js",
    "pwa/queue.js",
    "timesheets/timesheets.css",
    "timesheets/timesheets.js",
    "favicon.svg",
    "pwa/icon-192.png",
    "pwa/icon-512.png",
    "js/palette.js",
    "css/palette.css",  # every signed-in page: shortcuts and the command palette
)
# Pages kept for offline use (the home page's clock, my attendance, the timer, my week).
OFFLINE_PAGES = ("home", "attendance_mine", "timesheets:timer", "timesheets:week")
# Manifest shortcuts: (label, URL name).
SHORTCUTS = (
    ("Clock in or out", "attendance_mine"),
    ("Timer", "timesheets:timer"),
    ("My week", "timesheets:week"),
    ("Leave", "leave:mine"),
)
BACKGROUND_SYNC_TAG = "etime-offline-queue"


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def offline_pages() -> list[str]:
    return [url for url in (_url(name) for name in OFFLINE_PAGES) if url]


def labels() -> dict[str, str]:
    """What static/pwa/pwa.js shows, in the page's language (a JSON island: no inline script)."""
    return {
        "punch_in": _("Clock in"),
        "punch_out": _("Clock out"),
        "timer_start": _("Start timer"),
        "timer_stop": _("Stop timer"),
        "dismiss": _("Dismiss"),
        "not_accepted": _("Not accepted."),
        "queued": _("You are offline: saved on this device, waiting to sync."),
        "sent": _("Back online: %(count)s action(s) recorded offline were sent."),
        "not_registered": _("You are offline and this device is not registered yet: open etime once online first."),
    }


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest (https://www.w3.org/TR/appmanifest/), in the visitor's language."""
    labels = {
        "Clock in or out": _("Clock in or out"),
        "Timer": _("Timer"),
        "My week": _("My week"),
        "Leave": _("Leave"),
    }
    icon = {"src": static("pwa/icon-192.png"), "sizes": "192x192", "type": "image/png"}
    body = {
        "id": "/",
        "name": f"etime · {settings.ETIME_COMPANY_NAME}",
        "short_name": "etime",
        "description": _("Clock in and out, track time and ask for leave, also offline."),
        "lang": request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else settings.LANGUAGE_CODE,
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {**icon, "purpose": "any"},
            {"src": static("pwa/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": static("pwa/icon-maskable-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "maskable",
            },
            {
                "src": static("pwa/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
        "shortcuts": [
            {"name": labels[label], "short_name": labels[label], "url": url, "icons": [icon]}
            for label, url in ((label, _url(name)) for label, name in SHORTCUTS)
            if url
        ],
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker: precaches the shell and the self-service pages, serves them when
    the network is gone, and sends the offline queue (static/pwa/queue.js) on Background Sync.
    Its cache is named after a hash of what it lists, so a deploy that changes a static file
    (a new hashed name) installs a new worker and drops the old cache."""
    shell = [static(path) for path in SHELL]
    pages = offline_pages()
    context: dict[str, Any] = {
        "shell": json.dumps(shell),
        "pages": json.dumps(pages),
        "queue_js": json.dumps(static("pwa/queue.js")),
        "sync_tag": json.dumps(BACKGROUND_SYNC_TAG),
        "static_prefix": json.dumps(settings.STATIC_URL),
        "me_url": json.dumps(_url("api-me") or "/api/v1/me/"),
        "version": json.dumps(hashlib.sha256(json.dumps([shell, pages]).encode()).hexdigest()[:16]),
    }
    response = HttpResponse(render_to_string("pwa/sw.js", context), content_type="text/javascript; charset=utf-8")
    # Browsers check for a new worker at most daily anyway; never let a proxy keep an old one.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response
