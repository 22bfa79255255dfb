"""What attendance needs from apps above it, declared here and filled in by those apps.

Attendance never imports leave or devices (DESIGN §1). Instead they register a provider
in their ``AppConfig.ready()``; the recompute loader calls every registered provider once
per chunk of employees. With nothing registered, there is no approved leave, no public
holiday and no device that could hold unsynced punches, so closed days are final.

Providers are called inside the recompute transaction with plain ids and dates and must
answer with a few set-based queries (they run for chunks of ~500 employees × a month).

- ``register_absence_provider(fn)`` — leave:
  ``fn(employee_ids: list[UUID], date_from: date, date_to: date) -> Mapping[(employee_id, date), Absence]``
  for approved leave only. ``Absence(kind="vacation", full_day=True)``; a half day is
  ``full_day=False`` (the day then follows the other rules; ``leave_kind`` is shown).
- ``register_holiday_provider(fn)`` — public holidays of each employee's calendar:
  ``fn(employee_ids, date_from, date_to) -> set[(employee_id, date)]``.
- ``register_device_status_provider(fn)`` — devices:
  ``fn(employee_ids) -> Mapping[employee_id, list[(device_id, device_name, last_successful_sync_at | None)]]``,
  the clocks that may record the employee's punches. A closed day stays provisional while
  one of them last synced before the day's window closed (until ETIME_ATTENDANCE_FINAL_AFTER_HOURS).

When a provider's answer changes (a leave decision, a new holiday, a calendar edit), the
provider's app calls ``attendance.services.mark_dirty(pairs)`` for the employee-dates it
changed, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from attendance.engine import Absence, DeviceSync

AbsenceProvider = Callable[[Sequence[Any], date, date], Mapping[tuple[Any, date], Absence]]
HolidayProvider = Callable[[Sequence[Any], date, date], "set[tuple[Any, date]] | frozenset[tuple[Any, date]]"]
DeviceStatusProvider = Callable[[Sequence[Any]], Mapping[Any, Sequence[tuple[Any, str, datetime | None]]]]

_absence_providers: list[AbsenceProvider] = []
_holiday_providers: list[HolidayProvider] = []
_device_status_providers: list[DeviceStatusProvider] = []

__all__ = [
    "Absence",
    "absences",
    "device_status",
    "holidays",
    "register_absence_provider",
    "register_device_status_provider",
    "register_holiday_provider",
]


def register_absence_provider(fn: AbsenceProvider) -> None:
    if fn not in _absence_providers:
        _absence_providers.append(fn)


def register_holiday_provider(fn: HolidayProvider) -> None:
    if fn not in _holiday_providers:
        _holiday_providers.append(fn)


def register_device_status_provider(fn: DeviceStatusProvider) -> None:
    if fn not in _device_status_providers:
        _device_status_providers.append(fn)


def unregister(fn: Callable[..., Any]) -> None:
    """Remove a provider (tests)."""
    for registry in (_absence_providers, _holiday_providers, _device_status_providers):
        while fn in registry:
            registry.remove(fn)


def absences(employee_ids: Sequence[Any], date_from: date, date_to: date) -> dict[tuple[Any, date], Absence]:
    merged: dict[tuple[Any, date], Absence] = {}
    for provider in _absence_providers:
        for key, absence in provider(employee_ids, date_from, date_to).items():
            # Two sources for one day: a full day wins over a half day.
            if key not in merged or (absence.full_day and not merged[key].full_day):
                merged[key] = absence
    return merged


def holidays(employee_ids: Sequence[Any], date_from: date, date_to: date) -> set[tuple[Any, date]]:
    found: set[tuple[Any, date]] = set()
    for provider in _holiday_providers:
        found |= set(provider(employee_ids, date_from, date_to))
    return found


def device_status(employee_ids: Sequence[Any]) -> dict[Any, list[DeviceSync]]:
    found: dict[Any, list[DeviceSync]] = {}
    for provider in _device_status_providers:
        for employee_id, devices in provider(employee_ids).items():
            found.setdefault(employee_id, []).extend(
                DeviceSync(device_id=device_id, name=name, last_sync_at=last_sync)
                for device_id, name, last_sync in devices
            )
    return found
