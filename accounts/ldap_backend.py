"""Sign-in against an LDAP directory or Active Directory (django-auth-ldap).

Enabled by ETIME_LDAP_SERVER_URI (etime/settings.py, "LDAP / Active Directory"); placed
right after django-axes' backend, so a locked-out account is refused before the directory
is asked and a password the directory rejects counts toward the lockout like any other.

Who is who: the person types their directory login name (what ETIME_LDAP_USER_FILTER
matches: ``uid`` on OpenLDAP, ``sAMAccountName`` or ``userPrincipalName`` on AD). After the
directory accepted the password, the etime login is found by **e-mail**: the directory's
``mail`` attribute (ETIME_LDAP_EMAIL_ATTR) against the login's e-mail or username, then
against an employee's e-mail. Never by the typed name: a directory account ``admin`` must not
become etime's local ``admin``. No match: refused, unless ETIME_LDAP_CREATE_USERS creates a
login (without an employee record; an administrator links it).

At each sign-in the directory's groups decide the role (ETIME_LDAP_ADMIN_GROUP, then
ETIME_LDAP_MANAGER_GROUP, else employee) and membership of ``finance``
(ETIME_LDAP_FINANCE_GROUP), through accounts.services.user_directory_sync; and password
login is retired for them (user_password_login_retire: superusers keep theirs, as the
break-glass way in).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Q
from django.utils.translation import gettext
from django_auth_ldap.backend import LDAPBackend, ldap_error

from accounts import services
from accounts.models import Employee, Role, User

SOURCE = "ldap"


def _note_directory_error(
    sender: Any, context: str, user: Any = None, request: Any = None, exception: Any = None, **kwargs: Any
) -> None:
    """django-auth-ldap reports a directory it could not use (down, timed out, the service
    bind refused) through this signal and answers "no such user"; the login page says why
    instead (accounts.ldap_policy)."""
    if request is not None:  # while signing someone in (any step: search, bind, groups)
        request.etime_directory_unreachable = True


def _say_the_directory_is_down(sender: Any, credentials: Any = None, request: Any = None, **kwargs: Any) -> None:
    """Nobody signed in, and the directory could not be asked: that is what the login page
    says, rather than "wrong password" or "password login is turned off"."""
    if request is not None and getattr(request, "etime_directory_unreachable", False):
        request.etime_login_refusal = gettext(
            "The company directory cannot be reached right now, so nobody can sign in with it. "
            "Try again later; if this persists, tell an administrator."
        )


ldap_error.connect(_note_directory_error, dispatch_uid="etime.accounts.ldap_backend.directory_error")
user_login_failed.connect(_say_the_directory_is_down, dispatch_uid="etime.accounts.ldap_backend.directory_down")


class DirectoryBackend(LDAPBackend):
    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[User, bool]:
        values = (ldap_user.attrs or {}).get(settings.ETIME_LDAP_EMAIL_ATTR) or []
        email = (values[0] if values else "").strip().lower()
        if email:
            user = (
                User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).order_by("date_joined").first()
            )
            if user is None:
                employee = Employee.objects.filter(email=email, user__isnull=False).select_related("user").first()
                user = employee.user if employee is not None else None
            if user is not None:
                return user, False
        # Not in etime yet: built (and saved by django-auth-ldap) only with ETIME_LDAP_CREATE_USERS;
        # otherwise django-auth-ldap refuses it (AUTH_LDAP_NO_NEW_USERS).
        return User(username=email or username.lower(), email=email, role=Role.EMPLOYEE), True

    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> User | None:
        user = super().authenticate_ldap_user(ldap_user, password)
        request = getattr(ldap_user, "_request", None)
        if user is None:
            if request is not None and ldap_user._user_dn is not None:
                # The directory knows this name and refused: its answer is the one that
                # counts (accounts.ldap_policy then says "wrong password", never "use the
                # directory").
                request.etime_directory_refused = True
            return None
        if not user.is_active:  # known to the directory, but no longer to etime: "wrong password"
            if request is not None:
                request.etime_directory_refused = True
            return None
        admin_group = settings.ETIME_LDAP_ADMIN_GROUP
        manager_group = settings.ETIME_LDAP_MANAGER_GROUP
        finance_group = settings.ETIME_LDAP_FINANCE_GROUP
        group_dns: set[str] = {dn.lower() for dn in ldap_user.group_dns} if settings.AUTH_LDAP_GROUP_SEARCH else set()

        def member(dn: str) -> bool:
            return dn.lower() in group_dns

        role: str | None = None
        if admin_group or manager_group:
            if admin_group and member(admin_group):
                role = Role.ADMIN
            elif manager_group and member(manager_group):
                role = Role.MANAGER
            else:
                role = Role.EMPLOYEE
        finance = member(finance_group) if finance_group else None
        synced = services.user_directory_sync(user=user, role=role, finance=finance, source=SOURCE)
        services.user_password_login_retire(user=synced, source=SOURCE)
        return synced
