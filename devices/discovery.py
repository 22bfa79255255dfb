"""Finding ZK clocks on a network: who answers CMD_CONNECT on the ZK port, then who they are.

The probe is a raw CMD_CONNECT (one packet, then CMD_EXIT), sent to every address of the
network in parallel: cheap enough for a /24 in a few seconds. Only hosts that answered as
a ZK device get the full identity read (serial, model, firmware) through the ZK adapter.
The packet codec is the simulator's (devices.simulator.protocol: pure functions, the same
bytes a real clock expects).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from devices.adapters import DeviceAuthFailed, DeviceError, DeviceInfo, ZKAdapter
from devices.simulator import protocol as p

MAX_HOSTS = 4096


@dataclass(frozen=True)
class Found:
    host: str
    port: int
    transport: str
    needs_key: bool  # the device answered ACK_UNAUTH: it has a comm key
    info: DeviceInfo | None = None
    error: str = ""


def hosts(cidr: str, limit: int = MAX_HOSTS) -> list[str]:
    network = ipaddress.ip_network(cidr, strict=False)
    if network.num_addresses > limit + 2:
        raise ValueError(
            f"{cidr} has {network.num_addresses} addresses; scan at most {limit} at once (a smaller network)"
        )
    return [str(a) for a in network.hosts()] if network.num_addresses > 1 else [str(network.network_address)]


def _answer(raw: bytes) -> p.Packet | None:
    try:
        packet = p.parse_packet(raw)
    except ValueError:
        return None
    return packet if packet.command in (p.CMD_ACK_OK, p.CMD_ACK_UNAUTH) else None


def probe(host: str, port: int, transport: str, timeout: float) -> Found | None:
    """One CMD_CONNECT; a ZK device answers ACK_OK (no key) or ACK_UNAUTH (comm key set)."""
    connect = p.build_packet(p.CMD_CONNECT, 0, 0)
    try:
        if transport == "tcp":
            with socket.create_connection((host, port), timeout=timeout) as sock:
                sock.sendall(p.tcp_wrap(connect))
                raw = sock.recv(1024)
                if len(raw) < 16 or p.TCP_TOP.unpack_from(raw)[:2] != (p.TCP_MAGIC_1, p.TCP_MAGIC_2):
                    return None
                answer = _answer(raw[8:])
                if answer is not None:
                    sock.sendall(p.tcp_wrap(p.build_packet(p.CMD_EXIT, answer.session_id, 1)))
        else:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(timeout)
                sock.sendto(connect, (host, port))
                raw, _addr = sock.recvfrom(1024)
                answer = _answer(raw)
                if answer is not None:
                    sock.sendto(p.build_packet(p.CMD_EXIT, answer.session_id, 1), (host, port))
    except OSError:
        return None
    if answer is None:
        return None
    return Found(host, port, transport, needs_key=answer.command == p.CMD_ACK_UNAUTH)


def identify(found: Found, *, comm_key: int, timeout: float) -> Found:
    try:
        with ZKAdapter(found.host, found.port, transport=found.transport, comm_key=comm_key, timeout=timeout) as clock:
            info = clock.info()
    except DeviceAuthFailed:
        return Found(found.host, found.port, found.transport, found.needs_key, None, "comm key required (--comm-key)")
    except DeviceError as exc:
        return Found(found.host, found.port, found.transport, found.needs_key, None, f"{exc.code}: {exc}")
    return Found(found.host, found.port, found.transport, found.needs_key, info)


def discover(
    cidr: str,
    *,
    port: int = 4370,
    transports: Iterable[str] = ("tcp", "udp"),
    timeout: float = 1.0,
    comm_key: int = 0,
    workers: int = 64,
) -> Iterator[Found]:
    """Every (host, transport) on `cidr` that speaks ZK on `port`, identified, in address order."""
    targets = [(h, t) for h in hosts(cidr) for t in transports]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets) or 1))) as pool:
        answers = list(pool.map(lambda ht: probe(ht[0], port, ht[1], timeout), targets))
        responders = [a for a in answers if a is not None]
        yield from pool.map(lambda f: identify(f, comm_key=comm_key, timeout=max(timeout, 2.0)), responders)
