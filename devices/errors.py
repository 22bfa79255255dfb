"""Domain errors of the devices app (stable codes; docs/API.md "Devices" lists them).

Adapter errors (devices.adapters.errors) keep their codes when they reach the API:
`device_unreachable`, `device_auth_failed`, `device_timeout`, `device_protocol_error`,
`device_count_mismatch` (502, or 504 for timeouts).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from devices.adapters.errors import DeviceError, DeviceTimeout
from etime.core.errors import Conflict, DomainError


class DeviceCommunicationFailed(DomainError):
    """The device did not do what was asked; `code` is the adapter error's code."""

    status = 502
    code = "device_error"
    message = _("The device did not answer as expected.")

    def __init__(self, error: DeviceError, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(str(error), details=details)
        self.code = error.code
        self.status = 504 if isinstance(error, DeviceTimeout) else 502


class DeviceSyncInProgress(Conflict):
    code = "device_sync_in_progress"
    message = _("Another sync of this device is running.")


class DeviceNotPollable(Conflict):
    code = "device_not_pollable"
    message = _("This device pushes its records (ADMS); etime cannot connect to it.")


class DeviceDisabled(Conflict):
    code = "device_disabled"
    message = _("This device is disabled.")


class DeviceInUse(Conflict):
    code = "device_in_use"
    message = _("Punches were recorded on this device; disable it instead of deleting it.")


class CommKeyUnreadableError(DomainError):
    code = "device_comm_key_unreadable"
    status = 409
    message = (
        "The stored comm key does not decrypt with SECRET_KEY (was it changed without keeping the old one in "
        "SECRET_KEY_FALLBACKS?). Enter the device's comm key again."
    )


class ClientCredentialInvalid(DomainError):
    """No client device holds this credential (or its owner can no longer sign in)."""

    code = "device_credential_invalid"
    status = 401
    message = _("This device's credential is not valid. Open etime online to register the device again.")


class ClientCredentialRevoked(DomainError):
    code = "device_credential_revoked"
    status = 403
    message = _("This device's credential has been revoked. Open etime online to register the device again.")


class OfflineActionUnknown(DomainError):
    code = "offline_action_unknown"
    status = 400
    message = _("Unknown offline action.")


class OfflineKeyReused(Conflict):
    code = "offline_key_reused"
    message = _("This idempotency key was already used for another action.")
