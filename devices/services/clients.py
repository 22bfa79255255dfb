"""Client devices (issue #20): a person's installed app, or a kiosk (devices.services.kiosks), holding a device
credential, and what they send after queueing it offline (docs/SECURITY.md "Client devices").

- ``client_device_register``: a signed-in person's installed app gets its credential, once;
- ``client_device_revoke``: by the owner or an administrator;
- ``client_device_authenticate``: ``Authorization: Device <credential>`` to a device, or a
  refusal (audited);
- ``client_device_contact``: the device is online now (the start of the window its next
  offline punches must lie in: punch policy rule 6b);
- ``offline_submit``: one queued action with its idempotency key: applied once (the app that
  owns the action decides: etime.core.registry's offline actions), replayed from the stored
  result for the same key, or refused (audited, nothing kept).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Employee
from devices.errors import ClientCredentialInvalid, ClientCredentialRevoked, OfflineActionUnknown, OfflineKeyReused
from devices.models import ClientDevice, ClientKind, ClientSubmission
from etime.core import audit, registry
from etime.core.access import is_admin
from etime.core.errors import DomainError, NotFound, ValidationFailed
from etime.core.types import Actor, actor_user

PREFIX = "etd_"
MAX_DEVICES_PER_PERSON = 20


def hash_credential(raw: str) -> str:
    # 256 random bits: a fast hash is safe (no pre-image to guess) and indexable, as for API tokens.
    return hashlib.sha256(raw.encode()).hexdigest()


def client_device_register(
    *, owner: Employee, actor: Actor, name: str = "", user_agent: str = ""
) -> tuple[ClientDevice, str]:
    """Register ``owner``'s installed app; returns (the device, the credential to keep).

    The credential is returned here only; the caller hands it to the browser, which keeps it
    in its own storage. The owner registers their own device (``actor`` is the owner's user).
    """
    if owner.user_id is None or getattr(actor, "pk", None) != owner.user_id:
        raise NotFound()
    active = ClientDevice.objects.filter(owner=owner, revoked_at__isnull=True).count()
    if active >= MAX_DEVICES_PER_PERSON:
        raise ValidationFailed(
            gettext("You have %(count)d registered devices; revoke one you no longer use first.") % {"count": active},
            details={"devices": [gettext("Too many registered devices.")]},
        )
    raw = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        device = ClientDevice.objects.create(
            kind=ClientKind.APP,
            owner=owner,
            name=(name or "").strip()[:100] or gettext("Installed app"),
            key_hash=hash_credential(raw),
            prefix=raw[:12],
            user_agent=(user_agent or "")[:200],
            created_by=actor_user(actor),
            last_contact_at=timezone.now(),
        )
        audit.record(
            actor=actor,
            action="client_device.registered",
            obj=device,
            after=audit.snapshot(device, ["kind", "name", "owner", "prefix"]),
        )
    return device, raw


def client_device_revoke(*, device: ClientDevice, actor: Actor) -> ClientDevice:
    """Revoke ``device``'s credential (its owner or an administrator; NotFound otherwise).
    Revoking twice changes nothing."""
    owner_user = device.owner.user_id if device.owner_id and device.owner else None
    if not is_admin(actor) and (owner_user is None or getattr(actor, "pk", None) != owner_user):
        raise NotFound()
    with transaction.atomic():
        locked = ClientDevice.objects.select_for_update().get(pk=device.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_by = actor_user(actor)
            locked.save(update_fields=["revoked_at", "revoked_by"])
            audit.record(
                actor=actor, action="client_device.revoked", obj=locked, after={"revoked_at": locked.revoked_at}
            )
    return locked


def _refuse(error: DomainError, *, device: ClientDevice | None, address: str | None, **facts: Any) -> DomainError:
    with transaction.atomic():
        audit.record(
            actor=device.owner.user if device is not None and device.owner is not None else None,
            action="client_device.refused",
            obj=device,
            object_type=None if device else "devices.clientdevice",
            after={"code": error.code, "address": address, **facts},
        )
    return error


def client_device_authenticate(*, header: str, address: str | None = None) -> ClientDevice:
    """The device that holds the credential in ``header`` (``Device <credential>``). Refused
    with ``device_credential_invalid`` (401) or ``device_credential_revoked`` (403); a
    credential that was presented and refused is audited."""
    parts = (header or "").split()
    if not parts or parts[0].lower() != "device":
        # No device credential at all (a session, a bearer token, nothing): not a forgery to
        # record, just the wrong door.
        raise ClientCredentialInvalid()
    raw = parts[1] if len(parts) == 2 else ""
    device = None
    if raw.startswith(PREFIX):
        digest = hash_credential(raw)
        device = ClientDevice.objects.select_related("owner__user", "location").filter(key_hash=digest).first()
        if device is not None and not hmac.compare_digest(device.key_hash, digest):
            device = None
    if device is None:
        raise _refuse(ClientCredentialInvalid(), device=None, address=address, prefix=raw[:12])
    if device.revoked_at is not None:
        raise _refuse(ClientCredentialRevoked(), device=device, address=address)
    if device.kind == ClientKind.APP and (
        device.owner is None or device.owner.user is None or not device.owner.user.is_active
    ):
        raise _refuse(ClientCredentialInvalid(), device=device, address=address, reason="the owner cannot sign in")
    return device


def client_device_contact(*, device: ClientDevice) -> datetime:
    """Note that ``device`` is online now; its later offline punches must be recorded after."""
    now = timezone.now()
    ClientDevice.objects.filter(pk=device.pk).update(last_contact_at=now)
    device.last_contact_at = now
    return now


def offline_submit(
    *,
    device: ClientDevice,
    key: UUID,
    action: str,
    data: dict[str, Any],
    recorded_at: datetime,
    device_now: datetime,
    address: str | None = None,
    handler: registry.OfflineAction | None = None,
) -> tuple[bool, dict[str, Any]]:
    """Apply one action ``device`` queued offline, once per ``key``.

    ``handler`` (a kiosk's punch, devices.services.kiosks) replaces the registry's action for
    ``action``: it is called with the same keywords and identifies the person itself.

    Returns (replayed, result): the same key sent again returns the stored result with
    ``replayed`` true and changes nothing (the device's row is locked while an action is
    applied, so two tabs sending the same queue at once wait for each other). A refusal (a
    DomainError from the action) is audited and raised; nothing of it is kept, so the
    same key may be sent again.
    """
    if handler is None:
        handler = registry.offline_action(action)
        if handler is None:
            raise OfflineActionUnknown(
                details={
                    "action": [gettext("One of %(choices)s.") % {"choices": ", ".join(registry.offline_actions())}]
                }
            )
        if device.kind != ClientKind.APP or device.owner is None:
            # A kiosk sends for the person who identified at it: its own action, ``kiosk_punch``.
            raise OfflineActionUnknown(gettext("A kiosk sends only kiosk punches."))
    owner_user = device.owner.user if device.owner is not None else None
    refused: DomainError | None = None
    with transaction.atomic():
        locked = ClientDevice.objects.select_for_update().get(pk=device.pk)
        stored = ClientSubmission.objects.filter(device=locked, key=key).first()
        if stored is not None:
            if stored.action != action:
                raise OfflineKeyReused()
            return True, stored.result
        if locked.revoked_at is not None:  # revoked while this request waited for the lock
            refused = ClientCredentialRevoked()
        else:
            try:
                with transaction.atomic():
                    result = handler(
                        employee=device.owner,
                        actor=owner_user,
                        data=data,
                        recorded_at=recorded_at,
                        device_now=device_now,
                        last_contact_at=locked.last_contact_at,
                        device_label=locked.name,
                    )
                    ClientSubmission.objects.create(
                        device=locked, key=key, action=action, recorded_at=recorded_at, result=result
                    )
            except DomainError as exc:
                refused = exc
        if refused is not None:
            # Kept: the outer transaction holds nothing else (the action's savepoint is gone).
            audit.record(
                actor=owner_user,
                action="client_device.refused",
                obj=locked,
                after={
                    "code": refused.code,
                    "address": address,
                    "key": str(key),
                    "action": action,
                    "recorded_at": recorded_at.isoformat(),
                    "device_now": device_now.isoformat(),
                    "details": refused.details,
                },
            )
    if refused is not None:
        raise refused
    return False, result
