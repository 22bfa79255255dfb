"""Single sign-on (OpenID Connect): who a provider's person is in etime, and what they may do.

allauth (accounts/sso_adapter.py) runs the protocol: the authorization-code flow with PKCE,
`state` (its session-stashed state) and `nonce` (accounts/sso_provider.py), the token
exchange and the ID token's issuer/audience/expiry. This module then decides, at every
login, in one transaction:

- **who**: the person already linked to the provider's subject (`sub`, allauth's
  SocialAccount.uid); else, on a first login, the employee whose e-mail the provider says
  is verified (`email_verified` true, or the provider is configured with `trust_email`);
  else, with just-in-time creation on, a new employee; else the login is refused;
- **what**: when the provider has a `roles_claim`, the role (admin/manager/employee) and
  membership of the `finance` group are set from its values at every login, so a change
  at the provider takes effect at the next sign-in.

Refusals are audited (``sso.refused``) and answered with a page that says why.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Employee, Role, User
from etime.core import audit

# billing.selectors.FINANCE_GROUP: the group whose members see billing (accounts imports no
# other app, so the name is repeated here).
FINANCE_GROUP = "finance"
ROLE_RANK = {Role.EMPLOYEE: 0, Role.MANAGER: 1, Role.ADMIN: 2}


class SsoRefused(Exception):
    """A sign-in the provider vouched for but etime will not accept."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


REFUSALS = {
    "no_match": _(
        "Your identity provider signed you in, but no employee in etime has your e-mail address. "
        "Ask an administrator to add you (with the address your provider uses)."
    ),
    "email_unverified": _(
        "Your identity provider did not confirm your e-mail address, so etime cannot tell which employee you are."
    ),
    "inactive": _("Your etime login is deactivated. Ask an administrator."),
    "linked_elsewhere": _(
        "The employee with your e-mail address is already linked to another identity at this provider. "
        "Ask an administrator."
    ),
    "nonce": _("The sign-in answer did not belong to the sign-in this browser started. Please try again."),
}


@dataclass(frozen=True)
class ProviderPolicy:
    """etime's part of one provider's configuration (settings.SOCIALACCOUNT_PROVIDERS APPS)."""

    provider_id: str
    roles_claim: str
    roles: dict[str, str]
    finance: frozenset[str]
    jit: bool
    trust_email: bool

    @classmethod
    def from_app_settings(cls, provider_id: str, app_settings: dict[str, Any]) -> ProviderPolicy:
        return cls(
            provider_id=provider_id,
            roles_claim=app_settings.get("etime_roles_claim") or "",
            roles=dict(app_settings.get("etime_roles") or {}),
            finance=frozenset(app_settings.get("etime_finance") or ()),
            jit=bool(app_settings.get("etime_jit", False)),
            trust_email=bool(app_settings.get("etime_trust_email", False)),
        )

    @property
    def actor(self) -> str:
        return f"sso:{self.provider_id}"


def claim_values(claims: dict[str, Any], name: str) -> set[str]:
    """A claim as a set of strings: a list (groups, roles), one string, or a space-separated one."""
    value = claims.get(name)
    if value is None:
        return set()
    if isinstance(value, list | tuple):
        return {str(v) for v in value}
    return set(str(value).split())


def role_from_claims(policy: ProviderPolicy, claims: dict[str, Any]) -> str:
    """The highest role any claim value maps to; employee when none does."""
    values = claim_values(claims, policy.roles_claim)
    mapped = [policy.roles[v] for v in values if v in policy.roles]
    return max(mapped, key=lambda r: ROLE_RANK[Role(r)], default=Role.EMPLOYEE)


def verified_email(policy: ProviderPolicy, claims: dict[str, Any]) -> str | None:
    email = (claims.get("email") or "").strip().lower()
    if not email:
        return None
    verified = claims.get("email_verified")
    if verified is True or (isinstance(verified, str) and verified.lower() == "true") or policy.trust_email:
        return email
    return None


def refuse(*, policy: ProviderPolicy, code: str, uid: str, claims: dict[str, Any]) -> SsoRefused:
    """Record the refusal (in its own transaction, whatever happens next) and return it to raise."""
    with transaction.atomic():
        audit.record(
            actor=policy.actor,
            action="sso.refused",
            object_type="accounts.user",
            after={"reason": code, "provider": policy.provider_id, "sub": uid, "email": claims.get("email")},
        )
    return SsoRefused(code, REFUSALS[code])


def match_user(
    *, policy: ProviderPolicy, uid: str, claims: dict[str, Any], linked_user: User | None, linked_elsewhere: set[Any]
) -> tuple[User, bool]:
    """The login this sign-in is for, and whether it is new to this provider (to be linked).

    ``linked_user``: the user already linked to (provider, uid), if any. ``linked_elsewhere``:
    ids of users linked to another subject at this provider. Runs inside the caller's
    transaction; raises SsoRefused (not yet recorded: the caller records it)."""
    if linked_user is not None:
        if not linked_user.is_active:
            raise SsoRefused("inactive", REFUSALS["inactive"])
        return linked_user, False
    email = verified_email(policy, claims)
    if email is None:
        raise SsoRefused(
            "email_unverified" if claims.get("email") else "no_match",
            REFUSALS["email_unverified" if claims.get("email") else "no_match"],
        )
    employee = Employee.objects.select_related("user").filter(email__iexact=email).first()
    if employee is None:
        if not policy.jit:
            raise SsoRefused("no_match", REFUSALS["no_match"])
        employee = services.employee_create(
            actor=policy.actor,
            role=role_from_claims(policy, claims) if policy.roles_claim else Role.EMPLOYEE,
            invite=False,
            code=_new_code(),
            first_name=(claims.get("given_name") or claims.get("name") or email.split("@")[0])[:100],
            last_name=(claims.get("family_name") or "")[:100],
            email=email,
        )
        assert employee.user is not None  # noqa: S101  (an employee with an e-mail gets a login)
        return employee.user, True
    user = employee.user
    if user is None:
        # A login for the SSO person, without the set-password invitation a new login gets.
        user = _login_create(employee=employee, actor=policy.actor)
    if not user.is_active:
        raise SsoRefused("inactive", REFUSALS["inactive"])
    if user.pk in linked_elsewhere:
        raise SsoRefused("linked_elsewhere", REFUSALS["linked_elsewhere"])
    return user, True


def _new_code() -> str:
    while True:
        code = f"SSO-{secrets.token_hex(4).upper()}"
        if not Employee.objects.filter(code=code).exists():
            return code


def _login_create(*, employee: Employee, actor: str) -> User:
    user = services._create_login(employee=employee, role=Role.EMPLOYEE, password=None)
    employee.user = user
    employee.save(update_fields=["user"])
    audit.record(actor=actor, action="user.created", obj=user, after={"employee": str(employee.pk), "via": "sso"})
    return user


def _user_role_set(*, user: User, role: str, actor: str) -> None:
    """A login without an employee record (employees change role through employee_update)."""
    before = {"role": user.role, "is_staff": user.is_staff}
    user.role = role
    user.is_staff = role == Role.ADMIN or user.is_superuser
    user.save(update_fields=["role", "is_staff"])
    audit.record(
        actor=actor,
        action="user.role_changed",
        obj=user,
        before=before,
        after={"role": user.role, "is_staff": user.is_staff},
    )


def _user_group_set(*, user: User, group: Group, member: bool, actor: str) -> None:
    if user.groups.filter(pk=group.pk).exists() == member:
        return
    if member:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    audit.record(
        actor=actor, action="user.group_joined" if member else "user.group_left", obj=user, after={"group": group.name}
    )


def apply_claims(*, policy: ProviderPolicy, user: User, claims: dict[str, Any]) -> None:
    """Role and finance membership from the claims (only when the provider maps them)."""
    if not policy.roles_claim:
        return
    role = role_from_claims(policy, claims)
    if user.role != role:
        employee = Employee.objects.filter(user=user).first()
        if employee is not None:
            services.employee_update(employee=employee, actor=policy.actor, role=role)
        else:
            _user_role_set(user=user, role=role, actor=policy.actor)
        user.refresh_from_db()
    if policy.finance:
        wanted = bool(claim_values(claims, policy.roles_claim) & policy.finance)
        _user_group_set(
            user=user, group=Group.objects.get_or_create(name=FINANCE_GROUP)[0], member=wanted, actor=policy.actor
        )


def unlink(*, username: str, provider_id: str, actor: str) -> int:
    """Remove the user's link(s) to a provider; returns how many were removed."""
    from allauth.socialaccount.models import SocialAccount

    with transaction.atomic():
        links = list(
            SocialAccount.objects.select_related("user").filter(user__username__iexact=username, provider=provider_id)
        )
        for link in links:
            audit.record(
                actor=actor, action="sso.unlinked", obj=link.user, before={"provider": provider_id, "sub": link.uid}
            )
            link.delete()
    return len(links)
