"""One-off operations on a clock, from the admin (and the API where noted): identity, clock,
enrolment. Each opens its own session; device failures raise DeviceCommunicationFailed
with the adapter's code (device_unreachable, device_auth_failed, ...)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Employee
from accounts.services import employee_update
from devices.adapters import DeviceError, DeviceInfo, DeviceUser
from devices.errors import DeviceCommunicationFailed
from devices.models import Device, DeviceStatus
from devices.services.sync import _store_info, device_local_now, open_adapter
from etime.core import audit
from etime.core.types import Actor

MAX_NAME_BYTES = 24  # ZK 72-byte user records hold 24 bytes of name
MAX_CARD = 2**32 - 1


def _contacted(device: Device) -> None:
    fields: dict[str, Any] = {"last_contact_at": timezone.now()}
    if device.status in (DeviceStatus.UNKNOWN, DeviceStatus.OFFLINE):
        fields["status"] = DeviceStatus.ONLINE
    Device.objects.filter(pk=device.pk).update(**fields)


def device_read_info(*, device: Device, actor: Actor) -> DeviceInfo:
    """Read identity and counts from the device and store serial, firmware, platform, ..."""
    notes: list[str] = []
    try:
        with open_adapter(device) as clock:
            info = clock.info()
    except DeviceError as exc:
        raise DeviceCommunicationFailed(exc) from exc
    _store_info(device, info, notes)
    _contacted(device)
    return info


def device_set_time(*, device: Device, actor: Actor, device_time: datetime | None = None) -> datetime:
    """Set the device clock (default: now in the device's zone); returns what was set. Audited."""
    target = device_time or device_local_now(device)
    try:
        with open_adapter(device) as clock:
            before = clock.get_time()
            clock.set_time(target)
    except DeviceError as exc:
        raise DeviceCommunicationFailed(exc) from exc
    _contacted(device)
    Device.objects.filter(pk=device.pk).update(clock_drift_seconds=0.0, clock_checked_at=timezone.now())
    audit.record(
        actor=actor, action="device.time_set", obj=device, before={"device_time": before}, after={"device_time": target}
    )
    return target


def _name_bytes(name: str) -> str:
    raw = name.encode()[:MAX_NAME_BYTES]
    return raw.decode(errors="ignore")  # never cut a character in half


def _card(card_number: str | None) -> int:
    if card_number and card_number.strip().isdigit() and int(card_number) <= MAX_CARD:
        return int(card_number)
    return 0


@dataclass
class PushResult:
    pushed: list[str] = field(default_factory=list)  # employee codes
    skipped: list[str] = field(default_factory=list)  # no device user id
    failed: dict[str, str] = field(default_factory=dict)


def device_push_employees(*, device: Device, employees: Iterable[Employee], actor: Actor) -> PushResult:
    """Enrol employees on the device: user id = their device_user_id, name, card (numeric card
    numbers only). Employees without a device user id are skipped. One session; a device
    failure ends the push (what was pushed stays pushed). Audited."""
    result = PushResult()
    todo: list[Employee] = []
    for employee in employees:
        if employee.device_user_id:
            todo.append(employee)
        else:
            result.skipped.append(employee.code)
    failure: DeviceError | None = None
    if todo:
        try:
            with open_adapter(device) as clock:
                for employee in todo:
                    user = DeviceUser(
                        user_id=str(employee.device_user_id),
                        name=_name_bytes(employee.full_name),
                        card=_card(employee.card_number),
                    )
                    try:
                        clock.set_user(user)
                    except ValueError as exc:
                        result.failed[employee.code] = str(exc)
                        continue
                    result.pushed.append(employee.code)
        except DeviceError as exc:
            failure = exc
    if result.pushed:
        _contacted(device)
        audit.record(
            actor=actor,
            action="device.users_pushed",
            obj=device,
            after={"employees": result.pushed, "failed": result.failed},
        )
    if failure is not None:
        raise DeviceCommunicationFailed(failure, details={"pushed": result.pushed}) from failure
    return result


@dataclass
class PullResult:
    users: list[DeviceUser] = field(default_factory=list)
    matched: dict[str, str] = field(default_factory=dict)  # device user id -> employee code (already mapped)
    mapped: dict[str, str] = field(default_factory=dict)  # newly mapped by card number
    unmatched: list[str] = field(default_factory=list)  # device user ids with no employee


def device_pull_users(*, device: Device, actor: Actor) -> PullResult:
    """Read the users enrolled on the device and map them to employees.

    A device user whose id is some employee's device_user_id is matched. One that matches
    nobody, but carries a card number that exactly one employee without a device user id
    has, gets mapped: that employee's device_user_id is set (through the accounts service,
    audited), which also attaches punches already stored under that id. Everything else is
    reported as unmatched; nothing is guessed from names.
    """
    try:
        with open_adapter(device) as clock:
            users = clock.get_users()
    except DeviceError as exc:
        raise DeviceCommunicationFailed(exc) from exc
    _contacted(device)
    result = PullResult(users=users)
    ids = [u.user_id for u in users]
    known = dict(Employee.objects.filter(device_user_id__in=ids).values_list("device_user_id", "code"))
    by_card: dict[int, list[Employee]] = {}
    for employee in Employee.objects.filter(device_user_id__isnull=True, card_number__isnull=False):
        card = _card(employee.card_number)
        if card:
            by_card.setdefault(card, []).append(employee)
    with transaction.atomic():
        for user in users:
            if user.user_id in known:
                result.matched[user.user_id] = known[user.user_id]
                continue
            candidates = by_card.get(user.card, []) if user.card else []
            if len(candidates) == 1:
                employee = candidates[0]
                employee_update(employee=employee, actor=actor, device_user_id=user.user_id)
                result.mapped[user.user_id] = employee.code
                by_card.pop(user.card)
            else:
                result.unmatched.append(user.user_id)
    return result
