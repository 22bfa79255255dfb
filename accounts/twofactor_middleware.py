"""The two-factor gate: a signed-in session that still owes a second factor reaches only the
second-step pages (enter a code, or set up an app when it is required), logout, and static
files. Pages redirect there; the API answers 403 with the error envelope. Bearer tokens
are not sessions: DRF authenticates them after this middleware, which sees an anonymous
request and lets it through (docs/SECURITY.md "Two-factor authentication").

What a session owes is decided once, at sign-in (``user_logged_in``), and kept in the
session, so a person without a second factor costs no query per request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import twofactor
from etime.core.errors import envelope
from etime.core.middleware import is_api_path

SESSION_KEY = "etime_2fa"
CLEAR, VERIFY, ENROL = "clear", "verify", "enrol"


def owed(user: Any) -> str:
    if twofactor.has_second_factor(user):
        return VERIFY
    return ENROL if twofactor.required_for(user) else CLEAR


def remember(request: HttpRequest, user: Any) -> str:
    """Works out what this session owes and keeps it (after sign-in, enrolment or disabling)."""
    request.session[SESSION_KEY] = answer = owed(user)
    return answer


@receiver(user_logged_in, dispatch_uid="etime_twofactor_remember")
def _on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # The token exchange sends this signal too, for a request no one is signed in to: it
    # must not start a session.
    if (
        request is not None
        and hasattr(request, "session")
        and getattr(getattr(request, "user", None), "pk", None) == user.pk
    ):
        remember(request, user)


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: frozenset[str] | None = None

    def is_open(self, path: str) -> bool:
        if self._open is None:
            # The app's manifest and service worker too: the browser fetches them on the code
            # page itself, and a worker script behind a redirect is an error in the console.
            names = ("login", "logout", "twofactor_verify", "twofactor_setup", "pwa_manifest", "pwa_service_worker")
            self._open = frozenset(reverse(name) for name in names)
        return path in self._open or path.startswith((settings.STATIC_URL, "/health", "/favicon.ico"))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        state = request.session.get(SESSION_KEY) or remember(request, user)
        if state == CLEAR or user.is_verified():
            return self.get_response(request)
        if self.is_open(request.path):
            # The second step's own pages: signed in by password only, so the page offers
            # nothing that needs a full session (base.html: no device registration).
            request.twofactor_pending = True  # type: ignore[attr-defined]
            return self.get_response(request)
        if state == VERIFY and not twofactor.has_second_factor(user):
            # Its devices were removed (an admin reset them) since sign-in: decide again.
            state = remember(request, user)
            if state == CLEAR:
                return self.get_response(request)
        if is_api_path(request.path):
            code, message = (
                ("two_factor_required", _("Enter your second factor on the sign-in page first."))
                if state == VERIFY
                else ("two_factor_enrolment_required", _("Set up two-factor authentication on your profile first."))
            )
            return JsonResponse(envelope(code, message), status=403)
        target = reverse("twofactor_verify" if state == VERIFY else "twofactor_setup")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
