"""Response hardening that settings alone cannot express (docs/SECURITY.md).

``SecureCookiesOverTlsMiddleware``: Django marks the session and CSRF cookies ``Secure`` by
a fixed setting (``ETIME_SECURE_COOKIES``, on for an https ``ETIME_BASE_URL``). A site
reached over TLS under another base URL (a second name, a TLS proxy added later) would
still send them without the flag, so a later plain-HTTP request could leak them. This
marks every cookie of a response ``Secure`` whenever the request itself came over TLS
(``request.is_secure()``: the socket, or ``X-Forwarded-Proto`` from our own proxy when
``ETIME_BEHIND_TLS_PROXY`` is set).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class SecureCookiesOverTlsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.is_secure():
            for morsel in response.cookies.values():
                morsel["secure"] = True
        return response
