"""allauth adapters: etime decides who signs in (accounts/sso.py) and keeps its own pages.

- AccountAdapter: signup closed; a login made by SSO uses Django's ModelBackend (axes'
  backend only guards passwords).
- SocialAccountAdapter: checks the nonce, matches the person and applies the role claims
  before allauth logs them in; failures (a forged or replayed `state`, a provider error, a
  cancelled login) are audited and shown on etime's own page.
"""

from __future__ import annotations

import hmac
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts import sso
from accounts.sso_provider import NONCE_STATE_KEY
from etime.core import audit

# The session key holding what RP-initiated logout needs (accounts/sso_views.LogoutView).
SSO_LOGOUT_SESSION_KEY = "etime_sso_logout"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def login(self, request: HttpRequest, user: Any) -> None:
        user.backend = "django.contrib.auth.backends.ModelBackend"
        super().login(request, user)
        provider_logout = getattr(request, "_etime_sso_logout", None)
        if provider_logout:  # after login(): a session flushed on the way must not lose it
            request.session[SSO_LOGOUT_SESSION_KEY] = provider_logout

    def add_message(self, *args: Any, **kwargs: Any) -> None:
        """allauth's own flash messages ("Successfully signed in as ...") are not etime's."""


def refused_page(request: HttpRequest, message: Any, *, status: int = 403) -> HttpResponse:
    return render(request, "accounts/sso/refused.html", {"message": message}, status=status)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # pre_social_login either links the login to a person or refuses it.
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        account = sociallogin.account
        provider = account.get_provider()
        policy = sso.ProviderPolicy.from_app_settings(account.provider, provider.app.settings)
        extra = account.extra_data or {}
        id_token = extra.get("id_token") or {}
        claims = {**id_token, **(extra.get("userinfo") or {})}
        expected = (sociallogin.state or {}).get(NONCE_STATE_KEY) or ""
        if not expected or not hmac.compare_digest(str(id_token.get("nonce", "")), expected):
            raise ImmediateHttpResponse(
                self._refused(request, sso.refuse(policy=policy, code="nonce", uid=account.uid, claims=claims))
            )
        try:
            with transaction.atomic():
                linked_elsewhere = set(
                    SocialAccount.objects.filter(provider=account.provider)
                    .exclude(uid=account.uid)
                    .values_list("user_id", flat=True)
                )
                user, new = sso.match_user(
                    policy=policy,
                    uid=account.uid,
                    claims=claims,
                    linked_user=sociallogin.user if sociallogin.is_existing else None,
                    linked_elsewhere=linked_elsewhere,
                )
                if new:
                    sociallogin.connect(request, user)
                    audit.record(
                        actor=policy.actor,
                        action="sso.linked",
                        obj=user,
                        after={"provider": policy.provider_id, "sub": account.uid},
                    )
                sso.apply_claims(policy=policy, user=user, claims=claims)
                sociallogin.user = user
            request._etime_sso_logout = getattr(sociallogin, "etime_logout", None)  # type: ignore[attr-defined]
        except sso.SsoRefused as exc:
            raise ImmediateHttpResponse(
                self._refused(request, sso.refuse(policy=policy, code=exc.code, uid=account.uid, claims=claims))
            ) from None

    def _refused(self, request: HttpRequest, exc: sso.SsoRefused) -> HttpResponse:
        return refused_page(request, exc.message)

    def on_authentication_error(
        self, request: HttpRequest, provider: Any, error: Any = None, exception: Any = None, extra_context: Any = None
    ) -> None:
        provider_id = getattr(getattr(provider, "app", None), "provider_id", "") or getattr(provider, "id", "")
        with transaction.atomic():
            audit.record(
                actor=f"sso:{provider_id}",
                action="sso.failed",
                object_type="accounts.user",
                after={"provider": provider_id, "error": str(error or ""), "detail": str(exception or "")[:200]},
            )
        if str(error) == "cancelled":
            message = _("The sign-in at your identity provider was cancelled.")
        else:
            message = _(
                "The sign-in could not be completed (it expired, was started in another browser, or was "
                "tampered with). Please start again from the login page."
            )
        raise ImmediateHttpResponse(refused_page(request, message, status=400))

    def send_notification_mail(self, *args: Any, **kwargs: Any) -> None:
        """No "a third-party account was connected" mails: linking happens only at sign-in."""
