"""Kiosks (issue #20 part 3; docs/SECURITY.md "Kiosks"): a shared tablet at a location's door,
a ClientDevice of kind ``kiosk`` holding the same device credential as a person's installed app.

- ``kiosk_create``: an administrator registers a kiosk at a location and gets a pairing code;
- ``kiosk_pairing_code``: a new one-time code (a lost tablet: revoke, then pair a new one);
- ``kiosk_pair``: the tablet trades the code for the credential, once, before it expires;
- ``kiosk_punch``: a person identifies with badge number and PIN, the kiosk punches for them;
- ``kiosk_offline_punch``: the same, queued offline: the PIN is checked when it arrives.

The pairing code is short (8 characters from 32, 40 bits) and lives 15 minutes
(``ETIME_KIOSK_PAIRING_MINUTES``); only its HMAC under SECRET_KEY is stored, so a database
reader cannot pair, and it is cleared when used.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import kiosk_pin
from accounts.models import Location
from attendance import services as attendance
from devices.errors import ClientCredentialRevoked, OfflineKeyReused
from devices.models import ClientDevice, ClientKind, ClientSubmission, KioskPhoto
from devices.services.clients import PREFIX, hash_credential, offline_submit
from etime.core import audit, db
from etime.core.access import is_admin
from etime.core.errors import DomainError, NotFound, ValidationFailed
from etime.core.types import Actor, actor_user

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 8


class KioskPairingCodeInvalid(DomainError):
    code = "kiosk_pairing_code_invalid"
    status = 403
    message = _("This pairing code is not valid. Ask an administrator for a new one.")


class KioskPairingCodeExpired(DomainError):
    code = "kiosk_pairing_code_expired"
    status = 403
    message = _("This pairing code has expired. Ask an administrator for a new one.")


class KioskOnly(DomainError):
    code = "kiosk_only"
    status = 403
    message = _("Only a kiosk may do this.")


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return salted_hmac("etime.kiosk.pairing", normalize_code(code), algorithm="sha256").hexdigest()


def _new_code(device: ClientDevice) -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    device.pairing_code_hash = hash_code(raw)
    device.pairing_code_expires_at = timezone.now() + timedelta(minutes=settings.ETIME_KIOSK_PAIRING_MINUTES)
    return f"{raw[:4]}-{raw[4:]}"


def _require_admin(actor: Actor) -> None:
    if not is_admin(actor):
        raise NotFound()


def kiosk_create(*, name: str, location: Location, actor: Actor) -> tuple[ClientDevice, str]:
    """Register a kiosk at ``location`` (administrators); returns it and its pairing code."""
    _require_admin(actor)
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationFailed(gettext("Name the kiosk."), details={"name": [gettext("This field is required.")]})
    with transaction.atomic():
        # Not usable before pairing: the credential whose hash this is was never given out.
        device = ClientDevice(
            kind=ClientKind.KIOSK,
            name=name,
            location=location,
            created_by=actor_user(actor),
            key_hash=hash_credential(PREFIX + secrets.token_urlsafe(32)),
            prefix="",
        )
        code = _new_code(device)
        device.save()
        audit.record(
            actor=actor, action="kiosk.created", obj=device, after=audit.snapshot(device, ["kind", "name", "location"])
        )
    return device, code


def kiosk_pairing_code(*, device: ClientDevice, actor: Actor) -> str:
    """A new pairing code for ``device`` (administrators). Pairing with it replaces the
    kiosk's credential: the tablet that held the old one can send nothing more."""
    _require_admin(actor)
    if device.kind != ClientKind.KIOSK:
        raise ValidationFailed(gettext("Only a kiosk is paired with a code."))
    with transaction.atomic():
        locked = ClientDevice.objects.select_for_update().get(pk=device.pk)
        code = _new_code(locked)
        locked.revoked_at, locked.revoked_by = None, None
        locked.save(update_fields=["pairing_code_hash", "pairing_code_expires_at", "revoked_at", "revoked_by"])
        audit.record(
            actor=actor, action="kiosk.pairing_code", obj=locked, after={"expires_at": locked.pairing_code_expires_at}
        )
    device.pairing_code_hash, device.pairing_code_expires_at = locked.pairing_code_hash, locked.pairing_code_expires_at
    return code


def kiosk_photos_set(*, device: ClientDevice, on: bool, actor: Actor) -> ClientDevice:
    """Turn *photo at punch* on or off for a kiosk (administrators; audited). The kiosk
    follows from its next punch's answer on."""
    _require_admin(actor)
    if device.kind != ClientKind.KIOSK:
        raise ValidationFailed(gettext("Only a kiosk takes photos."))
    with transaction.atomic():
        locked = ClientDevice.objects.select_for_update().get(pk=device.pk)
        before = locked.take_photos
        locked.take_photos = on
        locked.save(update_fields=["take_photos"])
        audit.record(
            actor=actor, action="kiosk.photos", obj=locked, before={"take_photos": before}, after={"take_photos": on}
        )
    device.take_photos = on
    return device


def _refuse(error: DomainError, *, device: ClientDevice | None, address: str | None) -> DomainError:
    with transaction.atomic():
        audit.record(
            actor=None,
            action="kiosk.pairing_refused",
            obj=device,
            object_type=None if device else "devices.clientdevice",
            after={"code": error.code, "address": address},
        )
    return error


def kiosk_pair(*, code: str, user_agent: str = "", address: str | None = None) -> tuple[ClientDevice, str]:
    """Trade a pairing code for the kiosk's device credential (returned once). The code works
    once; a wrong, used or expired code is refused (403) and audited."""
    digest = hash_code(code) if len(normalize_code(code)) == CODE_LENGTH else ""
    with transaction.atomic():
        device = (
            db.for_update(ClientDevice.objects.all(), of=("self",))
            .select_related("location")
            .filter(kind=ClientKind.KIOSK, pairing_code_hash=digest)
            .first()
            if digest
            else None
        )
        if device is not None and device.pairing_code_expires_at and device.pairing_code_expires_at > timezone.now():
            raw = PREFIX + secrets.token_urlsafe(32)
            device.key_hash, device.prefix = hash_credential(raw), raw[:12]
            device.pairing_code_hash, device.pairing_code_expires_at = "", None
            device.paired_at = device.last_contact_at = timezone.now()
            device.revoked_at, device.revoked_by = None, None
            device.user_agent = (user_agent or "")[:200]
            device.save()
            audit.record(
                actor=None, action="kiosk.paired", obj=device, after={"prefix": device.prefix, "address": address}
            )
            return device, raw
    if device is not None:
        raise _refuse(KioskPairingCodeExpired(), device=device, address=address)
    if not digest:
        # Not even shaped like a code (a typo, a probe): refused, not recorded — no guess to count.
        raise KioskPairingCodeInvalid()
    raise _refuse(KioskPairingCodeInvalid(), device=None, address=address)


def _kiosk(device: ClientDevice) -> ClientDevice:
    if device.kind != ClientKind.KIOSK:
        raise KioskOnly()
    return device


JPEG_START = b"\xff\xd8\xff"


class KioskPhotoInvalid(ValidationFailed):
    code = "kiosk_photo_invalid"
    message = _("The photo is not a JPEG image of the allowed size.")


def kiosk_photo_check(photo: bytes | None) -> bytes | None:
    """A kiosk's photo as sent: a JPEG of at most ETIME_KIOSK_PHOTO_MAX_BYTES, or refused
    before anything is punched (``kiosk_photo_invalid``)."""
    if not photo:
        return None
    if len(photo) > settings.ETIME_KIOSK_PHOTO_MAX_BYTES or not photo.startswith(JPEG_START):
        raise KioskPhotoInvalid()
    return photo


def kiosk_punch(
    *, device: ClientDevice, badge: str, pin: str, address: str | None = None, photo: bytes | None = None
) -> dict[str, Any]:
    """A person at the kiosk, now: badge and PIN checked (accounts.kiosk_pin), then a punch
    (rule 1). Returns what the kiosk shows, in the person's language.

    ``photo`` (a JPEG the kiosk's camera took at the punch) is kept, linked to the punch, only
    when the kiosk has *photo at punch* on; otherwise it is dropped unread. The answer says
    which (``photo``: ``stored``, ``not_taken`` or ``off``) and whether the kiosk should take
    photos (``photos``), so a kiosk follows the setting from its next punch on."""
    _kiosk(device)
    photo = kiosk_photo_check(photo)
    employee = kiosk_pin.kiosk_identify(badge=badge, pin=pin, kiosk=device, address=address)
    # The punch is written (or refused and audited) by attendance in its own transaction.
    punch = attendance.kiosk_punch_create(
        employee=employee, kiosk_id=device.pk, kiosk_label=device.name, badge=employee.device_user_id or ""
    )
    outcome = "off"
    if device.take_photos:
        outcome = "not_taken"
        if photo is not None:
            _photo_store(device=device, punch=punch, photo=photo)
            outcome = "stored"
    result = attendance.kiosk_greeting(employee, punch)
    result.update(photo=outcome, photos=device.take_photos)
    return result


def _photo_store(*, device: ClientDevice, punch: Any, photo: bytes) -> KioskPhoto:
    from django.core.files.base import ContentFile

    stored = KioskPhoto(kiosk=device, punch=punch, taken_at=punch.timestamp, size=len(photo))
    stored.image.save("photo.jpg", ContentFile(photo), save=False)
    try:
        with transaction.atomic():
            stored.save()
    except Exception:
        stored.image.delete(save=False)
        raise
    return stored


def kiosk_photos_purge(*, now: datetime | None = None) -> int:
    """Delete kiosk photos older than ETIME_KIOSK_PHOTO_DAYS, image files included (the
    periodic task devices.purge_kiosk_photos). Returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ETIME_KIOSK_PHOTO_DAYS)
    gone = 0
    for photo in KioskPhoto.objects.filter(taken_at__lt=cutoff).order_by("pk").iterator():
        # The row first (a second worker running the purge deletes nothing twice), then its file.
        with transaction.atomic():
            deleted = KioskPhoto.objects.filter(pk=photo.pk).delete()[0]
        if deleted:
            if photo.image.name:
                photo.image.storage.delete(photo.image.name)
            gone += 1
    return gone


def kiosk_offline_punch(
    *,
    device: ClientDevice,
    key: UUID,
    badge: str,
    pin: str,
    recorded_at: datetime,
    device_now: datetime,
    address: str | None = None,
) -> tuple[bool, dict[str, Any]]:
    """A kiosk punch queued offline, sent with its idempotency key. The kiosk keeps no PINs of
    its own: the PIN typed offline travels with the punch and is checked here, at sync (a
    wrong one refused and audited, counting towards the badge's lockout). The same key again
    answers the stored result without checking anything twice."""
    _kiosk(device)
    employee = None
    if not ClientSubmission.objects.filter(device=device, key=key).exists():
        if device.revoked_at is not None:
            raise ClientCredentialRevoked()
        employee = kiosk_pin.kiosk_identify(badge=badge, pin=pin, kiosk=device, address=address)

    def apply(**kwargs: Any) -> dict[str, Any]:
        if employee is None:  # the key was stored before: offline_submit answers from it first
            raise OfflineKeyReused()
        punch = attendance.kiosk_offline_punch(
            employee=employee,
            kiosk_id=device.pk,
            kiosk_label=device.name,
            badge=employee.device_user_id or "",
            recorded_at=kwargs["recorded_at"],
            device_now=kwargs["device_now"],
            last_contact_at=kwargs["last_contact_at"],
        )
        return attendance.kiosk_greeting(employee, punch)

    return offline_submit(
        device=device,
        key=key,
        action="kiosk_punch",
        data={},
        recorded_at=recorded_at,
        device_now=device_now,
        address=address,
        handler=apply,
    )
