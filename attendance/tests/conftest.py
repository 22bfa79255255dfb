"""Attendance fixtures: a day shift, a Monday–Friday schedule, and helpers for punches."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from attendance import providers

ZURICH = ZoneInfo("Europe/Zurich")
MONDAY = date(2026, 3, 2)
DEVICE = uuid.UUID("00000000-0000-4000-8000-00000000c1c1")


def local(day: date, hh_mm: str) -> datetime:
    hour, minute = (int(x) for x in hh_mm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=ZURICH).astimezone(UTC)


@pytest.fixture
def day_shift(db: Any) -> Any:
    from attendance.models import Shift
    from attendance.services import shift_save

    return shift_save(
        shift=Shift(
            name="Day",
            code="D",
            start_time=time(9),
            end_time=time(17),
            unpaid_break_minutes=30,
            late_grace_minutes=5,
            early_exit_grace_minutes=5,
        ),
        actor=None,
    )


@pytest.fixture
def office_week(day_shift: Any) -> Any:
    from attendance.models import Schedule
    from attendance.services import schedule_save

    return schedule_save(
        schedule=Schedule(name="Office week", cycle_length=7, anchor_date=date(2026, 1, 5)),
        days=[day_shift] * 5 + [None, None],
        actor=None,
    )


@pytest.fixture
def planned(people: Any, office_week: Any) -> Any:
    """alice, amir and dave work the office week from 2026-01-01; carla, bob and mona have no schedule."""
    from attendance.models import DirtyDay, ScheduleAssignment
    from attendance.services import assignment_save

    for person in (people.alice, people.amir, people.dave):
        assignment_save(
            assignment=ScheduleAssignment(employee=person, schedule=office_week, start_date=date(2026, 1, 1)),
            actor=people.admin,
        )
    # Assigning marks every day since 2026-01-01 dirty; tests start from a clean set.
    DirtyDay.objects.all().delete()
    return people


@pytest.fixture
def clock(planned: Any) -> Any:
    """Give alice, amir and dave device user ids 1, 2, 3; returns ingest(uid, day, "HH:MM", ...)."""
    from accounts.services import employee_update
    from attendance.services import PunchInput, punches_ingest

    for uid, person in (("1", planned.alice), ("2", planned.amir), ("3", planned.dave)):
        employee_update(employee=person, actor=planned.admin, device_user_id=uid)

    def ingest(uid: str, day: date, *times: str, device: uuid.UUID = DEVICE) -> Any:
        records = [PunchInput(device_user_id=uid, timestamp=local(day, t)) for t in times]
        return punches_ingest(device_id=device, records=records)

    return ingest


@pytest.fixture(autouse=True)
def _only_our_providers() -> Iterator[None]:
    """Attendance's tests decide which providers exist: those leave and devices register
    in their AppConfig are set aside for the test and put back after it."""
    registries: tuple[list[Any], ...] = (
        providers._absence_providers,
        providers._holiday_providers,
        providers._device_status_providers,
    )
    saved = [list(r) for r in registries]
    for registry in registries:
        registry.clear()
    yield
    for registry, entries in zip(registries, saved, strict=True):
        registry[:] = entries


@pytest.fixture
def provider() -> Iterator[Any]:
    """provider(register_fn, fn): register an attendance provider for one test."""
    registered: list[Any] = []

    def register(register_fn: Any, fn: Any) -> Any:
        register_fn(fn)
        registered.append(fn)
        return fn

    yield register
    for fn in registered:
        providers.unregister(fn)
