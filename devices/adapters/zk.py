"""ZK adapter: ZKTeco-family clocks (identiX K20, ...) over the standalone protocol, via pyzk.

pyzk runs in a child process per session (see `_zk_worker.py`); this class is the parent
side. Every call is bounded by a hard limit enforced by killing the child, because
pyzk can loop forever at full CPU on a cut TCP transfer (docs/ZK_PROTOCOL.md §9 F6) and
ignores its own socket timeout there. A Celery time limit is not enough on its own:
the embedded default runs the worker with `--pool=solo`, where Celery enforces none.

Limits (seconds):
    call_limit            every call (default 2 x timeout + 5: room for pyzk's own socket
                          timeout to fire first, so a silent device gives a clean
                          DeviceTimeout and the kill is kept for real hangs)
    read limit            call_limit + timeout + per_record_limit x (records + users),
                          sized from the device's own counts just before the transfer
    live_events(t)        t + call_limit + per_record_limit x users
The child also turns the F6 spin into an immediate DeviceUnreachable (`eof_guard`), and
reads TCP buffered transfers with its own length-framed reader (pyzk assumes one recv()
per packet and mis-frames DATA packets that arrive coalesced, as TFT clocks send them), so
the hard limit is the last line of defence, not the usual path. `eof_guard=False` keeps
pyzk's own receive paths (tests use it to show the hard limit at work). The child is a plain
subprocess: multiprocessing refuses to start children inside Celery's prefork workers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from devices.adapters.base import AttendanceRecord, DeviceAdapter, DeviceInfo, DeviceUser
from devices.adapters.errors import (
    ERRORS_BY_CODE,
    DeviceCountMismatch,
    DeviceError,
    DeviceProtocolError,
    DeviceTimeout,
)

log = logging.getLogger("devices.adapters.zk")

_WORKER_FILE = str(Path(__file__).resolve().with_name("_zk_worker.py"))
# The worker is loaded from its file, not as devices.adapters._zk_worker: importing the
# package would import this module and its dependencies in every child (a third of its
# start-up). The current directory leaves sys.path so `import zk` finds pyzk, never this file.
_BOOTSTRAP = (
    "import sys, importlib.util as u; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
    "s = u.spec_from_file_location('etime_zk_worker', sys.argv[1]); m = u.module_from_spec(s); "
    "sys.modules['etime_zk_worker'] = m; s.loader.exec_module(m); m.main(sys.argv[2:])"
)


class ZKAdapter(DeviceAdapter):
    """One session with one ZK clock.

    transport: "tcp" (default; what TFT devices like the K20 speak best) or "udp" (old ZK6
    firmware; loses data silently on lost datagrams, prefer TCP).
    timeout: pyzk's socket timeout per reply.
    user_record_size: force 28 (ZK6) or 72 (ZK8/TFT) user records for set_user; by default
    pyzk infers it from the user table (TCP assumes 72, UDP 28 while the table is empty).
    """

    def __init__(
        self,
        host: str,
        port: int = 4370,
        *,
        transport: str = "tcp",
        comm_key: int = 0,
        timeout: float = 10.0,
        call_limit: float | None = None,
        per_record_limit: float = 0.001,
        encoding: str = "UTF-8",
        eof_guard: bool = True,
        user_record_size: int | None = None,
        startup_limit: float = 30.0,
    ) -> None:
        if transport not in ("tcp", "udp"):
            raise ValueError("transport must be 'tcp' or 'udp'")
        if user_record_size not in (None, 28, 72):
            raise ValueError("user_record_size must be 28 or 72")
        self.host = host
        self.port = port
        self.transport = transport
        self.comm_key = int(comm_key or 0)
        self.timeout = timeout
        self.call_limit = call_limit if call_limit is not None else 2 * timeout + 5
        self.per_record_limit = per_record_limit
        self.encoding = encoding
        self.eof_guard = eof_guard
        self.user_record_size = user_record_size
        self.startup_limit = startup_limit
        self._proc: subprocess.Popen[bytes] | None = None
        self._chan: Connection | None = None
        self._users_hint = 0

    def __repr__(self) -> str:
        return f"<ZKAdapter {self.transport}://{self.host}:{self.port}>"

    @property
    def connected(self) -> bool:
        return self._proc is not None

    # --- session ----------------------------------------------------------------------------
    def connect(self) -> None:
        if self._proc is not None:
            raise DeviceError("already connected")
        self._start_worker()
        try:
            self._call(
                "connect",
                self.call_limit,
                host=self.host,
                port=self.port,
                udp=self.transport == "udp",
                comm_key=self.comm_key,
                timeout=self.timeout,
                encoding=self.encoding,
                eof_guard=self.eof_guard,
                user_record_size=self.user_record_size,
            )
        except BaseException:
            self._teardown()
            raise

    def disconnect(self) -> None:
        if self._proc is None:
            return
        try:
            self._call("disconnect", min(self.call_limit, self.timeout + 2))
        except DeviceError as exc:
            log.debug("%r: disconnect failed: %s", self, exc)
        finally:
            self._teardown()

    def __enter__(self) -> ZKAdapter:
        self.connect()
        return self

    def __del__(self) -> None:
        # A forgotten adapter must not leave a child holding the device's only TCP session.
        with contextlib.suppress(Exception):
            self._teardown()

    # --- operations -------------------------------------------------------------------------
    def info(self) -> DeviceInfo:
        data = self._call("info", self.call_limit)
        self._users_hint = data["user_count"]
        return DeviceInfo(**data)

    def get_time(self) -> datetime:
        """The device clock: naive device-local time (convert with the device's zone)."""
        return self._call("get_time", self.call_limit)

    def set_time(self, device_time: datetime) -> None:
        """`device_time` must be naive local time in the device's zone, year 2000-2099, whole seconds."""
        if device_time.tzinfo is not None:
            raise ValueError("set_time takes naive device-local time; convert to the device's zone first")
        if not 2000 <= device_time.year <= 2099:
            raise ValueError("ZK clocks hold years 2000-2099 only")
        self._call("set_time", self.call_limit, device_time=device_time.replace(microsecond=0))

    def get_users(self) -> list[DeviceUser]:
        rows = self._call("get_users", self._limit_for(self._users_hint))
        self._users_hint = len(rows)
        return [_user(row) for row in rows]

    def set_user(self, user: DeviceUser) -> DeviceUser:
        """Create or update by user_id. pyzk stores privilege 0 or 14 (admin) only; others become 0."""
        if not user.user_id or len(user.user_id.encode(self.encoding)) > 24:
            raise ValueError("user_id must be 1-24 bytes")
        row = self._call(
            "set_user",
            self._limit_for(2 * self._users_hint),
            user_id=user.user_id,
            name=user.name,
            uid=user.uid,
            privilege=user.privilege,
            password=user.password,
            group_id=user.group_id,
            card=user.card,
        )
        return _user(row)

    def delete_user(self, user_id: str) -> bool:
        return self._call("delete_user", self._limit_for(self._users_hint), user_id=str(user_id))

    def read_attendance(self) -> list[AttendanceRecord]:
        """The whole log (naive device-local times, device order), read with the keypad locked.

        Raises DeviceCountMismatch when the number of records read differs from the count
        the device reported for the locked log; the session stays usable for a re-read.
        """
        users, records = self._call("sizes", self.call_limit)
        self._users_hint = users
        limit = self.call_limit + self.timeout + self.per_record_limit * (records + users)
        try:
            rows = self._call("read_attendance", limit)
        except DeviceTimeout as exc:
            if exc.killed:
                # The worker died holding the keypad locked; nobody can punch until it's enabled.
                self._unlock()
            raise
        # In place: a 200k-record log should not exist twice (tuples and records) at once.
        for i, row in enumerate(rows):
            rows[i] = AttendanceRecord(*row)
        return rows

    def _unlock(self) -> None:
        """Best effort: enable the device from a fresh, short session."""
        timeout = min(self.timeout, 3.0)
        helper = ZKAdapter(
            self.host,
            self.port,
            transport=self.transport,
            comm_key=self.comm_key,
            timeout=timeout,
            call_limit=min(self.call_limit, 2 * timeout + 2),
            encoding=self.encoding,
        )
        try:
            helper.connect()
            helper._call("enable", helper.call_limit)
        except DeviceError as exc:
            log.warning("%r: could not re-enable the device after a killed read: %s", self, exc)
        finally:
            helper.disconnect()

    def clear_attendance(self, *, only_if_count: int | None = None) -> bool:
        """Clear the log. With `only_if_count`, only while it holds exactly that many records
        (checked with the keypad locked, so nothing is punched between check and clear)."""
        return bool(self._call("clear_attendance", self.call_limit, only_if_count=only_if_count))

    def restart(self) -> None:
        """Reboot the device; this session ends (pyzk refuses further calls after a restart)."""
        try:
            self._call("restart", self.call_limit)
        finally:
            self._teardown()

    def live_events(self, timeout: float) -> Iterator[AttendanceRecord]:
        """Punches as they are made, for `timeout` seconds. Closing the iterator early stops the capture."""
        chan = self._require()
        limit = timeout + self._limit_for(self._users_hint)
        chan.send(("live", {"timeout": timeout}))
        deadline = time.monotonic() + limit
        finished = False
        try:
            while True:
                kind, payload = self._receive("live_events", deadline, limit)
                if kind == "event":
                    yield AttendanceRecord(*payload)
                else:
                    finished = True
                    return
        finally:
            if not finished and self._chan is not None:
                # Consumer stopped early: ask the child to end the capture, then drain to its reply.
                with contextlib.suppress(DeviceError, OSError):
                    self._chan.send(("stop", {}))
                    stop_by = time.monotonic() + self.call_limit
                    while self._receive("live_events", stop_by, self.call_limit)[0] == "event":
                        pass

    # --- plumbing ---------------------------------------------------------------------------
    def _limit_for(self, rows: int) -> float:
        return self.call_limit + self.per_record_limit * rows

    def _start_worker(self) -> None:
        parent_sock, child_sock = socket.socketpair()
        try:
            self._proc = subprocess.Popen(  # noqa: S603 - fixed argv: our interpreter and our module
                [sys.executable, "-c", _BOOTSTRAP, _WORKER_FILE, str(child_sock.fileno()), str(os.getpid())],
                pass_fds=(child_sock.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # pyzk prints diagnostics to stdout
            )
        except OSError as exc:
            parent_sock.close()
            raise DeviceError("could not start the device worker", detail=str(exc)) from exc
        finally:
            child_sock.close()
        self._chan = Connection(parent_sock.detach())
        deadline = time.monotonic() + self.startup_limit
        try:
            kind, _pid = self._receive("start", deadline, self.startup_limit)
        except DeviceError as exc:
            self._teardown()
            raise DeviceError("the device worker did not start", detail=str(exc)) from exc
        if kind != "ready":
            self._teardown()
            raise DeviceError("the device worker did not start", detail=repr(kind))

    def _require(self) -> Connection:
        if self._chan is None:
            raise DeviceError("not connected; call connect() first (and reconnect after an error)")
        return self._chan

    def _call(self, op: str, limit: float, **kwargs: Any) -> Any:
        chan = self._require()
        try:
            chan.send((op, kwargs))
        except OSError as exc:
            self._teardown()
            raise DeviceProtocolError("the device worker is gone", detail=str(exc)) from exc
        kind, payload = self._receive(op, time.monotonic() + limit, limit)
        if kind != "ok":
            self._teardown()
            raise DeviceProtocolError(f"unexpected worker message {kind!r} for {op}")
        return payload

    def _receive(self, op: str, deadline: float, limit: float) -> tuple[str, Any]:
        chan = self._require()
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not chan.poll(remaining):
            self._teardown(kill=True)
            exc = DeviceTimeout(f"{op} exceeded the hard limit of {limit:.1f} s; the device worker was killed")
            exc.killed = True
            raise exc
        try:
            msg = chan.recv()
        except (EOFError, OSError) as exc:
            code = self._teardown()
            raise DeviceProtocolError("the device worker died", detail=f"exit code {code}") from exc
        if msg[0] != "err":
            return msg[0], msg[1]
        _, code, message, detail, alive, extra = msg
        if not alive:
            self._teardown()
        if code == "invalid_argument":
            raise ValueError(message)
        if code == DeviceCountMismatch.code:
            raise DeviceCountMismatch(message, expected=extra["expected"], actual=extra["actual"], detail=detail)
        raise ERRORS_BY_CODE.get(code, DeviceProtocolError)(message, detail=detail)

    def _teardown(self, *, kill: bool = False) -> int | None:
        """Stop the child (asked to exit when idle, killed when stuck) and forget the session."""
        proc, chan = self._proc, self._chan
        self._proc, self._chan = None, None
        if chan is not None:
            if not kill:
                with contextlib.suppress(OSError):
                    chan.send(("exit", {}))
            chan.close()
        if proc is None:
            return None
        if not kill:
            try:
                return proc.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                pass
        proc.kill()
        return proc.wait()


def _user(row: tuple[int, str, str, int, str, str, int]) -> DeviceUser:
    uid, user_id, name, privilege, password, group_id, card = row
    return DeviceUser(
        user_id=user_id, name=name, uid=uid, privilege=privilege, password=password, group_id=group_id, card=card
    )
