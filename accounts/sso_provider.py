"""allauth's OpenID Connect provider plus the `nonce` (OpenID Connect Core 3.1.2.1).

allauth sends `state` and PKCE but no `nonce`. Here each login gets a fresh random nonce,
sent in the authorization request and kept in allauth's state for this browser's session;
accounts/sso_adapter.py refuses an ID token whose `nonce` is not that one. Selected with
SOCIALACCOUNT_PROVIDERS["openid_connect"]["provider_class"] (etime/settings.py).
"""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import get_random_string

NONCE_STATE_KEY = "etime_nonce"


class EtimeOpenIDConnectProvider(OpenIDConnectProvider):
    def redirect(
        self, request: HttpRequest, process: Any, next_url: Any = None, data: Any = None, **kwargs: Any
    ) -> HttpResponse:
        nonce = get_random_string(43)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        auth_params = {**auth_params, "nonce": nonce}
        kwargs[NONCE_STATE_KEY] = nonce
        return super().redirect(request, process, next_url, data, auth_params=auth_params, **kwargs)
