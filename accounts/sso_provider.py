"""allauth's OpenID Connect provider plus the `nonce` (OpenID Connect Core 3.1.2.1).

allauth sends `state` and PKCE but no `nonce`. Here each login gets a fresh random nonce,
sent in the authorization request and kept in allauth's state for this browser's session;
accounts/sso_adapter.py refuses an ID token whose `nonce` is not that one. Selected with
SOCIALACCOUNT_PROVIDERS["openid_connect"]["provider_class"] (etime/settings.py).

The callback (accounts/sso_urls.py) uses EtimeOpenIDConnectAdapter, which also keeps the ID
token and the provider's end_session_endpoint for RP-initiated logout (accounts/sso_views.py).
"""

from __future__ import annotations

from typing import Any

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404, HttpRequest, HttpResponse
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


class EtimeOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    """Keeps what RP-initiated logout needs: the raw ID token and the provider's end_session_endpoint."""

    def complete_login(self, request: HttpRequest, app: Any, token: Any, **kwargs: Any) -> Any:
        login = super().complete_login(request, app, token, **kwargs)
        end_session = self.openid_config.get("end_session_endpoint")
        id_token = kwargs["response"].get("id_token")
        if end_session and id_token:
            login.etime_logout = {"end_session_endpoint": end_session, "id_token": id_token, "client_id": app.client_id}
        return login


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's openid_connect callback view, with the adapter above."""
    try:
        view = OAuth2CallbackView.adapter_view(EtimeOpenIDConnectAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
