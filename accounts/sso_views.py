"""Single sign-on pages: logout (ending the provider's session too) and the dead ends of allauth's flows."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.sso_adapter import SSO_LOGOUT_SESSION_KEY, refused_page


class LogoutView(auth_views.LogoutView):
    """Django's LogoutView (POST only, ends the etime session). A person signed in through a
    provider whose discovery names an end_session_endpoint is then sent there (OpenID Connect
    RP-initiated logout) to end the provider's session too, and comes back to the login page."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        provider_logout = request.session.get(SSO_LOGOUT_SESSION_KEY)
        response = super().post(request, *args, **kwargs)
        if not isinstance(provider_logout, dict):
            return response
        query = urlencode(
            {
                "id_token_hint": provider_logout["id_token"],
                "client_id": provider_logout["client_id"],
                "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
            }
        )
        endpoint = provider_logout["end_session_endpoint"]
        return HttpResponseRedirect(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}")


def inactive(request: HttpRequest) -> HttpResponse:
    return refused_page(request, _("Your etime login is deactivated. Ask an administrator."), status=200)


def cancelled(request: HttpRequest) -> HttpResponse:
    return refused_page(request, _("The sign-in at your identity provider was cancelled."), status=200)
