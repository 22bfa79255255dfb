"""allauth's admin pages are not etime's: providers come from settings (ETIME_OIDC_PROVIDERS),
no provider tokens or allauth e-mail addresses are stored, and a person's link to a provider
is removed with `manage.py sso_unlink` (docs/DEPLOYMENT.md "Single sign-on")."""

from __future__ import annotations


def unregister_allauth_admin() -> None:
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
    from django.contrib import admin

    for model in (EmailAddress, SocialAccount, SocialApp, SocialToken):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
