"""Writes for people and access. Each service runs in one transaction and audits itself."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, gettext_lazy

from accounts.models import ApiToken, Department, Employee, Location, Role, User
from etime.core import audit, db, scopes
from etime.core.errors import Conflict, ValidationFailed, full_clean
from etime.core.types import Actor

# The Django group of people who see billing (billing.selectors.FINANCE_GROUP asks for it;
# named here too because accounts may not import billing: docs/ARCHITECTURE.md).
FINANCE_GROUP = "finance"
TOKEN_PREFIX = "etm_"  # noqa: S105  (a marker that makes leaked tokens greppable)
EMPLOYEE_FIELDS = (
    "code",
    "first_name",
    "last_name",
    "email",
    "department",
    "manager",
    "location",
    "time_zone",
    "hire_date",
    "end_date",
    "device_user_id",
    "card_number",
)


# --- Tokens ---------------------------------------------------------------------------


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(
    *, user: User, name: str, scopes_requested: list[str], expires_at: datetime | None = None, actor: Actor
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns (token row, the raw token to show once)."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["A name is required."]
    if not scopes_requested:
        errors["scopes"] = ["At least one scope is required."]
    unknown = [s for s in scopes_requested if not scopes.is_known(s)]
    if unknown:
        errors["scopes"] = [f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(scopes.all_scopes())}."]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = ["The expiry must be in the future."]
    if not user.is_active:
        errors["user"] = ["The user is inactive."]
    if errors:
        raise ValidationFailed("The input is invalid: " + next(iter(errors.values()))[0], details=errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=raw[:12],
            key_hash=hash_token(raw),
            scopes=sorted(set(scopes_requested)),
            expires_at=expires_at,
        )
        audit.record(actor=actor, action="api_token.created", obj=token, after=audit.snapshot(token))
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            before = audit.snapshot(token)
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record(actor=actor, action="api_token.revoked", obj=token, before=before, after=audit.snapshot(token))
    return token


def user_language_set(*, user: User, language: str, actor: Actor) -> User:
    """Save the language pages are shown in ("" = follow the browser)."""
    if language and language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationFailed(f"Unknown language {language!r}.", details={"language": ["Not offered."]})
    with transaction.atomic():
        before = {"language": user.language}
        user.language = language
        user.save(update_fields=["language"])
        audit.record(actor=actor, action="user.language_changed", obj=user, before=before, after={"language": language})
    return user


# --- Employees ------------------------------------------------------------------------


def password_link(user: User, url_name: str) -> str:
    """The absolute link (https where ETIME_BASE_URL is) with which ``user`` sets a password:
    ``set_password`` for an invitation, ``password_reset_confirm`` for a forgotten one. One
    token rule for both (Django's generator, valid for ETIME_INVITATION_VALID_DAYS)."""
    path = reverse(
        url_name,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.ETIME_BASE_URL}{path}"


def _send_invitation(user_id: Any) -> None:
    user = User.objects.get(pk=user_id)
    link = password_link(user, "set_password")
    context = {
        "user": user,
        "link": link,
        "company": settings.ETIME_COMPANY_NAME,
        "valid_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    from etime.ops.notifications import language_of

    with translation.override(language_of(user)):
        subject = gettext("Your %(company)s account") % {"company": settings.ETIME_COMPANY_NAME}
        message = render_to_string("registration/invitation_email.txt", context)
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[user.email])


def employee_invite(*, employee: Employee, actor: Actor) -> None:
    """(Re)send the set-password invitation once the transaction commits."""
    if employee.user is None or not employee.user.email:
        raise ValidationFailed("This employee has no login with an email address.", details={"email": ["Required."]})
    user_id = employee.user_id
    audit.record(actor=actor, action="employee.invited", obj=employee)
    transaction.on_commit(lambda: _send_invitation(user_id))


def _create_login(*, employee: Employee, role: str, password: str | None) -> User:
    assert employee.email, "only employees with an email get a login"  # noqa: S101
    if User.objects.filter(username__iexact=employee.email).exists():
        raise ValidationFailed(
            "A login with this email already exists.", details={"email": ["A login with this email already exists."]}
        )
    user = User(
        username=employee.email,
        email=employee.email,
        first_name=employee.first_name,
        last_name=employee.last_name,
        role=role,
        is_staff=role == Role.ADMIN,
    )
    if password:
        _validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def _validate_password(password: str, user: User) -> None:
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(
            "The password is too weak: " + exc.messages[0], details={"password": exc.messages}
        ) from None


def employee_create(
    *, actor: Actor, role: str = Role.EMPLOYEE, password: str | None = None, invite: bool = True, **fields: Any
) -> Employee:
    """Create an employee. With an email, also a login (username = email), invited by mail
    to set a password unless ``password`` is given."""
    unknown = set(fields) - set(EMPLOYEE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown employee fields: {sorted(unknown)}")
    if role not in Role.values:
        raise ValidationFailed(
            f"Unknown role {role!r}.", details={"role": [f"Choose one of {', '.join(Role.values)}."]}
        )
    employee = Employee(**fields)
    if employee.email:
        employee.email = employee.email.strip().lower()
    _blank_to_null(employee)
    full_clean(employee)
    try:
        with transaction.atomic():
            employee.save()
            if employee.email:
                employee.user = _create_login(employee=employee, role=role, password=password)
                employee.save(update_fields=["user"])
            audit.record(actor=actor, action="employee.created", obj=employee, after=_employee_snapshot(employee))
            if employee.user_id and not password and invite:
                employee_invite(employee=employee, actor=actor)
    except IntegrityError as exc:
        raise ValidationFailed(
            "The employee conflicts with an existing one.", details={"non_field_errors": [str(exc)]}
        ) from None
    return employee


def _blank_to_null(employee: Employee) -> None:
    # Unique optional identifiers: "" would collide between employees, NULL never does.
    for name in ("email", "device_user_id", "card_number"):
        if getattr(employee, name) == "":
            setattr(employee, name, None)


def _employee_snapshot(employee: Employee) -> dict[str, Any]:
    data = audit.snapshot(employee)
    data["role"] = employee.user.role if employee.user is not None else None
    return data


def employee_update(*, employee: Employee, actor: Actor, role: str | None = None, **changes: Any) -> Employee:
    unknown = set(changes) - set(EMPLOYEE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown employee fields: {sorted(unknown)}")
    if role is not None and role not in Role.values:
        raise ValidationFailed(
            f"Unknown role {role!r}.", details={"role": [f"Choose one of {', '.join(Role.values)}."]}
        )
    with transaction.atomic():
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to user.
        employee = db.for_update(Employee.objects.all(), of=("self",)).select_related("user").get(pk=employee.pk)
        before = _employee_snapshot(employee)
        old_email = employee.email
        for name, value in changes.items():
            setattr(employee, name, value)
        if employee.email:
            employee.email = employee.email.strip().lower()
        _blank_to_null(employee)
        full_clean(employee)
        try:
            with transaction.atomic():
                employee.save()
        except IntegrityError as exc:
            raise ValidationFailed(
                "The change conflicts with another employee.", details={"non_field_errors": [str(exc)]}
            ) from None
        user = employee.user
        if user is None and employee.email:
            employee.user = _create_login(employee=employee, role=role or Role.EMPLOYEE, password=None)
            employee.save(update_fields=["user"])
            employee_invite(employee=employee, actor=actor)
        elif user is not None:
            if employee.email and employee.email != old_email and user.username == old_email:
                user.username = user.email = employee.email
            if role is not None:
                user.role = role
                user.is_staff = role == Role.ADMIN or user.is_superuser
            user.first_name, user.last_name = employee.first_name, employee.last_name
            user.save()
        after = _employee_snapshot(employee)
        # updated_at moves on every save; only a change to something else is worth an event.
        if {**after, "updated_at": None} != {**before, "updated_at": None}:
            audit.record(actor=actor, action="employee.updated", obj=employee, before=before, after=after)
    return employee


class EmployeeInUse(Conflict):
    code = "employee_in_use"
    message = gettext_lazy(
        "This employee has records (punches, time entries, leave...); set an end date instead of deleting."
    )


def employee_delete(*, employee: Employee, actor: Actor) -> None:
    """Delete an employee who has no records yet (a mistaken entry). One with history is
    refused with 409 ``employee_in_use``: people who leave get an end date."""
    with transaction.atomic():
        before = _employee_snapshot(employee)
        user = employee.user
        pk = employee.pk
        try:
            with transaction.atomic():
                employee.delete()
        except ProtectedError as exc:
            kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
            raise EmployeeInUse(details={"records": kinds}) from None
        if user is not None:
            user.is_active = False
            user.save(update_fields=["is_active"])
        audit.record(
            actor=actor, action="employee.deleted", object_type="accounts.employee", object_id=pk, before=before
        )


def employee_set_password(*, employee: Employee, password: str, actor: Actor) -> None:
    if employee.user is None:
        raise ValidationFailed("This employee has no login.", details={"email": ["Give the employee an email first."]})
    _validate_password(password, employee.user)
    with transaction.atomic():
        employee.user.set_password(password)
        employee.user.save()
        audit.record(actor=actor, action="user.password_set", obj=employee.user)


def user_directory_sync(*, user: User, role: str | None, finance: bool | None, source: str) -> User:
    """Apply what a directory (LDAP, single sign-on) says about ``user`` at sign-in: their
    role (``None``: the directory does not decide roles) and membership of the ``finance``
    group (``None``: it does not decide that either). A superuser stays a superuser. Audited
    as ``user.directory_synced`` when something changed; the actor is the directory."""
    from django.contrib.auth.models import Group

    if role is not None and role not in Role.values:
        raise ValidationFailed(
            f"Unknown role {role!r}.", details={"role": [f"Choose one of {', '.join(Role.values)}."]}
        )
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = {
            "role": user.role,
            "is_staff": user.is_staff,
            "finance": user.groups.filter(name=FINANCE_GROUP).exists(),
        }
        after = dict(before)
        if role is not None:
            user.role = role
            user.is_staff = role == Role.ADMIN or user.is_superuser
            after.update(role=user.role, is_staff=user.is_staff)
            user.save(update_fields=["role", "is_staff"])
        if finance is not None and finance != before["finance"]:
            group, _created = Group.objects.get_or_create(name=FINANCE_GROUP)
            (user.groups.add if finance else user.groups.remove)(group)
            after["finance"] = finance
        if after != before:
            audit.record(actor=source, action="user.directory_synced", obj=user, before=before, after=after)
    return user


def user_password_login_retire(*, user: User, source: str) -> None:
    """A person who signed in through the directory no longer signs in with a local password:
    the directory's is the only one. Their password login is disabled (the flag an
    administrator can also set, and clear again) and the local password removed, so neither
    an old one nor one set later through "forgot password" works beside the directory.
    Superusers keep theirs: they are the break-glass way in when the directory is down."""
    if user.is_superuser or (user.password_login_disabled and not user.has_usable_password()):
        return
    with transaction.atomic():
        before = {
            "password_login_disabled": user.password_login_disabled,
            "password_usable": user.has_usable_password(),
        }
        user.password_login_disabled = True
        user.set_unusable_password()
        user.save(update_fields=["password", "password_login_disabled"])
        audit.record(
            actor=source,
            action="user.password_login_retired",
            obj=user,
            before=before,
            after={"password_login_disabled": True, "password_usable": False},
        )


# --- Departments and locations ---------------------------------------------------------


def _simple_save(*, obj: Any, actor: Actor, action: str, before: dict[str, Any] | None) -> Any:
    full_clean(obj)
    try:
        with transaction.atomic():
            obj.save()
            audit.record(actor=actor, action=action, obj=obj, before=before, after=audit.snapshot(obj))
    except IntegrityError as exc:
        raise ValidationFailed(
            "The change conflicts with an existing record.", details={"non_field_errors": [str(exc)]}
        ) from None
    return obj


def department_save(*, department: Department, actor: Actor) -> Department:
    before = audit.snapshot(Department.objects.get(pk=department.pk)) if not department._state.adding else None
    action = "department.created" if before is None else "department.updated"
    return _simple_save(obj=department, actor=actor, action=action, before=before)


def location_save(*, location: Location, actor: Actor) -> Location:
    before = audit.snapshot(Location.objects.get(pk=location.pk)) if not location._state.adding else None
    action = "location.created" if before is None else "location.updated"
    return _simple_save(obj=location, actor=actor, action=action, before=before)


def delete_with_audit(*, obj: Any, actor: Actor, action: str) -> None:
    from django.db.models import ProtectedError

    try:
        with transaction.atomic():
            before = audit.snapshot(obj)
            pk = obj.pk
            label = obj._meta.label_lower
            obj.delete()
            audit.record(actor=actor, action=action, object_type=label, object_id=pk, before=before)
    except ProtectedError:
        raise ValidationFailed(
            f"This {obj._meta.verbose_name} is still in use.", details={"non_field_errors": ["Still referenced."]}
        ) from None


def bootstrap_admin_create(*, username: str, email: str = "", password: str | None = None) -> tuple[User, str]:
    """Create the first admin with an initial password that must be changed.

    Until it is changed, etime refuses to boot with DEBUG off (etime.checks.E003)."""
    password = password or secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User(username=username, email=email, role=Role.ADMIN, is_staff=True, is_superuser=True)
        user.set_password(password)
        user.password_change_required = True
        user.save()
        audit.record(actor=None, action="user.bootstrap_admin_created", obj=user)
    return user, password
