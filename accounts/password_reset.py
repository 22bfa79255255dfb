"""Forgotten passwords: asking for a link by e-mail, and setting a new password with it; and
setting the first password with an invitation's link, which follows the same rules.

The rules (docs/SECURITY.md "Forgotten passwords"):

- The link is the invitation's link (`accounts.services.password_link`): Django's ``default_token_generator``, valid for
  ``PASSWORD_RESET_TIMEOUT`` (``ETIME_INVITATION_VALID_DAYS``). It stops working once used,
  because the token covers the password hash, which the reset changes.
- No account enumeration: a request for a known and for an unknown address takes the same
  path in the web process (one lookup, one audit row, one task enqueued after commit)
  and gets the same answer; the mail is built and sent by the worker, so SMTP time never
  shows in the response.
- Throttled per client address and per typed address (known or not), with DRF's
  throttle machinery and rates, as the API's token login is.
- Only active logins whose e-mail matches get mail. Invited people who never set a
  password are included: their expired invitation is exactly what this replaces.
- Completing a reset clears the account's login lockout: whoever guessed at the old
  password is guessing at a password that no longer exists.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

from axes.utils import reset as axes_reset
from django.db import transaction
from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import User
from accounts.tasks import send_password_reset
from etime.core import audit

CLIENT_SCOPE = "password_reset_client"
ACCOUNT_SCOPE = "password_reset_account"
ANONYMOUS = "anonymous"


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


class _Throttle(SimpleRateThrottle):
    """DRF's sliding-window throttle (the cache, its key format, its clock) for a plain
    Django view. The rate is read per request, so a changed setting applies at once."""

    def __init__(self, scope: str, ident: str | None = None) -> None:
        self.scope = scope
        self._ident = ident
        super().__init__()

    def get_rate(self) -> str | None:
        return cast("str | None", api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or ""))

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self._ident or self.get_ident(request)}


def throttle_wait(request: HttpRequest, email: str) -> int | None:
    """Count one request against the client's and the typed address's budget. Returns
    None when allowed, else the seconds to wait. Keyed on what was typed, so a known and
    an unknown address run out alike."""
    account_ident = hashlib.sha256(normalize_email(email).encode()).hexdigest()
    for throttle in (_Throttle(CLIENT_SCOPE), _Throttle(ACCOUNT_SCOPE, account_ident)):
        # DRF's throttles read only request.META, which a Django request has too.
        if not throttle.allow_request(cast(Any, request), cast(Any, None)):
            return max(1, int(throttle.wait() or 1))
    return None


def client_address(request: HttpRequest) -> str:
    """The address the throttle counts (X-Forwarded-For only as far as our own proxies)."""
    return _Throttle(CLIENT_SCOPE).get_ident(cast(Any, request)) or ""


def password_reset_request(*, email: str, client: str, language: str) -> None:
    """Record a request for a reset link to ``email`` and mail each active login with that
    address once the transaction commits. Says nothing about whether any exists: the
    caller answers the same either way."""
    email = normalize_email(email)
    with transaction.atomic():
        users = list(User.objects.filter(email__iexact=email, is_active=True).exclude(email=""))
        after = {"email": email, "client": client}
        if users:
            for user in users:
                audit.record(actor=ANONYMOUS, action="password_reset.requested", obj=user, after=after)
        else:
            audit.record(actor=ANONYMOUS, action="password_reset.requested", object_type="accounts.user", after=after)
        # Enqueued for unknown addresses too (the worker finds no one): the same work here.
        send_password_reset.delay(user_ids=[str(u.pk) for u in users], language=language)


def password_reset_complete(*, user: User, password: str, client: str) -> User:
    """Set the password a valid link allowed (the caller has checked the token and run the
    password validators), audit it, and clear the account's login lockout."""
    return _password_set_by_link(user=user, password=password, client=client, action="password_reset.completed")


def invitation_accept(*, user: User, password: str, client: str) -> User:
    """The invitation's link (the same token rule): the first password, set, audited as
    ``invitation.accepted`` and with the login lockout cleared, as a reset is."""
    return _password_set_by_link(user=user, password=password, client=client, action="invitation.accepted")


def _password_set_by_link(*, user: User, password: str, client: str, action: str) -> User:
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password", "password_change_required"])
        cleared = sum(axes_reset(username=name) for name in {user.get_username(), user.email} if name)
        audit.record(
            actor=user,
            action=action,
            obj=user,
            after={"client": client, "lockout_attempts_cleared": cleared},
        )
    return user
