"""The kiosk PIN (issue #20; docs/SECURITY.md "Kiosks"): what proves, at the shared kiosk at
the door, that the person typing a badge number is its holder.

A badge number (``Employee.device_user_id``, printed as a QR code by accounts.badges) only
identifies; the PIN (4 to 8 digits) proves. Only its hash is kept, made by Django's password
hashers. ``ETIME_KIOSK_PIN_MAX_FAILURES`` wrong PINs in a row lock the badge at every kiosk for
``ETIME_KIOSK_PIN_LOCKOUT_MINUTES``; each refusal and each lockout is audited. An unknown
badge and a wrong PIN answer the same (``kiosk_pin_invalid``), so a kiosk does not tell which
badge numbers exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Employee
from etime.core import audit, db
from etime.core.errors import DomainError, ValidationFailed
from etime.core.types import Actor

PIN_MIN, PIN_MAX = 4, 8


class KioskPinInvalid(DomainError):
    code = "kiosk_pin_invalid"
    status = 403
    message = _("Badge number or PIN not recognised. Try again.")


class KioskPinLocked(DomainError):
    code = "kiosk_pin_locked"
    status = 403
    message = _("Too many wrong PINs for this badge. Try again later or ask your manager.")


def validate_pin(pin: str) -> str:
    pin = (pin or "").strip()
    if not (pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX):
        raise ValidationFailed(
            gettext("A kiosk PIN is %(min)d to %(max)d digits.") % {"min": PIN_MIN, "max": PIN_MAX},
            details={"pin": [gettext("%(min)d to %(max)d digits.") % {"min": PIN_MIN, "max": PIN_MAX}]},
        )
    return pin


def kiosk_pin_set(*, employee: Employee, pin: str, actor: Actor) -> Employee:
    """Set ``employee``'s kiosk PIN (the person on their profile, or an administrator); an
    empty ``pin`` removes it (the kiosk then refuses the badge). Clears a lockout."""
    hashed = make_password(validate_pin(pin)) if pin else ""
    with transaction.atomic():
        Employee.objects.filter(pk=employee.pk).update(
            kiosk_pin=hashed, kiosk_pin_failures=0, kiosk_pin_locked_until=None
        )
        employee.kiosk_pin, employee.kiosk_pin_failures, employee.kiosk_pin_locked_until = hashed, 0, None
        audit.record(actor=actor, action="kiosk.pin_set" if pin else "kiosk.pin_removed", obj=employee)
    return employee


def kiosk_identify(*, badge: str, pin: str, kiosk: Any = None, address: str | None = None) -> Employee:
    """The active person holding ``badge`` whose kiosk PIN is ``pin``; else ``kiosk_pin_invalid``
    or ``kiosk_pin_locked`` (403), audited. A wrong PIN counts towards the badge's lockout in
    its own committed write, whatever the caller does next."""
    badge = (badge or "").strip()
    now = timezone.now()
    facts = {"badge": badge[:24], "address": address, "kiosk": str(getattr(kiosk, "pk", "") or "")}
    with transaction.atomic():
        employee = (
            db.for_update(Employee.objects.all(), of=("self",))
            .select_related("user", "location")
            .filter(device_user_id=badge)
            .first()
            if badge
            else None
        )
        if employee is not None and employee.kiosk_pin_locked_until and employee.kiosk_pin_locked_until > now:
            audit.record(
                actor=None, action="kiosk.pin_refused", obj=employee, after={**facts, "code": KioskPinLocked.code}
            )
            error: DomainError = KioskPinLocked()
        elif (
            employee is None
            or not employee.kiosk_pin
            or not employee.is_active_on(timezone.localdate())
            or not check_password(str(pin or ""), employee.kiosk_pin)
        ):
            error = KioskPinInvalid()
            if employee is None:
                audit.record(
                    actor=None,
                    action="kiosk.pin_refused",
                    object_type="accounts.employee",
                    after={**facts, "code": error.code, "reason": "unknown badge"},
                )
            else:
                employee.kiosk_pin_failures += 1
                update = ["kiosk_pin_failures"]
                locked = employee.kiosk_pin_failures >= settings.ETIME_KIOSK_PIN_MAX_FAILURES
                until = now + timedelta(minutes=settings.ETIME_KIOSK_PIN_LOCKOUT_MINUTES)
                if locked:
                    employee.kiosk_pin_locked_until = until
                    employee.kiosk_pin_failures = 0
                    update.append("kiosk_pin_locked_until")
                Employee.objects.filter(pk=employee.pk).update(**{f: getattr(employee, f) for f in update})
                audit.record(actor=None, action="kiosk.pin_refused", obj=employee, after={**facts, "code": error.code})
                if locked:
                    audit.record(
                        actor=None, action="kiosk.pin_locked", obj=employee, after={**facts, "until": until.isoformat()}
                    )
        else:
            if employee.kiosk_pin_failures or employee.kiosk_pin_locked_until:
                Employee.objects.filter(pk=employee.pk).update(kiosk_pin_failures=0, kiosk_pin_locked_until=None)
            return employee
    raise error
