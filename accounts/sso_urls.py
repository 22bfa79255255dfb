"""The SSO routes: allauth's OpenID Connect login and callback, /accounts/oidc/<id>/login/[callback/],
and the few allauth route names its flows redirect to, all on etime's own pages. None of
allauth's account pages (its password login, signup, e-mail management) is routed."""

from __future__ import annotations

from allauth.socialaccount.providers.openid_connect.urls import urlpatterns as oidc_urlpatterns
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.utils.translation import gettext as _

from accounts.sso_adapter import refused_page


def inactive(request: HttpRequest) -> HttpResponse:
    return refused_page(request, _("Your etime login is deactivated. Ask an administrator."))


def cancelled(request: HttpRequest) -> HttpResponse:
    return refused_page(request, _("The sign-in at your identity provider was cancelled."), status=400)


urlpatterns = [
    path("accounts/", include(oidc_urlpatterns)),
    path("accounts/sso/inactive/", inactive, name="account_inactive"),
    path("accounts/sso/cancelled/", cancelled, name="socialaccount_login_cancelled"),
]
