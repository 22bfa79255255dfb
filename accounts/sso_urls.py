"""The SSO routes: allauth's OpenID Connect login and callback, /accounts/oidc/<id>/login/[callback/],
and the few allauth route names its flows redirect to, all on etime's own pages. None of
allauth's account pages (its password login, signup, e-mail management) is routed."""

from __future__ import annotations

from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _

from accounts.sso_adapter import refused_page


def inactive(request: HttpRequest) -> HttpResponse:
    return refused_page(request, _("Your etime login is deactivated. Ask an administrator."), status=200)


def cancelled(request: HttpRequest) -> HttpResponse:
    return refused_page(request, _("The sign-in at your identity provider was cancelled."), status=200)


urlpatterns = [
    # allauth's own routes (openid_connect/urls.py), as paths: the same names and views.
    path("accounts/oidc/<str:provider_id>/login/", oidc_views.login, name="openid_connect_login"),
    path("accounts/oidc/<str:provider_id>/login/callback/", oidc_views.callback, name="openid_connect_callback"),
    path("accounts/sso/inactive/", inactive, name="account_inactive"),
    path("accounts/sso/cancelled/", cancelled, name="socialaccount_login_cancelled"),
]
