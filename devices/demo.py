"""Demo time clock: a Device row for the simulated identiX K20 that `./etimectl run` starts on
127.0.0.1:4370 (`manage.py run_device_simulator`, whose default users "1".."51" are the demo
employees' device user ids). Beat syncs it every 15 s, so punches made on the simulator
reach attendance within half a minute. Idempotent (found by name)."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction

from devices import conf
from devices.models import Device, Transport
from devices.services import device_create

DEMO_DEVICE_NAME = "Entrance K20 (simulated)"


def seed_devices(*, rng: random.Random, stdout: Any) -> None:
    if Device.objects.filter(name=DEMO_DEVICE_NAME).exists():
        stdout.write("Demo time clock exists; skipping devices.")
        return
    device_create(
        actor=None, name=DEMO_DEVICE_NAME, vendor="eSSL identiX", model="K20", host="127.0.0.1",
        port=conf.simulator_port(), transport=Transport.TCP, time_zone=conf.default_time_zone(),
        poll_interval_seconds=15, timeout_seconds=5,
    )  # fmt: skip
    stdout.write(f"Created the demo time clock {DEMO_DEVICE_NAME!r} at 127.0.0.1:{conf.simulator_port()}.")


PUSH_DEVICE_NAME = "Munich Plant gate (push)"
PUSH_SERIAL = "DEMO-ADMS-0001"


def seed_push_clock(*, rng: random.Random, stdout: Any) -> None:
    """A push (ADMS) clock at the Munich plant that has called in once: its upload is a
    sync run (with a badge etime does not know, so one unmapped punch), its punches pair by
    the device's in/out state, and a command waits for its next heartbeat."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from accounts.models import Location
    from attendance.models import DirectionMode, PunchDirectionRule
    from attendance.services import direction_rule_save
    from devices.models import Protocol, PushKnock
    from devices.services import adms_command_queue, adms_upload_attlog
    from etime.core.demo import demo_admin, demo_now

    if Device.objects.filter(serial_number=PUSH_SERIAL).exists():
        stdout.write("Demo push clock exists; skipping it.")
        return
    admin = demo_admin()
    munich = Location.objects.filter(name="Munich Plant").first()
    zone = munich.time_zone if munich is not None else conf.default_time_zone()
    with transaction.atomic():
        device = device_create(
            actor=admin, name=PUSH_DEVICE_NAME, vendor="ZKTeco", model="SpeedFace-V5L", protocol=Protocol.ADMS,
            serial_number=PUSH_SERIAL, location=munich, time_zone=zone, push_networks="10.20.0.0/16",
        )  # fmt: skip
        direction_rule_save(rule=PunchDirectionRule(device_id=device.pk, mode=DirectionMode.DEVICE_STATE), actor=admin)
        local = (demo_now() - timedelta(hours=1)).astimezone(ZoneInfo(zone))
        adms_upload_attlog(device=device, body=f"9001\t{local:%Y-%m-%d %H:%M:%S}\t0\t1\t0\n", stamp="1")
        adms_command_queue(device=device, command="CHECK", actor=admin)
        # A clock nobody registered yet has called: Devices → Knocking clocks offers to adopt it.
        PushKnock.objects.get_or_create(
            serial_number="DEMO-ADMS-0002",
            defaults={"first_seen_at": demo_now() - timedelta(hours=3), "last_seen_at": demo_now() - timedelta(minutes=5),
                      "last_address": "10.20.0.57", "calls": 214, "reported_at": demo_now() - timedelta(hours=3)},
        )  # fmt: skip
    stdout.write(f"Created the demo push clock {PUSH_DEVICE_NAME!r} (serial {PUSH_SERIAL}) with one upload.")
