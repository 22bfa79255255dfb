"""Who may sign in with a local (etime) password: ETIME_PASSWORD_LOGIN and the per-person
``User.password_login_disabled`` flag.

``PasswordLoginPolicyBackend`` sits just before Django's ModelBackend (after axes and, when
configured, the LDAP backend). For a person whose password login is off it stops the
authentication there (``PermissionDenied``): the local password is never checked, the
failure counts toward django-axes' lockout like a wrong password, the refusal is audited
(``login.password_login_refused``), and ``request.etime_login_refusal`` carries the message
the login page shows instead of "wrong password". When the directory itself knows the name
and refused the password, the answer stays "wrong password".

- ``ETIME_PASSWORD_LOGIN=all`` (default): everyone may, except people with the flag.
- ``ETIME_PASSWORD_LOGIN=breakglass``: only active superusers may (the break-glass
  administrators, for when the directory or identity provider is down); any other name,
  known or not, gets the same message, so the message tells nobody which accounts exist.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext

from accounts.models import User
from etime.core import audit

ALL = "all"
BREAKGLASS = "breakglass"
POLICIES = (ALL, BREAKGLASS)


def password_login_allowed(user: User | None) -> bool:
    """May ``user`` (``None``: no such login) sign in with a local password?"""
    if user is not None and user.password_login_disabled:
        return False
    if settings.ETIME_PASSWORD_LOGIN == BREAKGLASS:
        return user is not None and user.is_active and user.is_superuser
    return True


def refusal_message() -> str:
    if settings.AUTH_LDAP_SERVER_URI:
        return gettext(
            "Password login is turned off for this account. Sign in with your company (directory) "
            "user name and password, or with single sign-on."
        )
    return gettext("Password login is turned off for this account. Sign in with single sign-on.")


class PasswordLoginPolicyBackend:
    """Authenticates nobody: it only refuses. Deliberately no ``get_user`` (nor BaseBackend's):
    Django's ``force_login`` and session lookup take the first backend that has one."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user: User | None = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            user = None
        if password_login_allowed(user):
            return None  # ModelBackend checks the password
        if request is not None and getattr(request, "etime_directory_refused", False):
            raise PermissionDenied  # the directory's "wrong password" stands
        if request is not None:
            request.etime_login_refusal = refusal_message()  # type: ignore[attr-defined]
        audit.record(
            actor=None,
            action="login.password_login_refused",
            object_type="accounts.user",
            object_id=user.pk if user is not None else "",
            after={"username": str(username)[:150], "policy": settings.ETIME_PASSWORD_LOGIN},
        )
        raise PermissionDenied
