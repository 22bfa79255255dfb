"""Demo time clock: a Device row for the simulated identiX K20 that `./etimectl run` starts on
127.0.0.1:4370 (`manage.py run_device_simulator`, whose default users "1".."51" are the demo
employees' device user ids). Beat syncs it every 15 s, so punches made on the simulator
reach attendance within half a minute. Idempotent (found by name)."""

from __future__ import annotations

import random
from typing import Any

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
