"""Reads for devices, including who may see them: time clocks are an admin matter (their
addresses, keys and logs), so only admins see devices and sync runs, in API and admin alike.
Client devices (installed apps) are also seen by their owner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from accounts.models import Employee, Role, User
from devices.models import ClientDevice, Device, Protocol, SyncRun
from etime.core.access import is_admin


def device_list(*, user: Any) -> QuerySet[Device]:
    if not is_admin(user):
        return Device.objects.none()
    return Device.objects.select_related("location")


def device_get(*, user: Any, device_id: Any) -> Device | None:
    return device_list(user=user).filter(pk=device_id).first()


def sync_run_list(*, user: Any, device: Device | None = None) -> QuerySet[SyncRun]:
    if not is_admin(user):
        return SyncRun.objects.none()
    runs = SyncRun.objects.all()
    return runs.filter(device=device) if device is not None else runs


def devices_alerting() -> QuerySet[Device]:
    """Enabled devices whose offline alert is out (shown to admins until they recover)."""
    return Device.objects.filter(enabled=True, alerted_at__isnull=False)


def admin_emails() -> list[str]:
    users = User.objects.filter(is_active=True).filter(Q(role=Role.ADMIN) | Q(is_superuser=True)).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def device_sync_status(employee_ids: Sequence[Any]) -> Mapping[Any, list[tuple[Any, str, datetime | None]]]:
    """attendance's device-status provider: per employee, the enabled clocks that may hold
    their punches, with when each last delivered everything it had.

    A clock with a location serves that location's employees; one without serves everyone.
    Polled clocks count from their last successful sync; push clocks from their last call
    (they push as they punch, so a device that called has nothing pending).
    """
    devices = list(
        Device.objects.filter(enabled=True).values_list(
            "pk", "name", "location_id", "protocol", "last_success_at", "last_contact_at"
        )
    )
    if not devices or not employee_ids:
        return {}
    locations = dict(Employee.objects.filter(pk__in=list(employee_ids)).values_list("pk", "location_id"))
    entries = [
        (location_id, (pk, name, last_contact if protocol == Protocol.ADMS else last_success))
        for pk, name, location_id, protocol, last_success, last_contact in devices
    ]
    status: dict[Any, list[tuple[Any, str, datetime | None]]] = {}
    for employee_id, location_id in locations.items():
        mine = [entry for where, entry in entries if where is None or where == location_id]
        if mine:
            status[employee_id] = mine
    return status


def client_device_list(*, user: Any) -> QuerySet[ClientDevice]:
    """Client devices ``user`` may see: an administrator all, anyone else their own apps."""
    if is_admin(user):
        return ClientDevice.objects.select_related("owner", "location").order_by("-created_at", "id")
    return client_devices_own(user=user)


def client_devices_own(*, user: Any) -> QuerySet[ClientDevice]:
    """``user``'s own installed apps (an administrator's too: only their own)."""
    queryset = ClientDevice.objects.select_related("owner", "location").order_by("-created_at", "id")
    owner = getattr(user, "pk", None)
    if owner is None:
        return queryset.none()
    return queryset.filter(owner__user_id=owner)
