"""The embedded demo: a simulated K20 holding the demo employees, a Device row for it, and
beat's sync bringing its punches to those employees."""

from __future__ import annotations

import io
import random
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.demo import seed_company
from accounts.models import Employee
from attendance.models import Punch
from devices.demo import DEMO_DEVICE_NAME, seed_devices
from devices.management.commands.run_device_simulator import employee_users
from devices.models import Device
from devices.simulator import Simulator
from devices.tasks import sync_due_devices
from etime.core import registry, schedules

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def test_devices_register_their_demo_seeder_schedules_and_scope() -> None:
    from etime.core import scopes

    assert seed_devices in registry.demo_seeders()
    tasks = {s.task: s for s in schedules.defaults()}
    assert tasks["devices.sync_due_devices"].every_seconds == 15
    assert "devices.alert_offline_devices" in tasks
    assert "devices" in scopes.AREAS and "punches" in scopes.AREAS


def test_demo_clock_holds_the_demo_employees_and_beat_brings_their_punches(
    django_capture_on_commit_callbacks: Any,
) -> None:
    out = io.StringIO()
    seed_company(rng=random.Random(2026), stdout=out)
    users = employee_users()
    demo = Employee.objects.filter(code__startswith="D").exclude(device_user_id=None)
    assert len(users) == demo.count() == 51
    alice = demo.order_by("code").first()
    assert alice is not None
    first = next(u for u in users if u.user_id == alice.device_user_id)
    assert first.name == f"{alice.first_name} {alice.last_name}"[:24] and first.card == int(alice.card_number or 0)

    sim = Simulator(tcp_port=0, users=users, tz="UTC").start()
    try:
        with override_settings(ETIME_SIMULATOR_PORT=sim.tcp_port, TIME_ZONE="UTC"):
            seed_devices(rng=random.Random(1), stdout=out)
            seed_devices(rng=random.Random(1), stdout=out)  # idempotent
        device = Device.objects.get(name=DEMO_DEVICE_NAME)
        assert Device.objects.count() == 1 and device.port == sim.tcp_port and device.poll_interval_seconds == 15
        for user in users[:5]:
            sim.add_punch(user.user_id)
        # What beat runs; the per-device syncs it enqueues leave when the test's transaction "commits".
        with django_capture_on_commit_callbacks(execute=True):
            assert sync_due_devices.apply().get() == 1
        punches = Punch.objects.filter(device_id=device.pk)
        assert punches.count() == 5 and not punches.filter(employee__isnull=True).exists()
    finally:
        sim.stop()


def test_run_device_simulator_defaults_to_the_employees_in_the_database() -> None:
    seed_company(rng=random.Random(2026), stdout=io.StringIO())
    out = io.StringIO()
    call_command("run_device_simulator", "--port", "0", "--duration", "0.2", stdout=out)
    text = out.getvalue()
    assert re.search(r"^51 users \('1'\.\.'51'\)", text, re.M), text


def test_run_device_simulator_without_employees_enrols_the_51_demo_ids() -> None:
    out = io.StringIO()
    call_command("run_device_simulator", "--port", "0", "--duration", "0.2", stdout=out)
    assert "51 users ('1'..'51')" in out.getvalue()


def test_seed_demo_creates_the_demo_clock(settings: Any) -> None:
    out = io.StringIO()
    seed_devices(rng=random.Random(1), stdout=out)
    assert Device.objects.get(name=DEMO_DEVICE_NAME).host == "127.0.0.1"
    assert "Created the demo time clock" in out.getvalue()
