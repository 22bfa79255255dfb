"""Celery tasks: ids in, one service call each.

Beat runs `devices.sync_due_devices` every ETIME_DEVICE_FANOUT_SECONDS; it claims the due
devices and enqueues one `devices.sync_device` per device. A sync redelivered by Celery
(acks_late after a worker loss) is harmless: the device lease skips it while another
runs, and storage is idempotent.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings

from devices.models import Device, SyncTrigger
from etime.core.errors import DomainError
from etime.core.queue import task_row

log = logging.getLogger("devices.tasks")


@shared_task(name="devices.sync_due_devices")
def sync_due_devices() -> int:
    from devices import services

    ids = services.devices_claim_due()
    for device_id in ids:
        sync_device.delay(str(device_id))
    return len(ids)


@shared_task(name="devices.sync_device")
def sync_device(device_id: str, trigger: str = SyncTrigger.SCHEDULE) -> dict[str, Any] | None:
    from devices import services

    device = task_row(Device, device_id)
    if device is None:
        return None
    try:
        run = services.device_sync(device=device, trigger=trigger)
    except DomainError as exc:  # disabled or turned into a push device since it was claimed
        log.info("sync of device %s not run: %s", device_id, exc.message)
        return None
    return {"sync_run": str(run.pk), "status": run.status, "created": run.created, "error_code": run.error_code}


@shared_task(name="devices.alert_offline_devices")
def alert_offline_devices() -> int:
    from devices import services

    return len(services.devices_alert_offline())


@shared_task(name="devices.send_offline_alert")
def send_offline_alert(device_id: str) -> int:
    """Notify every active admin (``device_offline``, through ``etime.ops.notifications``:
    recorded, each admin may switch it off). Returns the mails queued."""
    from django.db import transaction
    from django.db.models import Q
    from django.utils.text import format_lazy
    from django.utils.translation import gettext, gettext_lazy

    from accounts.models import Role, User
    from etime.ops.models import Notification, NotificationKind
    from etime.ops.notifications import lazy_text, notify_many

    device = task_row(Device, device_id)
    if device is None:
        return 0
    # The same people as selectors.admin_emails(), as users so their preferences apply.
    admins = User.objects.filter(is_active=True).filter(Q(role=Role.ADMIN) | Q(is_superuser=True)).order_by("username")
    since = device.failing_since or device.last_contact_at or device.created_at
    base = settings.ETIME_BASE_URL
    # Lazy: notify_many() writes it in each admin's language.
    body = lazy_text(
        lambda: (
            gettext("The time clock %(name)s (%(address)s) has not delivered punches since %(since)s UTC.")
            % {"name": device.name, "address": device.host or device.serial_number, "since": f"{since:%Y-%m-%d %H:%M}"}
            + "\n\n"
            + gettext("Status: %(status)s") % {"status": device.get_status_display()}
            + "\n"
            + gettext("Last error: %(code)s %(error)s")
            % {"code": device.last_error_code or "-", "error": device.last_error[:500]}
            + "\n"
            + gettext("Failed attempts in a row: %(n)s") % {"n": device.consecutive_failures}
            + "\n\n"
            + gettext("Punches made on it meanwhile stay on the device and arrive once it is reachable again.")
            + "\n"
            + gettext("Device: %(url)s") % {"url": f"{base}/admin/devices/device/{device.pk}/change/"}
            + "\n"
        )
    )
    subject = format_lazy(gettext_lazy("Time clock offline: {name}"), name=device.name)
    with transaction.atomic():
        records = notify_many(admins, NotificationKind.DEVICE_OFFLINE, subject, body)
    return sum(r.status == Notification.Status.QUEUED for r in records)


@shared_task(name="devices.send_knock_alert")
def send_knock_alert(knock_id: int) -> int:
    """Tell every active admin, once per serial, that a clock nobody registered called
    /iclock/ ("a clock is knocking"): adopt it, or find out who is trying serials. Sent as
    a time clock alert (``device_offline``, the same preference). Returns the mails queued."""
    from django.db import transaction
    from django.db.models import Q
    from django.utils.http import urlencode
    from django.utils.text import format_lazy
    from django.utils.translation import gettext, gettext_lazy

    from accounts.models import Role, User
    from devices.models import PushKnock
    from etime.ops.models import Notification, NotificationKind
    from etime.ops.notifications import lazy_text, notify_many

    knock = task_row(PushKnock, knock_id)
    if knock is None:
        return 0
    admins = User.objects.filter(is_active=True).filter(Q(role=Role.ADMIN) | Q(is_superuser=True)).order_by("username")
    base = settings.ETIME_BASE_URL
    query = {"protocol": "adms", "serial_number": knock.serial_number}
    if knock.last_address:
        query["push_networks"] = knock.last_address
    adopt = f"{base}/admin/devices/device/add/?{urlencode(query)}"
    body = lazy_text(
        lambda: (
            gettext(
                "A time clock with serial number %(serial)s called etime's push address (/iclock/) from %(address)s "
                "at %(when)s UTC, but no enabled push clock has that serial number. It was refused."
            )
            % {
                "serial": knock.serial_number,
                "address": knock.last_address or "-",
                "when": f"{knock.first_seen_at:%Y-%m-%d %H:%M}",
            }
            + "\n\n"
            + gettext("If it is a new clock of yours, register it: %(url)s") % {"url": adopt}
            + "\n"
            + gettext("If not, someone may be trying serial numbers; you will not be told of this one again.")
            + "\n"
        )
    )
    subject = format_lazy(gettext_lazy("A time clock is knocking: {serial}"), serial=knock.serial_number)
    with transaction.atomic():
        records = notify_many(admins, NotificationKind.DEVICE_OFFLINE, subject, body)
    return sum(r.status == Notification.Status.QUEUED for r in records)


@shared_task(name="devices.purge_kiosk_photos")
def purge_kiosk_photos() -> int:
    """Deletes kiosk photos older than ETIME_KIOSK_PHOTO_DAYS (privacy: docs/SECURITY.md)."""
    from devices.services import kiosk_photos_purge

    return kiosk_photos_purge()
