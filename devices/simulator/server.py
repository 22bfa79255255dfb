"""A simulated ZK time clock: a real TCP + UDP server on one port, speaking the device protocol.

One asyncio loop in a background thread serves both transports. Behaviour follows the
devices (docs/ZK_PROTOCOL.md §1-§8), not pyzk's quirks, so any ZK client works:

* every request is answered (unknown commands with ACK_UNKNOWN) except ACK_OK packets,
  which clients send to acknowledge realtime events;
* replies echo the request's reply id, carry the session id and a correct checksum;
* TCP requests are parsed as a stream, so pipelined requests (a client sending every
  1504 chunk request of a buffered read at once) are answered in order; each reply
  packet goes out in one write, never larger than the client's per-command read;
* faults are injected per reply packet (see faults.py), so "drop after N packets" means
  exactly that on the wire.

Drive it from Python (`with Simulator(...) as sim:`) or `manage.py run_device_simulator`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import struct
import threading
import time
from collections import deque
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from devices.simulator import protocol as p
from devices.simulator.faults import PACKET_FAULTS, Fault, parse_fault
from devices.simulator.model import DeviceState, Punch, UserRecord, default_users, random_history
from devices.simulator.profiles import PROFILES, Profile

log = logging.getLogger("devices.simulator")

MAX_REQUEST = 1 << 20  # anything bigger is not a ZK client; drop the connection
SETTING_FAULTS = ("slow", "skew", "reject_key", "wrong_key")


@dataclass(frozen=True)
class LogEntry:
    """One request as the device saw it; tests assert flows on these (e.g. enable after a read)."""

    at: float
    transport: str
    session_id: int
    command: int
    reply_id: int
    length: int
    checksum_ok: bool

    @property
    def name(self) -> str:
        return p.command_name(self.command)


@dataclass(eq=False)
class Session:
    transport: str
    peer: tuple[str, int]
    session_id: int = 0
    authed: bool = False
    stalled: bool = False
    closed: bool = False
    event_flags: int = 0
    buffer: bytes | None = None  # prepared 1503 dataset, kept until 1502 or the session ends
    upload: bytearray | None = None  # CMD_PREPARE_DATA/CMD_DATA uploads
    writer: asyncio.StreamWriter | None = None
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    events: asyncio.Queue[Punch] | None = None
    cork: list[bytes] | None = None  # TCP packets held back to go out in one write (coalescing)
    pusher: asyncio.Task[None] | None = None


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.sim._udp_received(data, addr)

    def error_received(self, exc: Exception) -> None:  # ICMP unreachable from a vanished client
        log.debug("udp error: %s", exc)


class Simulator:
    """A ZK clock on `host`, TCP on `tcp_port`, UDP on `udp_port` (None = the TCP port's number).

    UDP is served when the profile's firmware answers it (`udp=None`), or as `udp` says.

    Port 0 binds an ephemeral port; read the bound ones from `.tcp_port` / `.udp_port`
    after `start()`. `users` is a count (user ids "1".."N", "Demo User N") or user
    records; `records` a count (random history over `seed_days`) or punches.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        tcp_port: int = 4370,
        udp_port: int | None = None,
        udp: bool | None = None,
        users: int | Iterable[UserRecord] = 10,
        records: int | Iterable[Punch] = 0,
        comm_key: int = 0,
        profile: str | Profile = "zk_tft",
        tz: str | None = None,
        clock_skew: float = 0.0,
        latency: float = 0.0,
        faults: Sequence[Fault | str] = (),
        serial: str | None = None,
        mac: str | None = None,
        seed: int = 0,
        seed_days: float = 7.0,
        reboot_seconds: float = 3.0,
        poweroff_seconds: float | None = None,
        event_gap: float = 0.1,
        log_size: int = 10_000,
    ) -> None:
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        # Not security relevant: deterministic ids and histories for reproducible tests.
        self._rng = random.Random(seed)  # noqa: S311
        self.host = host
        self._want_tcp_port = tcp_port
        self._want_udp_port = udp_port
        # None: as the firmware does (the profile); True/False: this unit does / doesn't.
        self._udp_enabled = self.profile.udp if udp is None else udp
        self.tcp_port = 0
        self.udp_port = 0
        serial = serial or f"{self.profile.serial_prefix}{seed:06d}"
        mac = mac or "00:17:61:{:02x}:{:02x}:{:02x}".format(*self._rng.randbytes(3))
        self.state = DeviceState(
            self.profile, serial=serial, mac=mac, tz=tz, comm_key=comm_key, clock_offset=clock_skew
        )
        self.state.ip_address = host
        seeded_users = default_users(users) if isinstance(users, int) else list(users)
        for user in seeded_users:
            self.state.put_user(user)
        if isinstance(records, int):
            self.state.extend(random_history(seeded_users, records, self.state.now(), seed_days, self._rng))
        else:
            self.state.extend(records)
        self.state.oplog_count = 0
        self.state.listeners.append(self._on_punch)
        self.latency = latency
        self.reject_all_keys = False
        self.reboot_seconds = reboot_seconds
        self.poweroff_seconds = poweroff_seconds
        self.event_gap = event_gap
        self._faults: list[Fault] = []
        self._faults_lock = threading.Lock()
        for spec in faults:
            self.apply(spec)
        self.command_log: deque[LogEntry] = deque(maxlen=log_size)
        self.offline = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tcp_server: asyncio.base_events.Server | None = None
        self._udp_transport: asyncio.DatagramTransport | None = None
        self._tcp_sessions: set[Session] = set()
        self._udp_sessions: dict[int, Session] = {}
        self._udp_queues: dict[tuple[str, int], asyncio.Queue[bytes]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._conn_tasks: set[asyncio.Task[Any]] = set()
        self._comeback: asyncio.TimerHandle | None = None

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> Simulator:
        if self._thread:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._bind())
            except BaseException as exc:  # surfaced to start()'s caller
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"zk-simulator-{self._want_tcp_port}", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def stop(self) -> None:
        if not self._thread or not self._loop:
            return
        loop = self._loop
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout=10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block the calling thread while the server runs (the management command's foreground)."""
        self.start()
        if self._thread is not None:
            self._thread.join()

    async def _bind(self) -> None:
        server = await self._open_tcp(self._want_tcp_port)
        self.tcp_port = server.sockets[0].getsockname()[1]
        if self._udp_enabled:
            port = self.tcp_port if self._want_udp_port is None else self._want_udp_port
            loop = asyncio.get_running_loop()
            transport, _ = await loop.create_datagram_endpoint(lambda: _UdpProtocol(self), local_addr=(self.host, port))
            self._udp_transport = transport
            self.udp_port = transport.get_extra_info("sockname")[1]

    async def _open_tcp(self, port: int) -> asyncio.base_events.Server:
        # reuse_address so a reboot can bind the same port again while old sockets sit in TIME_WAIT
        server = await asyncio.start_server(self._serve_tcp, self.host, port, reuse_address=True)
        self._tcp_server = server
        return server

    async def _shutdown(self) -> None:
        if self._comeback:
            self._comeback.cancel()
        if self._tcp_server:
            self._tcp_server.close()
            self._tcp_server = None
        for sess in list(self._tcp_sessions):
            self._close_session(sess, abort=True)
        if self._udp_transport:
            self._udp_transport.close()
            self._udp_transport = None
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        conn_tasks = [t for t in self._conn_tasks if not t.done()]
        if conn_tasks:
            await asyncio.wait(conn_tasks, timeout=5)

    # --- control API (thread-safe) ------------------------------------------------------------
    @property
    def users(self) -> list[UserRecord]:
        return self.state.users()

    @property
    def records(self) -> list[Punch]:
        return self.state.records()

    @property
    def is_enabled(self) -> bool:
        return not self.state.disabled

    @property
    def clock_skew(self) -> float:
        return self.state.clock_offset.total_seconds()

    def device_time(self) -> datetime:
        return self.state.now()

    def add_user(
        self,
        user_id: str,
        name: str = "",
        *,
        uid: int | None = None,
        card: int = 0,
        privilege: int = 0,
        password: str = "",
        group_id: str = "",
    ) -> UserRecord:
        user = UserRecord(uid or self.state.next_uid(), str(user_id), name, privilege, password, group_id, card)
        return self.state.put_user(user)

    def add_punch(
        self,
        user_id: str | int,
        timestamp: datetime | None = None,
        status: int = 1,
        punch: int = 0,
        workcode: int = 0,
    ) -> Punch:
        """Someone punches at the clock (naive device-local `timestamp`, default: device now).

        While a client holds the device disabled the punch waits, as a person at a locked
        keypad would, and is stored (and pushed as a live event) when it is enabled again.
        """
        rec = self.state.make_punch(str(user_id), timestamp, status, punch, workcode)
        self.state.append(rec)
        return rec

    def set_clock_skew(self, seconds: float) -> None:
        with self.state.lock:
            self.state.clock_offset = timedelta(seconds=seconds)

    def set_latency(self, seconds: float) -> None:
        self.latency = seconds

    def set_comm_key(self, key: int) -> None:
        self.state.comm_key = key

    def reject_auth(self, reject: bool = True) -> None:
        """Refuse every CMD_AUTH, whatever key the client sends (a 'wrong key' on the device)."""
        self.reject_all_keys = reject

    def inject(self, fault: Fault | str) -> Fault:
        if isinstance(fault, str):
            fault = parse_fault(fault)
        with self._faults_lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._faults_lock:
            self._faults.clear()
        self.latency = 0.0
        self.reject_all_keys = False

    @property
    def faults(self) -> list[Fault]:
        with self._faults_lock:
            return list(self._faults)

    def apply(self, spec: Fault | str) -> Fault | None:
        """Apply a fault spec: packet faults (drop/stall/reboot/late_punch) or settings:
        `slow:ms=200` (latency per packet), `skew:seconds=300`, `reject_key` / `wrong_key`."""
        if isinstance(spec, Fault):
            return self.inject(spec)
        kind, _, rest = spec.strip().partition(":")
        kind = kind.strip().replace("-", "_")
        if kind not in SETTING_FAULTS:
            return self.inject(spec)
        params = dict(item.split("=", 1) for item in rest.split(",") if "=" in item)
        if kind == "slow":
            self.set_latency(float(params.get("ms", params.get("latency_ms", "200"))) / 1000)
        elif kind == "skew":
            self.set_clock_skew(float(params.get("seconds", "300")))
        else:
            self.reject_auth(True)
        return None

    def reboot(self, down: float | None = None) -> None:
        """Reboot now: every session is lost, the device answers nothing for `down` seconds.

        Users, the log and the clock offset survive (flash and RTC); the disabled flag doesn't.
        """
        self._call(self._reboot(self.reboot_seconds if down is None else down))

    def power_off(self, down: float | None = None) -> None:
        """Go offline until `power_on()` (or for `down` seconds)."""
        self._call(self._reboot(down))

    def power_on(self) -> None:
        self._call(self._come_back())

    def close_sessions(self) -> None:
        async def close_all() -> None:
            for sess in list(self._tcp_sessions):
                self._close_session(sess, abort=True)
            self._udp_sessions.clear()

        self._call(close_all())

    @property
    def session_count(self) -> int:
        return len(self._tcp_sessions) + len(self._udp_sessions)

    def commands(self, transport: str | None = None) -> list[int]:
        return [e.command for e in list(self.command_log) if transport is None or e.transport == transport]

    def _call(self, coro: Coroutine[Any, Any, Any]) -> None:
        if not self._loop:
            coro.close()
            raise RuntimeError("simulator is not running")
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    # --- transports -------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername") or ("?", 0)
        sess = Session("tcp", peer, writer=writer)
        # Not in self._tasks: cancelling a stream callback task makes asyncio (3.11) log a bogus
        # error; shutdown aborts the connection instead and the task ends on its own.
        task = asyncio.current_task()
        if task:
            self._conn_tasks.add(task)
            task.add_done_callback(self._conn_tasks.discard)
        if self.offline:
            writer.transport.abort()
            return
        self._tcp_sessions.add(sess)
        try:
            while not sess.closed:
                # An empty connection is normal: pyzk probes the port before connecting.
                top = await reader.readexactly(p.TCP_TOP.size)
                magic1, magic2, length = p.TCP_TOP.unpack(top)
                if (magic1, magic2) != (p.TCP_MAGIC_1, p.TCP_MAGIC_2) or not 8 <= length <= MAX_REQUEST:
                    log.info("tcp %s: not a ZK packet, closing", peer)
                    break
                raw = await reader.readexactly(length)
                await self._handle(sess, p.parse_packet(raw))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._close_session(sess, abort=False)

    def _udp_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.offline or len(data) < p.HEADER.size:
            return
        queue = self._udp_queues.get(addr)
        if queue is None:
            queue = self._udp_queues[addr] = asyncio.Queue()
            self._spawn(self._udp_consumer(addr, queue))
        queue.put_nowait(data)

    async def _udp_consumer(self, addr: tuple[str, int], queue: asyncio.Queue[bytes]) -> None:
        # One consumer per client address keeps a client's requests strictly in order.
        try:
            while True:
                try:
                    data = await asyncio.wait_for(queue.get(), timeout=120)
                except TimeoutError:
                    return
                if self.offline:
                    continue
                pkt = p.parse_packet(data)
                if pkt.command == p.CMD_CONNECT:
                    sess = Session("udp", addr)
                else:
                    found = self._udp_sessions.get(pkt.session_id)
                    if found is None:
                        self._log("udp", pkt)
                        if pkt.command != p.CMD_ACK_OK:
                            # The device doesn't know this session (it rebooted, or we dropped it).
                            self._udp_send_raw(p.build_packet(p.CMD_ACK_UNAUTH, pkt.session_id, pkt.reply_id), addr)
                        continue
                    sess = found
                    sess.peer = addr
                await self._handle(sess, pkt)
        finally:
            if self._udp_queues.get(addr) is queue:
                del self._udp_queues[addr]

    def _udp_send_raw(self, packet: bytes, addr: tuple[str, int]) -> None:
        if self._udp_transport and not self._udp_transport.is_closing():
            self._udp_transport.sendto(packet, addr)

    def _close_session(self, sess: Session, *, abort: bool) -> None:
        if sess.session_id and not sess.closed:
            log.info("%s session %s ended", sess.transport, sess.session_id)
        if sess.pusher:
            sess.pusher.cancel()
            sess.pusher = None
        sess.buffer = None
        if sess.transport == "tcp":
            self._tcp_sessions.discard(sess)
            if sess.writer and not sess.closed:
                if abort:
                    sess.writer.transport.abort()
                else:
                    sess.writer.close()
        elif self._udp_sessions.get(sess.session_id) is sess:
            del self._udp_sessions[sess.session_id]
        sess.closed = True

    # --- faults -----------------------------------------------------------------------------
    def _match_fault(self, command: int, reply: int) -> Fault | None:
        with self._faults_lock:
            for fault in self._faults:
                if fault.kind in PACKET_FAULTS and fault.matches(command, reply) and fault.should_fire(self._rng):
                    return fault
        return None

    def _take_late_punches(self) -> int:
        with self._faults_lock:
            total = 0
            for fault in self._faults:
                if fault.kind == "late_punch" and not fault.exhausted:
                    fault.fired += 1
                    total += fault.count
            return total

    async def _send(self, sess: Session, request: int, packet: bytes) -> bool:
        """Send one reply packet, applying latency and packet faults. False: stop replying."""
        if sess.closed or sess.stalled:
            return False
        if self.latency:
            await asyncio.sleep(self.latency)
            if sess.closed or sess.stalled:
                return False
        reply = struct.unpack_from("<H", packet)[0]
        fault = self._match_fault(request, reply)
        wire = p.tcp_wrap(packet) if sess.transport == "tcp" else packet
        if fault:
            await self._uncork(sess, keep=True)  # what was sent before the fault reaches the wire
            log.info(
                "fault %s fires on %s reply %s (session %s)",
                fault.kind,
                p.command_name(request),
                p.command_name(reply),
                sess.session_id,
            )
            if fault.kind == "reboot":
                self._spawn(self._reboot(fault.down))
                return False
            if fault.kind == "lose":
                return True
            # Over UDP a cut datagram would be parsed as a short, valid one; send nothing instead.
            if sess.transport == "tcp" and fault.partial and sess.writer:
                sess.writer.write(wire[: max(1, len(wire) // 2)])
                with contextlib.suppress(ConnectionError):
                    await sess.writer.drain()
            if fault.kind == "drop":
                self._close_session(sess, abort=False)
            else:
                sess.stalled = True
            return False
        if sess.writer is not None:
            if sess.cork is not None:
                sess.cork.append(wire)
                return True
            sess.writer.write(wire)
            try:
                await sess.writer.drain()
            except ConnectionError:
                self._close_session(sess, abort=True)
                return False
        else:
            self._udp_send_raw(wire, sess.peer)
        return True

    def _cork(self, sess: Session) -> bool:
        """Coalescing profiles: hold the next TCP packets back until `_uncork` writes them at once."""
        if self.profile.coalesce and sess.transport == "tcp" and sess.cork is None:
            sess.cork = []
            return True
        return False

    async def _uncork(self, sess: Session, *, keep: bool = False) -> None:
        held = sess.cork
        if held is None:
            return
        sess.cork = [] if keep else None
        if not held or sess.closed or sess.writer is None:
            return
        sess.writer.write(b"".join(held))
        try:
            await sess.writer.drain()
        except ConnectionError:
            self._close_session(sess, abort=True)

    async def _reply(self, sess: Session, pkt: p.Packet, code: int, data: bytes = b"") -> bool:
        return await self._send(sess, pkt.command, p.build_packet(code, sess.session_id, pkt.reply_id, data))

    # --- reboot -----------------------------------------------------------------------------
    async def _reboot(self, down: float | None) -> None:
        if self.offline:
            return
        log.info("device goes offline (%s)", f"{down:g} s" if down is not None else "until power_on")
        self.offline = True
        if self._tcp_server:
            self._tcp_server.close()
            self._tcp_server = None
        for sess in list(self._tcp_sessions):
            self._close_session(sess, abort=True)
        for sess in list(self._udp_sessions.values()):
            self._close_session(sess, abort=True)
        self.state.set_enabled(True)  # a reboot unlocks the keypad
        if down is not None:
            loop = asyncio.get_running_loop()
            self._comeback = loop.call_later(down, lambda: self._spawn(self._come_back()))

    async def _come_back(self) -> None:
        if self._comeback:
            self._comeback.cancel()
            self._comeback = None
        if not self.offline:
            return
        while self._tcp_server is None:
            try:
                await self._open_tcp(self.tcp_port)
            except OSError as exc:  # the port is briefly still held; a real clock also boots slowly
                log.warning("rebind of tcp port %s failed (%s); retrying", self.tcp_port, exc)
                await asyncio.sleep(0.2)
        self.offline = False
        log.info("device is back online")

    # --- live events ------------------------------------------------------------------------
    def _on_punch(self, rec: Punch) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # loop closing under us
            loop.call_soon_threadsafe(self._queue_event, rec)

    def _queue_event(self, rec: Punch) -> None:
        sessions = [*self._tcp_sessions, *self._udp_sessions.values()]
        for sess in sessions:
            if sess.event_flags & p.EF_ATTLOG and sess.events is not None and not sess.closed:
                sess.events.put_nowait(rec)

    async def _push_events(self, sess: Session, events: asyncio.Queue[Punch]) -> None:
        while not sess.closed:
            batch = [await events.get()]
            if self.profile.coalesce:
                # Punches made within one event gap go out together, in one write.
                await asyncio.sleep(self.event_gap)
                while not events.empty():
                    batch.append(events.get_nowait())
            async with sess.write_lock:
                corked = self._cork(sess)
                try:
                    for rec in batch:
                        payload = p.pack_live_event(
                            self.profile.live_event_size,
                            user_id=rec.user_id,
                            timestamp=rec.timestamp,
                            status=rec.status,
                            punch=rec.punch,
                        )
                        # The session field of a realtime packet carries the event code; reply id is 0.
                        packet = p.build_packet(p.CMD_REG_EVENT, p.EF_ATTLOG, 0, payload)
                        if not await self._send(sess, p.CMD_REG_EVENT, packet):
                            return
                finally:
                    if corked:
                        await self._uncork(sess)
            # Otherwise one event per packet, spaced: pyzk's live_capture misreads coalesced events.
            await asyncio.sleep(self.event_gap)

    # --- commands ---------------------------------------------------------------------------
    def _log(self, transport: str, pkt: p.Packet) -> None:
        self.command_log.append(
            LogEntry(
                time.monotonic(), transport, pkt.session_id, pkt.command, pkt.reply_id, len(pkt.data), pkt.checksum_ok
            )
        )

    def _new_session_id(self) -> int:
        used = {s.session_id for s in self._tcp_sessions} | set(self._udp_sessions)
        while True:
            sid = self._rng.randrange(1, 0xFFFF)
            if sid not in used:
                return sid

    async def _handle(self, sess: Session, pkt: p.Packet) -> None:
        self._log(sess.transport, pkt)
        if pkt.command == p.CMD_ACK_OK or sess.stalled or self.offline:
            return  # ACK_OK is a client acknowledging a realtime event: never answered
        async with sess.write_lock:
            await self._dispatch(sess, pkt)

    async def _dispatch(self, sess: Session, pkt: p.Packet) -> None:
        cmd, data = pkt.command, pkt.data
        if cmd == p.CMD_CONNECT:
            if sess.transport == "udp" or not sess.session_id:
                sess.session_id = self._new_session_id()
                if sess.transport == "udp":
                    self._udp_sessions[sess.session_id] = sess
            sess.authed = not self.state.comm_key and not self.reject_all_keys
            log.info("%s session %s from %s:%s", sess.transport, sess.session_id, *sess.peer[:2])
            await self._reply(sess, pkt, p.CMD_ACK_OK if sess.authed else p.CMD_ACK_UNAUTH)
            return
        if sess.transport == "tcp" and pkt.session_id != sess.session_id:
            await self._reply(sess, pkt, p.CMD_ACK_UNAUTH)
            return
        if cmd == p.CMD_AUTH:
            sess.authed = not self.reject_all_keys and p.verify_commkey(data, self.state.comm_key, sess.session_id)
            await self._reply(sess, pkt, p.CMD_ACK_OK if sess.authed else p.CMD_ACK_UNAUTH)
            return
        if not sess.authed:
            await self._reply(sess, pkt, p.CMD_ACK_UNAUTH)
            return
        handler = _HANDLERS.get(cmd)
        if handler is None:
            # Includes pyzk's _clear_error, which sends ACK_ERROR/ACK_UNKNOWN *as commands*
            # and waits for an answer to each.
            await self._reply(sess, pkt, p.CMD_ACK_UNKNOWN)
            return
        await handler(self, sess, pkt)

    async def _cmd_ok(self, sess: Session, pkt: p.Packet) -> None:
        await self._reply(sess, pkt, p.CMD_ACK_OK)

    async def _cmd_exit(self, sess: Session, pkt: p.Packet) -> None:
        await self._reply(sess, pkt, p.CMD_ACK_OK)
        self._close_session(sess, abort=False)

    # State changes land before the reply, so whoever saw the ACK also sees the change.
    async def _cmd_enable(self, sess: Session, pkt: p.Packet) -> None:
        self.state.set_enabled(True)
        await self._reply(sess, pkt, p.CMD_ACK_OK)

    async def _cmd_disable(self, sess: Session, pkt: p.Packet) -> None:
        self.state.set_enabled(False)
        await self._reply(sess, pkt, p.CMD_ACK_OK)

    async def _cmd_version(self, sess: Session, pkt: p.Packet) -> None:
        await self._reply(sess, pkt, p.CMD_ACK_OK, self.profile.firmware.encode() + b"\0")

    async def _cmd_options_read(self, sess: Session, pkt: p.Packet) -> None:
        key = pkt.data.split(b"\0", 1)[0].decode(errors="replace")
        value = self.state.option(key)
        if value is None:
            await self._reply(sess, pkt, p.CMD_ACK_ERROR)
            return
        await self._reply(sess, pkt, p.CMD_ACK_OK, f"{key}={value}".encode()[: p.MAX_SMALL_REPLY_DATA - 1] + b"\0")

    async def _cmd_options_write(self, sess: Session, pkt: p.Packet) -> None:
        key, sep, value = pkt.data.split(b"\0", 1)[0].decode(errors="replace").partition("=")
        if not sep:
            await self._reply(sess, pkt, p.CMD_ACK_ERROR)
            return
        with self.state.lock:
            self.state.options[key] = value
        await self._reply(sess, pkt, p.CMD_ACK_OK)

    async def _cmd_pin_width(self, sess: Session, pkt: p.Packet) -> None:
        await self._reply(sess, pkt, p.CMD_ACK_OK, bytes([self.profile.pin_width]))

    async def _cmd_free_sizes(self, sess: Session, pkt: p.Packet) -> None:
        await self._reply(sess, pkt, p.CMD_ACK_OK, self.state.free_sizes())

    async def _cmd_get_time(self, sess: Session, pkt: p.Packet) -> None:
        await self._reply(sess, pkt, p.CMD_ACK_OK, struct.pack("<I", p.encode_time(self.state.now())))

    async def _cmd_set_time(self, sess: Session, pkt: p.Packet) -> None:
        try:
            self.state.set_time(p.decode_time(struct.unpack_from("<I", pkt.data)[0]))
        except (ValueError, struct.error):  # e.g. Feb 31: encodable, not a date
            await self._reply(sess, pkt, p.CMD_ACK_ERROR)
            return
        await self._reply(sess, pkt, p.CMD_ACK_OK)

    async def _cmd_user_write(self, sess: Session, pkt: p.Packet) -> None:
        try:
            self.state.put_user(p.unpack_user(pkt.data))
        except (ValueError, struct.error):
            await self._reply(sess, pkt, p.CMD_ACK_ERROR)
            return
        await self._reply(sess, pkt, p.CMD_ACK_OK)

    async def _cmd_delete_user(self, sess: Session, pkt: p.Packet) -> None:
        if len(pkt.data) < 2:
            await self._reply(sess, pkt, p.CMD_ACK_ERROR)
            return
        uid = struct.unpack_from("<H", pkt.data)[0]
        await self._reply(sess, pkt, p.CMD_ACK_OK if self.state.delete_user(uid) else p.CMD_ACK_ERROR)

    async def _cmd_clear_attlog(self, sess: Session, pkt: p.Packet) -> None:
        self.state.clear_attendance()
        await self._reply(sess, pkt, p.CMD_ACK_OK)

    async def _cmd_clear_data(self, sess: Session, pkt: p.Packet) -> None:
        self.state.clear_all()
        await self._reply(sess, pkt, p.CMD_ACK_OK)

    async def _cmd_reg_event(self, sess: Session, pkt: p.Packet) -> None:
        sess.event_flags = struct.unpack_from("<I", pkt.data.ljust(4, b"\0"))[0]
        if sess.event_flags and sess.pusher is None:
            # The pusher needs the write lock we hold, so no event overtakes this ACK.
            sess.events = asyncio.Queue()
            sess.pusher = self._spawn(self._push_events(sess, sess.events))
        elif not sess.event_flags and sess.pusher is not None:
            sess.pusher.cancel()
            sess.pusher = None
            sess.events = None
        await self._reply(sess, pkt, p.CMD_ACK_OK)

    async def _cmd_restart(self, sess: Session, pkt: p.Packet) -> None:
        await self._reply(sess, pkt, p.CMD_ACK_OK)
        self._spawn(self._reboot(self.reboot_seconds))

    async def _cmd_poweroff(self, sess: Session, pkt: p.Packet) -> None:
        await self._reply(sess, pkt, p.CMD_ACK_OK)
        self._spawn(self._reboot(self.poweroff_seconds))

    # Buffered reads: 1503 prepares a dataset, 1504 reads (start, size) slices of it, 1502 frees it.
    async def _cmd_prepare_buffer(self, sess: Session, pkt: p.Packet) -> None:
        try:
            _flag, command, fct, _ext = struct.unpack_from("<bhii", pkt.data)
        except struct.error:
            await self._reply(sess, pkt, p.CMD_ACK_ERROR)
            return
        if command == p.CMD_ATTLOG_RRQ or (command == p.CMD_DB_RRQ and fct == p.FCT_ATTLOG):
            late = self._take_late_punches()
            if late:
                users = self.state.users() or [UserRecord(1, "1")]
                for _ in range(late):
                    user = self._rng.choice(users)
                    self.state.append(self.state.make_punch(user.user_id, None, 1, 0), force=True)
            blob = self.state.attendance_dataset()
        elif command in (p.CMD_USERTEMP_RRQ, p.CMD_DB_RRQ) and fct == p.FCT_USER:
            blob = self.state.users_dataset()
        else:
            blob = p.dataset(b"")  # no templates, oplog, sms... on a simulated clock
        if len(blob) <= self.profile.inline_threshold:
            await self._reply(sess, pkt, p.CMD_DATA, blob)
            return
        sess.buffer = blob
        await self._reply(sess, pkt, p.CMD_ACK_OK, struct.pack("<BIII", 0, len(blob), len(blob), 0))

    async def _cmd_read_buffer(self, sess: Session, pkt: p.Packet) -> None:
        buf = sess.buffer
        try:
            start, size = struct.unpack_from("<ii", pkt.data)
        except struct.error:
            start, size = -1, 0
        if buf is None or start < 0 or size <= 0 or start >= len(buf):
            await self._reply(sess, pkt, p.CMD_ACK_ERROR)
            return
        chunk = buf[start : start + size]
        sid, rid = sess.session_id, pkt.reply_id
        if sess.transport == "tcp":
            step = self.profile.data_packet_size or len(chunk)
            gap = self.profile.data_packet_gap
        else:
            step, gap = p.UDP_DATA_PACKET, 0.0
        corked = self._cork(sess)
        try:
            prepare = p.build_packet(p.CMD_PREPARE_DATA, sid, rid, struct.pack("<II", len(chunk), step))
            if not await self._send(sess, pkt.command, prepare):
                return
            for offset in range(0, len(chunk), step):
                if gap and offset and not corked:
                    await asyncio.sleep(gap)
                packet = p.build_packet(p.CMD_DATA, sid, rid, chunk[offset : offset + step])
                if not await self._send(sess, pkt.command, packet):
                    return
            await self._send(sess, pkt.command, p.build_packet(p.CMD_ACK_OK, sid, rid))
        finally:
            if corked:
                await self._uncork(sess)

    async def _cmd_free_data(self, sess: Session, pkt: p.Packet) -> None:
        sess.buffer = None
        sess.upload = None
        await self._reply(sess, pkt, p.CMD_ACK_OK)

    # Uploads (pyzk save_user_template / HR_save_usertemplates): 1500 size, 1501 chunks, 110 commit.
    async def _cmd_prepare_data(self, sess: Session, pkt: p.Packet) -> None:
        sess.upload = bytearray()
        await self._reply(sess, pkt, p.CMD_ACK_OK)

    async def _cmd_data(self, sess: Session, pkt: p.Packet) -> None:
        if sess.upload is None:
            await self._reply(sess, pkt, p.CMD_ACK_ERROR)
            return
        sess.upload += pkt.data
        await self._reply(sess, pkt, p.CMD_ACK_OK)

    async def _cmd_save_usertemps(self, sess: Session, pkt: p.Packet) -> None:
        upload = bytes(sess.upload or b"")
        sess.upload = None
        try:
            ulen = struct.unpack_from("<III", upload)[0]
            users = upload[12 : 12 + ulen]
            # Entries are the 28/72-byte user records prefixed by one 0x02 byte (29/73 bytes).
            step = 73 if self.profile.user_record_size == 72 else 29
            if ulen % step:
                raise ValueError("user block size")
            for off in range(0, ulen, step):
                raw = bytearray(users[off + 1 : off + step])
                if step == 73:
                    raw[39] = 0  # repack73 writes 1 in the pad byte after the card
                self.state.put_user(p.unpack_user(bytes(raw)))
        except (ValueError, struct.error):
            await self._reply(sess, pkt, p.CMD_ACK_ERROR)
            return
        await self._reply(sess, pkt, p.CMD_ACK_OK)

    async def _cmd_error(self, sess: Session, pkt: p.Packet) -> None:
        await self._reply(sess, pkt, p.CMD_ACK_ERROR)


_HANDLERS = {
    p.CMD_EXIT: Simulator._cmd_exit,
    p.CMD_ENABLEDEVICE: Simulator._cmd_enable,
    p.CMD_DISABLEDEVICE: Simulator._cmd_disable,
    p.CMD_GET_VERSION: Simulator._cmd_version,
    p.CMD_OPTIONS_RRQ: Simulator._cmd_options_read,
    p.CMD_OPTIONS_WRQ: Simulator._cmd_options_write,
    p.CMD_GET_PINWIDTH: Simulator._cmd_pin_width,
    p.CMD_GET_FREE_SIZES: Simulator._cmd_free_sizes,
    p.CMD_GET_TIME: Simulator._cmd_get_time,
    p.CMD_SET_TIME: Simulator._cmd_set_time,
    p.CMD_USER_WRQ: Simulator._cmd_user_write,
    p.CMD_DELETE_USER: Simulator._cmd_delete_user,
    p.CMD_CLEAR_ATTLOG: Simulator._cmd_clear_attlog,
    p.CMD_CLEAR_DATA: Simulator._cmd_clear_data,
    p.CMD_REG_EVENT: Simulator._cmd_reg_event,
    p.CMD_RESTART: Simulator._cmd_restart,
    p.CMD_POWEROFF: Simulator._cmd_poweroff,
    p.CMD_PREPARE_BUFFER: Simulator._cmd_prepare_buffer,
    p.CMD_READ_BUFFER: Simulator._cmd_read_buffer,
    p.CMD_FREE_DATA: Simulator._cmd_free_data,
    p.CMD_PREPARE_DATA: Simulator._cmd_prepare_data,
    p.CMD_DATA: Simulator._cmd_data,
    p.CMD_SAVE_USERTEMPS: Simulator._cmd_save_usertemps,
    p.CMD_GET_USERTEMP: Simulator._cmd_error,  # no fingerprint templates on a simulated clock
    p.CMD_STARTENROLL: Simulator._cmd_error,
    **{
        code: Simulator._cmd_ok
        for code in (
            p.CMD_REFRESHDATA,
            p.CMD_REFRESHOPTION,
            p.CMD_CANCELCAPTURE,
            p.CMD_STARTVERIFY,
            p.CMD_TESTVOICE,
            p.CMD_UNLOCK,
            p.CMD_ENABLE_CLOCK,
            p.CMD_WRITE_LCD,
            p.CMD_CLEAR_LCD,
            p.CMD_DELETE_USERTEMP,
            p.CMD_DEL_USER_TEMP,
            p.CMD_DOORSTATE_RRQ,
            p.CMD_CLEAR_OPLOG,
            p.CMD_CLEAR_ADMIN,
            p.CMD_SLEEP,
            p.CMD_RESUME,
            p.CMD_CHANGE_SPEED,
        )
    },
}
