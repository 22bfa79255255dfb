"""Seeded random faults against the whole sync pipeline: over 200 attempts (drops at random
packets, stalls, reboots, lost datagrams, slow answers, a log growing during the read), with
people punching in between, and the database ends up holding exactly the device's log."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from attendance.models import Punch
from devices import services
from devices.models import Device, SyncStatus
from devices.tests.conftest import MakeSim, device_for, device_log, stored_log

pytestmark = pytest.mark.django_db

ATTEMPTS = 110  # per transport: 220 in all
TIMEOUT = 0.2  # seconds per device reply; keeps stalls cheap
REBOOT_DOWN = 0.15
TYPED = {"device_unreachable", "device_timeout", "device_protocol_error", "device_count_mismatch"}


def random_fault(rng: random.Random) -> str | None:
    after = rng.randrange(0, 12)
    return rng.choice(
        [
            None,
            None,
            None,
            "drop:mid",  # cut mid-transfer (pyzk would spin forever on TCP, F6)
            f"drop:after={after}",  # cut at a random packet of the session
            "drop:command=1503",
            "stall:mid",
            f"stall:after={after}",
            f"reboot:after={after},down={REBOOT_DOWN}",
            "lose:mid",  # a lost DATA packet (UDP: silently short log, F10)
            f"lose:after={after}",
            f"slow:ms={rng.choice([1, 3, 8])}",
            f"late_punch:count={rng.randrange(1, 4)}",  # firmware ignoring the lock (F12)
        ]
    )


def wait_until_up(sim: Any, device: Device) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            with services.open_adapter(device) as clock:
                clock.info()
            return
        except Exception:
            time.sleep(0.05)
    raise AssertionError("the simulator did not come back")


@pytest.mark.parametrize(("transport", "seed"), [("tcp", 20260301), ("udp", 20260302)])
def test_random_faults_never_lose_or_duplicate_a_punch(make_sim: MakeSim, transport: str, seed: int) -> None:
    rng = random.Random(seed)
    sim = make_sim(users=12, records=150, seed=seed, reboot_seconds=REBOOT_DOWN)
    device = device_for(sim, transport, timeout_seconds=TIMEOUT)
    outcomes: dict[str, int] = {}
    for attempt in range(ATTEMPTS):
        sim.clear_faults()
        fault = random_fault(rng)
        if fault is not None:
            sim.apply(fault)
        for _ in range(rng.randrange(0, 4)):
            sim.add_punch(str(rng.randrange(1, 13)), punch=rng.randrange(0, 2))
        run = services.device_sync(device=device)
        key = run.status if run.status == SyncStatus.SUCCEEDED else run.error_code
        outcomes[key] = outcomes.get(key, 0) + 1
        assert run.status in (SyncStatus.SUCCEEDED, SyncStatus.FAILED), (attempt, fault, run.status)
        if run.status == SyncStatus.FAILED:
            assert run.error_code in TYPED, (attempt, fault, run.error_code, run.error)
        # Nothing invented, nothing twice, and the watermark never claims more than is stored.
        stored = stored_log(device)
        assert len(stored) == len(set(stored)), (attempt, fault)
        expected = set(device_log(sim))
        assert set(stored) <= expected, (attempt, fault)
        device.refresh_from_db()
        assert sim.state.tz is not None
        covered = {
            (r.user_id, services.to_utc(r.timestamp, sim.state.tz)) for r in sim.records[: device.watermark_position]
        }
        assert covered <= set(stored), (attempt, fault)
        if rng.random() < 0.1:
            time.sleep(REBOOT_DOWN)  # sometimes the device is back before the next attempt, sometimes not

    sim.clear_faults()
    wait_until_up(sim, device)
    final = services.device_sync(device=device)
    assert final.status == SyncStatus.SUCCEEDED, final.error
    assert stored_log(device) == device_log(sim)
    assert Punch.objects.filter(device_id=device.pk).count() == len(device_log(sim))
    assert sim.is_enabled, "no fault left the keypad locked"
    # The run really was faulty: most kinds of failure showed up, and so did successes.
    assert outcomes.get(SyncStatus.SUCCEEDED, 0) >= ATTEMPTS // 4, outcomes
    assert sum(v for k, v in outcomes.items() if k != SyncStatus.SUCCEEDED) >= ATTEMPTS // 3, outcomes
