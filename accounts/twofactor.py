"""Two-factor authentication: who must use it, enrolment, recovery codes, the second step.

Built on django-otp: a person's authenticator app is a confirmed ``TOTPDevice``; their
recovery codes are the tokens of one ``StaticDevice`` (each one works once: django-otp
deletes a static token when it verifies). A session is *verified* once ``django_otp.login``
stored the device that checked a code (``request.user.is_verified()``);
``accounts.twofactor_middleware`` keeps an unverified session away from everything else.

Second-factor failures are login failures for django-axes (the ``user_login_failed``
signal with the username), so wrong codes and wrong passwords share one count and one
lockout (``AXES_FAILURE_LIMIT``). For a person with a second factor a correct password no
longer clears that count (``TwoFactorAxesHandler``); a correct code does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from etime.core import audit
from etime.core.access import is_admin
from etime.core.errors import DomainError
from etime.core.types import Actor

RECOVERY_DEVICE_NAME = "recovery"
TOTP_DEVICE_NAME = "authenticator"
FINANCE_GROUP = "finance"  # billing.selectors.FINANCE_GROUP; not imported: accounts sits below billing


class InvalidCode(DomainError):
    code = "invalid_otp"
    status = 400
    message = _("That code is not valid. Check the time on your phone and try again.")


def required_for(user: Any) -> bool:
    """True when ETIME_2FA_REQUIRED_FOR makes a second factor compulsory for this person."""
    if not getattr(user, "is_authenticated", False):
        return False
    wanted = set(settings.ETIME_2FA_REQUIRED_FOR)
    if "everyone" in wanted:
        return True
    if "admin" in wanted and (is_admin(user) or user.is_staff):
        return True
    if "manager" in wanted and getattr(user, "is_manager_role", False):
        return True
    return "finance" in wanted and user.groups.filter(name=FINANCE_GROUP).exists()


def is_enrolled(user: Any) -> bool:
    """A confirmed authenticator app (recovery codes alone do not count as enrolled)."""
    return (
        bool(getattr(user, "is_authenticated", False)) and TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    )


def has_second_factor(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user_has_device(user, confirmed=True)


@dataclass(frozen=True)
class Status:
    enrolled: bool
    required: bool
    recovery_codes_left: int


def status(user: Any) -> Status:
    left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return Status(enrolled=is_enrolled(user), required=required_for(user), recovery_codes_left=left)


# --- Enrolment ---------------------------------------------------------------------------


def enrolment_device(*, user: Any) -> TOTPDevice:
    """The unconfirmed authenticator this person is setting up (made on first call, then the
    same one, so a reload shows the same QR code). Refused once one is confirmed."""
    if is_enrolled(user):
        raise DomainError(_("Two-factor authentication is already on."))
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _new_recovery_codes(user: Any) -> list[str]:
    # The same device with new tokens: a session verified by a recovery code stays verified.
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticToken.objects.filter(device=device).delete()
    codes: list[str] = []
    while len(codes) < settings.ETIME_2FA_RECOVERY_CODES:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def enrolment_confirm(*, user: Any, device: TOTPDevice, code: str) -> list[str]:
    """Turns 2FA on: the first code from the app proves it holds the secret. Returns the new
    recovery codes (shown once). Raises InvalidCode."""
    codes: list[str] = []
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user, confirmed=False).first()
        if device is None:
            raise DomainError(_("Two-factor authentication is already on."))
        # The throttle's failure count is kept: no exception inside this block.
        accepted = device.verify_token(_digits(code))
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = _new_recovery_codes(user)
            audit.record(actor=user, action="twofactor.enabled", obj=user, after={"recovery_codes": len(codes)})
    if not accepted:
        audit.record(actor=user, action="twofactor.enrolment_failed", obj=user)
        raise InvalidCode()
    return codes


def recovery_codes_regenerate(*, user: Any) -> list[str]:
    """New recovery codes; the old ones stop working. Only for an enrolled person."""
    if not is_enrolled(user):
        raise DomainError(_("Turn on two-factor authentication first."))
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit.record(
            actor=user, action="twofactor.recovery_codes_regenerated", obj=user, after={"recovery_codes": len(codes)}
        )
    return codes


def disable(*, request: HttpRequest, user: Any, code: str) -> None:
    """Turns 2FA off; needs a current code (or a recovery code). A wrong one is a failure
    like any other (audited, counted toward lockout)."""
    device = verify(request=request, user=user, code=code)
    if device is None:
        raise InvalidCode()
    with transaction.atomic():
        for each in devices_for_user(user, confirmed=None):
            each.delete()
        audit.record(actor=user, action="twofactor.disabled", obj=user)


def reset(*, user: Any, actor: Actor) -> int:
    """An administrator's reset for a person who lost both their phone and their recovery
    codes: every device goes; if 2FA is required for them they set up a new app at their
    next sign-in. Returns the number of devices removed."""
    with transaction.atomic():
        devices = list(devices_for_user(user, confirmed=None))
        for each in devices:
            each.delete()
        if devices:
            audit.record(actor=actor, action="twofactor.reset", obj=user, after={"devices": len(devices)})
    return len(devices)


# --- The second step -----------------------------------------------------------------------


def _digits(code: str) -> str:
    return "".join(code.split())


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.strip().lower() if ch not in " -")


def is_locked(request: HttpRequest, user: Any) -> bool:
    return bool(AxesProxyHandler.is_locked(request, get_credentials(user.get_username())))


def verify(*, request: HttpRequest, user: Any, code: str) -> Any:
    """Checks a code from the app or a recovery code. Returns the device that accepted it,
    or None after recording the failure (audit ``twofactor.failed`` and one django-axes
    failure; ``request.axes_locked_out`` is set when this one reached the limit).
    A recovery code is used up. A correct code clears the failure count."""
    code = _normalise(code)
    device = None
    if code and not is_locked(request, user):
        with transaction.atomic():
            candidates = (
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
                if code.isdigit()
                else StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
            )
            for candidate in candidates:
                if candidate.verify_token(code):
                    device = candidate
                    break
            if isinstance(device, StaticDevice):
                left = StaticToken.objects.filter(device=device).count()
                audit.record(
                    actor=user, action="twofactor.recovery_code_used", obj=user, after={"recovery_codes_left": left}
                )
    if device is None:
        # Its own transaction: the failure must be kept whatever the caller does next.
        audit.record(actor=user, action="twofactor.failed", obj=user, after={"path": request.path})
        user_login_failed.send(sender=__name__, credentials=get_credentials(user.get_username()), request=request)
        return None
    AxesProxyHandler.get_implementation().reset_user_attempts(request, get_credentials(user.get_username()))
    return device


class TwoFactorAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, except that a password accepted for a person with a
    second factor is only half a login: it keeps the failure count (else anyone holding the
    password could reset it between wrong codes by signing in again); ``verify`` clears it."""

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        request._etime_keep_axes_count = has_second_factor(user)
        try:
            super().user_logged_in(sender, request, user, **kwargs)
        finally:
            request._etime_keep_axes_count = False

    def reset_user_attempts(self, request: Any, credentials: Any = None) -> int:
        if getattr(request, "_etime_keep_axes_count", False):
            return 0
        return super().reset_user_attempts(request, credentials)
