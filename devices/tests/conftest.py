"""Fixtures for talking to the bundled ZK simulator over real loopback sockets (no database)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from zk import ZK

from devices.adapters import ZKAdapter
from devices.simulator import Simulator

MakeSim = Callable[..., Simulator]


@pytest.fixture
def make_sim() -> Iterator[MakeSim]:
    """make_sim(**kwargs) -> a started simulator on ephemeral 127.0.0.1 ports, stopped after the test."""
    started: list[Simulator] = []

    def make(**kwargs: Any) -> Simulator:
        kwargs.setdefault("tcp_port", 0)
        kwargs.setdefault("udp_port", 0)
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
    z._ZK__sock.close()  # type: ignore[attr-defined]
    try:
        yield z
    finally:
        if z.is_connect:
            with contextlib.suppress(Exception):
                z.disconnect()
        z._ZK__sock.close()  # type: ignore[attr-defined]


def as_tuples(records: Any) -> list[tuple[str, Any, int, int, int]]:
    return [(r.user_id, r.timestamp, r.status, r.punch, r.uid) for r in records]
