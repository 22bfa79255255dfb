"""Device settings: create, update, delete (audited; the comm key never appears in audit rows)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from attendance.models import Punch
from devices import crypto
from devices.errors import DeviceInUse
from devices.models import Device
from etime.core import audit
from etime.core.errors import ValidationFailed
from etime.core.types import Actor

# What admins edit (API, admin). Everything else on Device is written by the sync pipeline.
DEVICE_FIELDS = (
    "name",
    "vendor",
    "model",
    "protocol",
    "host",
    "port",
    "transport",
    "time_zone",
    "location",
    "poll_interval_seconds",
    "timeout_seconds",
    "enabled",
    "correct_clock",
    "clock_drift_threshold_seconds",
    "clear_log_after_sync",
    "purchase_date",
    "warranty_end",
    "serial_number",
    "push_networks",
    "push_photos",
)
# A change to any of these may mean another clock (or another log) at the other end.
_CONNECTION_FIELDS = ("protocol", "host", "port", "transport")

_UNSET: Any = object()


def validation_failed(exc: ValidationError) -> ValidationFailed:
    details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    first = next(iter(details.values()))[0] if details else "invalid"
    return ValidationFailed(gettext("The input is invalid: %(first)s") % {"first": first}, details=details)


def _settings_snapshot(device: Device) -> dict[str, Any]:
    data = audit.snapshot(device, fields=[*DEVICE_FIELDS])
    data["has_comm_key"] = device.has_comm_key
    return data


def _set_comm_key(device: Device, comm_key: Any) -> None:
    try:
        device.set_comm_key(comm_key)
    except (TypeError, ValueError):
        raise ValidationFailed(
            gettext("The comm key must be a number."),
            details={"comm_key": [gettext("A whole number from 0 to %(max)d.") % {"max": crypto.MAX_COMM_KEY}]},
        ) from None


def _save(device: Device) -> None:
    device.serial_number = (device.serial_number or "").strip()
    device.host = (device.host or "").strip()
    try:
        device.full_clean(exclude=["comm_key_encrypted"])
    except ValidationError as exc:
        raise validation_failed(exc) from None
    try:
        with transaction.atomic():
            device.save()
    except IntegrityError as exc:
        raise ValidationFailed(
            gettext("The change conflicts with another device."), details={"non_field_errors": [str(exc)]}
        ) from None


def device_create(*, actor: Actor, comm_key: int | None = None, **fields: Any) -> Device:
    """A new device, due for its first sync at once when enabled."""
    unknown = set(fields) - set(DEVICE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown device fields: {sorted(unknown)}")
    device = Device(**fields)
    _set_comm_key(device, comm_key)
    device.next_sync_at = timezone.now() if device.enabled else None
    with transaction.atomic():
        _save(device)
        audit.record(actor=actor, action="device.created", obj=device, after=_settings_snapshot(device))
    return device


def device_update(*, device: Device, actor: Actor, comm_key: Any = _UNSET, **changes: Any) -> Device:
    """Change settings; `comm_key` (a number, 0 or None for none) only when given.

    Re-enabling a device, or changing its address or comm key, makes it due at once and
    forgets its backoff: the admin fixed something, so try now.
    """
    unknown = set(changes) - set(DEVICE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown device fields: {sorted(unknown)}")
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        before = _settings_snapshot(device)
        old_token = device.comm_key_encrypted
        for name, value in changes.items():
            setattr(device, name, value)
        key_changed = False
        if comm_key is not _UNSET:
            same = False
            try:
                same = device.comm_key == int(comm_key or 0)
            except (crypto.CommKeyUnreadable, TypeError, ValueError):
                same = False
            if not same:
                _set_comm_key(device, comm_key)
                key_changed = True
            else:
                device.comm_key_encrypted = old_token
        retry_now = (
            key_changed
            or any(before.get(name) != audit.snapshot(device, fields=[name]).get(name) for name in _CONNECTION_FIELDS)
            or (device.enabled and not before["enabled"])
        )
        if retry_now and device.enabled:
            device.next_sync_at = timezone.now()
            device.consecutive_failures = 0
        if not device.enabled:
            device.next_sync_at = None
        _save(device)
        after = _settings_snapshot(device)
        if after != before or key_changed:
            audit.record(
                actor=actor,
                action="device.updated",
                obj=device,
                before=before,
                after={**after, "comm_key_changed": key_changed},
            )
    return device


def device_delete(*, device: Device, actor: Actor) -> None:
    """Refused with `device_in_use` once punches were recorded on the device: disable it instead."""
    with transaction.atomic():
        if Punch.objects.filter(device_id=device.pk).exists():
            raise DeviceInUse()
        before = _settings_snapshot(device)
        pk = device.pk
        device.delete()
        audit.record(actor=actor, action="device.deleted", object_type="devices.device", object_id=pk, before=before)


def comm_keys_reencrypt() -> tuple[int, list[Device]]:
    """Re-encrypt every stored comm key under the current SECRET_KEY (after a rotation that
    kept the old key in SECRET_KEY_FALLBACKS). Returns (re-encrypted, unreadable devices)."""
    done = 0
    unreadable: list[Device] = []
    for device in Device.objects.exclude(comm_key_encrypted="").only("id", "name", "comm_key_encrypted"):
        try:
            token = crypto.reencrypt(device.comm_key_encrypted)
        except crypto.CommKeyUnreadable:
            unreadable.append(device)
            continue
        Device.objects.filter(pk=device.pk, comm_key_encrypted=device.comm_key_encrypted).update(
            comm_key_encrypted=token
        )
        done += 1
    return done, unreadable
