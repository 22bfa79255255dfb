"""Writes for devices (CONVENTIONS: keyword-only, audited where they change settings).

- devices: ``device_create``, ``device_update``, ``device_delete``, ``comm_keys_reencrypt``;
- sync: ``device_sync`` (one device, now), ``devices_claim_due`` (beat fan-out),
  ``devices_alert_offline``; ``open_adapter`` is the one place a session is opened;
- operations: ``device_read_info``, ``device_set_time``, ``device_push_employees``,
  ``device_pull_users`` (admin actions);
- adms: the push protocol's handshake, uploads and command queue;
- clients: installed apps (later kiosks) with a device credential, and what they queued offline.
"""

from __future__ import annotations

from devices.services.adms import (
    adms_accepted_stamp,
    adms_acknowledge,
    adms_command_queue,
    adms_command_results,
    adms_contact,
    adms_device,
    adms_knock,
    adms_next_commands,
    adms_note_version,
    adms_options,
    adms_push_config,
    adms_register,
    adms_time_zone,
    adms_upload_attlog,
    adms_upload_photo,
    adms_upload_rtlog,
    decode_zk_time,
    parse_attlog,
)
from devices.services.clients import (
    client_device_authenticate,
    client_device_contact,
    client_device_register,
    client_device_revoke,
    offline_submit,
)
from devices.services.devices import DEVICE_FIELDS, comm_keys_reencrypt, device_create, device_delete, device_update
from devices.services.kiosks import (
    kiosk_create,
    kiosk_offline_punch,
    kiosk_pair,
    kiosk_pairing_code,
    kiosk_photos_purge,
    kiosk_photos_set,
    kiosk_punch,
)
from devices.services.operations import (
    PullResult,
    PushResult,
    device_pull_users,
    device_push_employees,
    device_read_info,
    device_set_time,
)
from devices.services.sync import (
    backoff_seconds,
    device_local_now,
    device_sync,
    devices_alert_offline,
    devices_claim_due,
    open_adapter,
    to_utc,
)

__all__ = [
    "kiosk_create",
    "kiosk_offline_punch",
    "kiosk_pair",
    "kiosk_pairing_code",
    "kiosk_photos_purge",
    "kiosk_photos_set",
    "kiosk_punch",
    "client_device_authenticate",
    "client_device_contact",
    "client_device_register",
    "client_device_revoke",
    "offline_submit",
    "DEVICE_FIELDS",
    "PullResult",
    "PushResult",
    "adms_accepted_stamp",
    "adms_acknowledge",
    "adms_command_queue",
    "adms_command_results",
    "adms_contact",
    "adms_device",
    "adms_knock",
    "adms_next_commands",
    "adms_note_version",
    "adms_options",
    "adms_push_config",
    "adms_register",
    "adms_time_zone",
    "adms_upload_attlog",
    "adms_upload_photo",
    "adms_upload_rtlog",
    "backoff_seconds",
    "comm_keys_reencrypt",
    "decode_zk_time",
    "device_create",
    "device_delete",
    "device_local_now",
    "device_pull_users",
    "device_push_employees",
    "device_read_info",
    "device_set_time",
    "device_sync",
    "device_update",
    "devices_alert_offline",
    "devices_claim_due",
    "open_adapter",
    "parse_attlog",
    "to_utc",
]
