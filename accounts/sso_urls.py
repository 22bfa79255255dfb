"""The SSO routes: allauth's OpenID Connect login and callback, /accounts/oidc/<id>/login/[callback/],
and the few allauth route names its flows redirect to, all on etime's own pages. None of
allauth's account pages (its password login, signup, e-mail management) is routed."""

from __future__ import annotations

from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.urls import path

from accounts import sso_provider, sso_views

urlpatterns = [
    # allauth's own routes (openid_connect/urls.py), as paths: the same names.
    path("accounts/oidc/<str:provider_id>/login/", oidc_views.login, name="openid_connect_login"),
    path("accounts/oidc/<str:provider_id>/login/callback/", sso_provider.callback, name="openid_connect_callback"),
    path("accounts/sso/inactive/", sso_views.inactive, name="account_inactive"),
    path("accounts/sso/cancelled/", sso_views.cancelled, name="socialaccount_login_cancelled"),
]
