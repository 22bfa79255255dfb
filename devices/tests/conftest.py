"""Fixtures for talking to the bundled ZK simulator over real loopback sockets (no database)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from zk import ZK

from devices.adapters import ZKAdapter
from devices.simulator import Simulator

MakeSim = Callable[..., Simulator]


@pytest.fixture
def make_sim() -> Iterator[MakeSim]:
    """make_sim(**kwargs) -> a started simulator on ephemeral 127.0.0.1 ports (clock in Europe/Zurich
    unless `tz` says otherwise), stopped after the test."""
    started: list[Simulator] = []

    def make(**kwargs: Any) -> Simulator:
        kwargs.setdefault("tcp_port", 0)
        kwargs.setdefault("udp_port", 0)
        kwargs.setdefault("tz", "Europe/Zurich")  # the zone device_for() gives the Device row
        sim = Simulator(**kwargs).start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


def adapter_for(sim: Simulator, transport: str = "tcp", **kwargs: Any) -> ZKAdapter:
    kwargs.setdefault("timeout", 2.0)
    port = sim.tcp_port if transport == "tcp" else sim.udp_port
    return ZKAdapter("127.0.0.1", port, transport=transport, **kwargs)


@contextlib.contextmanager
def pyzk_client(sim: Simulator, transport: str = "tcp", **kwargs: Any) -> Iterator[ZK]:
    """A bare pyzk client, cleaned up so its sockets never outlive the test (pyzk leaks one per connect)."""
    udp = transport == "udp"
    kwargs.setdefault("timeout", 2)
    z = ZK("127.0.0.1", port=sim.udp_port if udp else sim.tcp_port, ommit_ping=True, force_udp=udp, **kwargs)
    z._ZK__sock.close()
    try:
        yield z
    finally:
        if z.is_connect:
            with contextlib.suppress(Exception):
                z.disconnect()
        z._ZK__sock.close()


def as_tuples(records: Any) -> list[tuple[str, Any, int, int, int]]:
    return [(r.user_id, r.timestamp, r.status, r.punch, r.uid) for r in records]


def device_for(sim: Simulator, transport: str = "tcp", **fields: Any) -> Any:
    """A Device row pointing at `sim` (created through the service, as an admin would)."""
    from devices.services import device_create

    fields.setdefault("name", f"Simulated clock {transport}:{sim.tcp_port}:{sim.udp_port}")
    fields.setdefault("time_zone", sim.state.tz.key if sim.state.tz else "UTC")
    fields.setdefault("timeout_seconds", 2.0)
    comm_key = fields.pop("comm_key", None)
    port = sim.tcp_port if transport == "tcp" else sim.udp_port
    return device_create(actor=None, host="127.0.0.1", port=port, transport=transport, comm_key=comm_key, **fields)


def stored_log(device: Any) -> list[tuple[str, Any]]:
    """The punches stored for `device` as (device user id, UTC timestamp), sorted."""
    from attendance.models import Punch

    return sorted(Punch.objects.filter(device_id=device.pk).values_list("device_user_id", "timestamp"))


def device_log(sim: Simulator, tz: str = "Europe/Zurich") -> list[tuple[str, Any]]:
    """What the device holds, as the database should hold it: (user id, UTC), unique, sorted."""
    from devices.services import to_utc

    zone = ZoneInfo(tz)
    return sorted({(r.user_id, to_utc(r.timestamp, zone)) for r in sim.records})
