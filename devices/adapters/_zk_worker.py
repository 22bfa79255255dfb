"""The child process that owns the pyzk connection for one `ZKAdapter` session.

Why a separate process: pyzk can spin forever at 100 % CPU when a TCP transfer is cut
(`ZK.__recieve_raw_data` loops on `recv() == b''`, docs/ZK_PROTOCOL.md §9 F6) and a thread
cannot be killed. The parent sends one request at a time over a socketpair and kills
this process when a request outlives its hard limit.

Started by `ZKAdapter` as `python -c <bootstrap> THIS_FILE FD PPID`; imports pyzk and the
stdlib only (no Django). Replies are plain tuples so nothing pyzk-specific crosses back:
    ("ready", pid)
    ("ok", result)
    ("event", record_tuple)                       # live events, then ("ok", None)
    ("err", code, message, detail, alive, extra)  # alive: the session is still usable
"""

from __future__ import annotations

import errno
import os
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

import zk.base as zkbase
from zk import ZK, const
from zk.exception import ZKErrorConnection, ZKErrorResponse, ZKNetworkError

UNREACHABLE = "device_unreachable"
AUTH = "device_auth_failed"
TIMEOUT = "device_timeout"
PROTOCOL = "device_protocol_error"
MISMATCH = "device_count_mismatch"
INVALID = "invalid_argument"

UserTuple = tuple[int, str, str, int, str, str, int]  # uid, user_id, name, privilege, password, group_id, card
RecordTuple = tuple[str, datetime, int, int, int]  # user_id, timestamp, status, punch, uid


class _EofGuardSocket(socket.socket):
    """pyzk's socket class inside this process: a TCP recv() that returns b'' means the peer
    closed the connection, which pyzk never expects; raising turns its infinite loop into
    an immediate ConnectionResetError."""

    __slots__ = ()

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        data = super().recv(bufsize, flags)
        if not data and bufsize > 0 and self.type == socket.SOCK_STREAM:
            raise ConnectionResetError(errno.ECONNRESET, "device closed the connection")
        return data


_pyzk_make_commkey = zkbase.make_commkey


def _make_commkey(key: Any, session_id: Any, ticks: int = 50) -> bytes:
    # pyzk packs bit-reversed-key + session id with pack('I') and raises struct.error when the
    # sum passes 2**32 (keys whose low 16 bits are all ones); the device's C code wraps.
    key, session_id = int(key), int(session_id)
    k = 0
    for i in range(32):
        k = (k << 1) | ((key >> i) & 1)
    if k + session_id <= 0xFFFFFFFF:
        return _pyzk_make_commkey(key, session_id, ticks)
    wrapped = (k + session_id) & 0xFFFFFFFF
    b = bytes(x ^ y for x, y in zip(struct.pack("<I", wrapped), b"ZKSO", strict=True))
    lo, hi = struct.unpack("<HH", b)
    b = struct.pack("<HH", hi, lo)
    t = ticks & 0xFF
    return bytes([b[0] ^ t, b[1] ^ t, t, b[3] ^ t])


class InvalidArgument(Exception):
    pass


class CountMismatch(Exception):
    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"read {actual} records, device reports {expected}")
        self.expected = expected
        self.actual = actual


def classify(exc: BaseException, phase: str, last_reply: int | None) -> tuple[str, str, bool]:
    """Map whatever pyzk or the socket layer raised to (code, message, session_still_usable)."""
    connecting = phase == "connect"
    if isinstance(exc, CountMismatch):
        return MISMATCH, str(exc), True
    if isinstance(exc, InvalidArgument):
        return INVALID, str(exc), True
    if isinstance(exc, ZKErrorResponse):
        if str(exc) == "Unauthenticated" or (connecting and last_reply == const.CMD_ACK_UNAUTH):
            return AUTH, "the device refused the comm key", False
        if last_reply == const.CMD_ACK_UNAUTH:
            return UNREACHABLE, "the device no longer knows this session (rebooted or dropped it)", False
        return PROTOCOL, f"the device refused the request (reply {last_reply})", False
    if isinstance(exc, ZKErrorConnection):
        return UNREACHABLE, "not connected to the device", False
    if isinstance(exc, ZKNetworkError):
        msg = str(exc)
        if "timed out" in msg:
            return (
                (UNREACHABLE, "no answer from the device", False)
                if connecting
                else (TIMEOUT, "the device stopped answering", False)
            )
        if ("TCP packet invalid" in msg or "unpack requires" in msg) and not connecting:
            # pyzk wraps its own struct.error on a short/garbled reply as a network error
            return PROTOCOL, "truncated or out-of-step reply", False
        return UNREACHABLE, "network error", False
    if isinstance(exc, TimeoutError):  # socket.timeout escapes pyzk raw from its chunk readers
        return (
            (UNREACHABLE, "no answer from the device", False)
            if connecting
            else (TIMEOUT, "the device stopped answering mid-transfer", False)
        )
    if isinstance(exc, OSError):
        return UNREACHABLE, "connection lost", False
    return PROTOCOL, "undecodable reply from the device", False


class _TcpPackets:
    """Reads whole ZK packets off a TCP stream: the 8-byte top says how long each one is, so
    packets that arrive split or coalesced (a TFT clock's 1008-byte DATA packets sent back to
    back) are framed right. pyzk assumes one recv() per packet and mis-frames those (§4)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def _fill(self, n: int) -> None:
        while len(self.buf) < n:
            data = self.sock.recv(max(65536, n - len(self.buf)))
            if not data:
                raise ConnectionResetError(errno.ECONNRESET, "device closed the connection")
            self.buf += data

    def packet(self) -> tuple[int, int, bytes]:
        """(reply code, reply id, data) of the next packet."""
        self._fill(8)
        magic1, magic2, length = struct.unpack_from("<HHI", self.buf)
        if (magic1, magic2) != (const.MACHINE_PREPARE_DATA_1, const.MACHINE_PREPARE_DATA_2) or length < 8:
            raise ZKNetworkError("TCP packet invalid")
        self._fill(8 + length)
        code, _checksum, _session, reply_id = struct.unpack_from("<4H", self.buf, 8)
        data = bytes(self.buf[16 : 8 + length])
        del self.buf[: 8 + length]
        return code, reply_id, data


def _framed_call(c: ZK, packets: _TcpPackets, cmd: int, data: bytes = b"") -> tuple[int, bytes]:
    """Send one request the way pyzk would and read its reply as a framed packet. Realtime
    event packets that arrive before it (a capture being unregistered) are skipped."""
    sock: socket.socket = c._ZK__sock
    buf = c._ZK__create_header(cmd, data, c._ZK__session_id, c._ZK__reply_id)
    reply_id = struct.unpack_from("<4H", buf)[3]
    c._ZK__reply_id = reply_id  # the device echoes it
    sock.sendall(c._ZK__create_tcp_top(buf))
    while True:
        code, reply, payload = packets.packet()
        if code != const.CMD_REG_EVENT or reply == reply_id:
            break
    c._ZK__response = code  # for classify()
    return code, payload


def _read_with_buffer_tcp(c: ZK, command: int, fct: int = 0, ext: int = 0) -> tuple[bytes, int]:
    """pyzk's read_with_buffer (1503 → 1504 chunks → 1502) over TCP with stream framing.

    Same requests, same chunk size, same return value; pyzk's session state (reply id, last
    reply) is kept in step so pyzk's own calls continue after it."""
    packets = _TcpPackets(c._ZK__sock)

    def call(cmd: int, data: bytes = b"") -> tuple[int, bytes]:
        return _framed_call(c, packets, cmd, data)

    code, payload = call(const._CMD_PREPARE_BUFFER, struct.pack("<bhii", 1, command, fct, ext))
    if code == const.CMD_DATA:  # small datasets come back inline
        return payload, len(payload)
    if code != const.CMD_ACK_OK or len(payload) < 5:
        raise ZKErrorResponse("RWB Not supported")
    size = struct.unpack_from("<I", payload, 1)[0]
    out = bytearray()
    max_chunk = 0xFFC0
    for start in range(0, size, max_chunk):
        want = min(max_chunk, size - start)
        code, payload = call(const._CMD_READ_BUFFER, struct.pack("<ii", start, want))
        if code == const.CMD_DATA:  # a bare DATA reply (some firmware)
            chunk = payload
        elif code == const.CMD_PREPARE_DATA:
            chunk_parts = []
            while True:
                code, _reply, payload = packets.packet()
                c._ZK__response = code
                if code == const.CMD_DATA:
                    chunk_parts.append(payload)
                elif code == const.CMD_ACK_OK:
                    break
                else:
                    raise ZKErrorResponse(f"unexpected reply {code} in a chunk")
            chunk = b"".join(chunk_parts)
        else:
            raise ZKErrorResponse(f"can't read chunk {start}:[{want}]")
        if len(chunk) != want:
            raise ValueError(f"chunk at {start}: {len(chunk)} of {want} bytes")
        out += chunk
    code, _payload = call(const.CMD_FREE_DATA)
    if code != const.CMD_ACK_OK:
        raise ZKErrorResponse("can't free data")
    return bytes(out), len(out)


def _zk_date_ok(stamp: bytes) -> bool:
    """Whether a 4-byte ZK packed time is a real date (every month has 31 days in the code)."""
    value = struct.unpack("<I", stamp)[0]
    second, value = value % 60, value // 60
    minute, value = value % 60, value // 60
    hour, value = value % 24, value // 24
    day, value = value % 31 + 1, value // 31
    month, year = value % 12 + 1, value // 12 + 2000
    try:
        datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - a validity check only
    except ValueError:
        return False
    return year <= 2099


def _ascii_id(raw: bytes) -> bool:
    text = raw.split(b"\0", 1)[0]
    return bool(text) and all(0x20 < b < 0x7F for b in text)


# Where each attendance layout keeps its time, and what else must hold for a record to be one.
_LAYOUTS: tuple[tuple[int, Callable[[memoryview], bool]], ...] = (
    (40, lambda r: _ascii_id(bytes(r[2:26])) and _zk_date_ok(bytes(r[27:31]))),
    (49, lambda r: _ascii_id(bytes(r[2:26])) and _zk_date_ok(bytes(r[27:31]))),
    (16, lambda r: _zk_date_ok(bytes(r[4:8])) and r[10:12] == b"\0\0"),
    (8, lambda r: _zk_date_ok(bytes(r[3:7]))),
)


def infer_record_size(body: memoryview | bytes) -> int:
    """The attendance record size of a log whose record count is unknown (one-value free
    sizes): the first layout that divides the log and under which every record is a record.
    0 when none fits."""
    view = memoryview(body)
    for size, valid in _LAYOUTS:
        if len(view) % size == 0 and all(valid(view[o : o + size]) for o in range(0, len(view), size)):
            return size
    return 0


def _dataset_total(c: ZK, command: int, fct: int = 0) -> tuple[int, bytes]:
    data, size = c.read_with_buffer(command, fct)
    if size < 4:
        return 0, b""
    total = struct.unpack_from("<I", data)[0]
    return total, data[4 : 4 + total]


class Session:
    def __init__(self, chan: Connection) -> None:
        self.chan = chan
        self.zk: ZK | None = None
        self.cfg: dict[str, Any] = {}
        self.short_sizes = False  # the device answers CMD_GET_FREE_SIZES with one value only

    # --- plumbing ---------------------------------------------------------------------------
    def _new_zk(self, timeout: float) -> ZK:
        cfg = self.cfg
        z = ZK(
            cfg["host"],
            port=cfg["port"],
            timeout=timeout,
            password=cfg["comm_key"],
            force_udp=cfg["udp"],
            ommit_ping=True,  # pyzk shells out to `ping` otherwise; slim images have none (F3)
            encoding=cfg["encoding"],
        )
        # ZK() opens a UDP socket that connect() replaces without closing.
        z._ZK__sock.close()
        return z

    @property
    def conn(self) -> ZK:
        if self.zk is None or not self.zk.is_connect:
            raise ZKErrorConnection("instance are not connected.")
        return self.zk

    def last_reply(self) -> int | None:
        return getattr(self.zk, "_ZK__response", None) if self.zk else None

    def close_socket(self) -> None:
        if self.zk is not None:
            sock = getattr(self.zk, "_ZK__sock", None)
            if sock is not None:
                sock.close()
            self.zk.is_connect = False

    # --- operations -------------------------------------------------------------------------
    def op_connect(self, **cfg: Any) -> None:
        self.cfg = cfg
        self.zk = self._new_zk(cfg["timeout"])
        self.zk.connect()
        if not cfg["udp"] and cfg.get("stream_reads", True):
            # Buffered reads (log, users) framed by length, not by recv() (TFT DATA packets).
            z = self.zk
            z.read_with_buffer = lambda command, fct=0, ext=0: _read_with_buffer_tcp(z, command, fct, ext)
        if cfg.get("user_record_size"):
            self.zk.user_packet_size = cfg["user_record_size"]
        z = self.zk
        read_sizes = z.read_sizes
        z.read_sizes = lambda: self._read_sizes(z, read_sizes)

    def _read_sizes(self, c: ZK, read_sizes: Callable[[], bool]) -> bool:
        """pyzk's read_sizes, plus counts for firmware whose reply is one int32 (WL20 class).

        pyzk fills its counts only from a reply of 80 bytes or more and silently keeps 0
        otherwise, so get_users() and the log read would see an empty device. Here the counts
        are taken from the datasets themselves: the user table's length over its record
        size, the log's length over the record size its content fits (infer_record_size).
        """
        c.users = c.records = None  # pyzk leaves them alone on a short reply
        result = read_sizes()
        if c.records is not None:
            return result
        self.short_sizes = True
        c.users = c.records = c.fingers = 0
        c.users_cap = c.rec_cap = 0
        total, _ = _dataset_total(c, const.CMD_USERTEMP_RRQ, const.FCT_USER)
        preferred = self.cfg.get("user_record_size") or (72 if c.tcp else 28)
        user_size = next((n for n in (preferred, 72, 28) if total % n == 0), 0)
        c.users = total // user_size if user_size else 0
        total, body = _dataset_total(c, const.CMD_ATTLOG_RRQ)
        record_size = infer_record_size(body) if total else 0
        if total and not record_size:
            raise ValueError(f"attendance log of {total} bytes fits no known record layout")
        c.records = total // record_size if record_size else 0
        return result

    def op_disconnect(self) -> None:
        if self.zk is not None and self.zk.is_connect:
            try:
                self.zk.disconnect()
            finally:
                self.close_socket()

    def op_info(self) -> dict[str, Any]:
        c = self.conn

        def optional(read: Callable[[], str]) -> str:
            try:
                return read()
            except ZKErrorResponse:  # some firmwares don't know the option; the session is fine
                return ""

        serial = c.get_serialnumber()
        firmware = c.get_firmware_version()
        platform = optional(c.get_platform)
        device_name = optional(c.get_device_name)
        mac = optional(c.get_mac)
        c.read_sizes()
        return {
            "serial": serial,
            "firmware": firmware,
            "platform": platform,
            "device_name": device_name,
            "mac": mac,
            "user_count": c.users,
            "record_count": c.records,
            "user_capacity": c.users_cap,
            "record_capacity": c.rec_cap,
            "fingerprint_count": c.fingers,
        }

    def op_sizes(self) -> tuple[int, int]:
        c = self.conn
        c.read_sizes()
        return c.users, c.records

    def op_get_time(self) -> datetime:
        return self.conn.get_time()

    def op_set_time(self, device_time: datetime) -> None:
        self.conn.set_time(device_time)

    def _users(self) -> list[Any]:
        # get_users() also fixes pyzk's record layout: over UDP it assumes 28-byte users
        # until it has read the user table (docs/ZK_PROTOCOL.md §5.1, §10).
        return self.conn.get_users()

    @staticmethod
    def _user_tuple(u: Any) -> UserTuple:
        return (
            int(u.uid),
            str(u.user_id),
            str(u.name),
            int(u.privilege),
            str(u.password),
            str(u.group_id),
            int(u.card),
        )

    def op_get_users(self) -> list[UserTuple]:
        return [self._user_tuple(u) for u in self._users()]

    def op_set_user(
        self, user_id: str, name: str, uid: int | None, privilege: int, password: str, group_id: str, card: int
    ) -> UserTuple:
        c = self.conn
        users = self._users()
        if c.user_packet_size == 28:
            if not user_id.isdigit():
                raise InvalidArgument("this device (28-byte user records) only takes numeric user ids")
            if group_id and not group_id.isdigit():
                raise InvalidArgument("this device (28-byte user records) only takes numeric groups")
        if not 0 <= card <= 0xFFFFFFFF:
            raise InvalidArgument("card numbers are 32-bit on ZK devices")
        existing = next((u for u in users if u.user_id == user_id), None)
        if uid is None:
            uid = existing.uid if existing else max((u.uid for u in users), default=0) + 1
        if not 1 <= uid <= 0xFFFF:
            raise InvalidArgument("uid must be 1..65535")
        c.set_user(
            uid=uid, name=name, privilege=privilege, password=password, group_id=group_id, user_id=user_id, card=card
        )
        if existing and existing.uid != uid:
            c.delete_user(uid=existing.uid)  # one user id, one slot
        stored = next((u for u in self._users() if u.uid == uid), None)
        if stored is None or stored.user_id != user_id:
            raise ZKErrorResponse("the device did not store the user")
        return self._user_tuple(stored)

    def op_delete_user(self, user_id: str) -> bool:
        match = next((u for u in self._users() if u.user_id == user_id), None)
        if match is None:
            return False
        self.conn.delete_user(uid=match.uid)
        return True

    def op_read_attendance(self) -> list[RecordTuple]:
        c = self.conn
        # Locked so nobody punches between read_sizes() and the transfer: the record size is
        # derived from total bytes / record count, which a growing log breaks (F12).
        c.disable_device()
        failure: BaseException | None = None
        try:
            c.read_sizes()
            expected = c.records
            records = self._read_log(c, expected) if expected else []
        except BaseException as exc:
            failure = exc
            raise
        finally:
            self._reenable(failure)
        return records

    def _read_log(self, c: ZK, expected: int) -> list[RecordTuple]:
        """The attendance dataset via pyzk's buffered read, parsed here in linear time.

        pyzk's get_attendance() re-slices the remaining bytes for every record (quadratic:
        ~14 s of CPU for 100k records) and downloads the user table even for 40-byte records.
        The layouts and user-id rules below are pyzk's (master), including its slicing by the
        derived record size for firmware that pads records (49-byte, pyzk #174).
        """
        data, size = c.read_with_buffer(const.CMD_ATTLOG_RRQ)
        if size < 4:
            raise CountMismatch(expected, 0)
        total = struct.unpack_from("<I", data)[0]
        body = memoryview(data)[4 : 4 + total]
        if len(body) != total:
            # pyzk never checks: over UDP a lost DATA datagram just makes the log shorter (F10).
            raise ValueError(f"attendance dataset truncated: {len(body)} of {total} bytes")
        record_size = total // expected
        if total % expected or record_size not in (8, 16) and record_size < 40:
            fits = next((n for n in (40, 16, 8) if total % n == 0), 0)
            raise CountMismatch(expected, total // fits if fits else -1)
        decode = c._ZK__decode_time  # pyzk's own DecodeTime
        out: list[RecordTuple] = []
        if record_size == 8:
            by_uid = {u.uid: u.user_id for u in c.get_users()}
            for uid, status, stamp, punch in struct.iter_unpack("<HB4sB", body):
                out.append((by_uid.get(uid, str(uid)), decode(stamp), status, punch, uid))
        elif record_size == 16:
            uid_of = {u.user_id: u.uid for u in c.get_users()}
            for user_id, stamp, status, punch, _reserved, _workcode in struct.iter_unpack("<I4sBB2sI", body):
                uid_str = str(user_id)
                out.append((uid_str, decode(stamp), status, punch, uid_of.get(uid_str, user_id)))
        else:
            layout = struct.Struct("<H24sB4sB")
            for offset in range(0, total, record_size):
                uid, user_id, status, stamp, punch = layout.unpack_from(body, offset)
                out.append((user_id.split(b"\0", 1)[0].decode(errors="ignore"), decode(stamp), status, punch, uid))
        return out

    def _reenable(self, failure: BaseException | None) -> None:
        """Unlock the keypad after a read, even a failed one."""
        # These come from a complete exchange: the connection is in step and can still enable.
        answered = failure is None or isinstance(
            failure, CountMismatch | ZKErrorResponse | ValueError | TypeError | IndexError
        )
        if answered:
            try:
                self.conn.enable_device()
            except Exception:
                if failure is None:
                    raise
            return
        # The transfer broke the connection; a fresh, short session unlocks the device. If that
        # fails too (device gone), the next successful sync's enable_device() unlocks it.
        self.close_socket()
        try:
            z = self._new_zk(min(self.cfg["timeout"], 3.0))
            z.connect()
            try:
                z.enable_device()
                z.disconnect()
            finally:
                z._ZK__sock.close()
        except Exception:  # noqa: S110 - best effort; the original failure is what we report
            pass

    def op_enable(self) -> None:
        self.conn.enable_device()

    def op_clear_attendance(self, only_if_count: int | None = None) -> bool:
        c = self.conn
        if only_if_count is None:
            c.clear_attendance()
            return True
        # Locked from the count to the clear: a punch made in between would be wiped unstored.
        c.disable_device()
        failure: BaseException | None = None
        try:
            c.read_sizes()
            if c.records != only_if_count:
                return False
            c.clear_attendance()
            return True
        except BaseException as exc:
            failure = exc
            raise
        finally:
            self._reenable(failure)

    def op_restart(self) -> None:
        self.conn.restart()
        self.close_socket()

    def _stop_requested(self) -> bool:
        return self.chan.poll() and self.chan.recv()[0] == "stop"

    def op_live(self, timeout: float) -> None:
        c = self.conn
        if c.tcp and self.cfg.get("stream_reads", True):
            self._live_tcp(c, timeout)
            return
        deadline = time.monotonic() + timeout
        stop = False
        capture = c.live_capture(new_timeout=max(0.05, min(0.5, timeout)))
        try:
            for event in capture:
                if event is not None:
                    self.chan.send(
                        (
                            "event",
                            (str(event.user_id), event.timestamp, int(event.status), int(event.punch), _int(event.uid)),
                        )
                    )
                if not stop and self.chan.poll():
                    stop = self.chan.recv()[0] == "stop"
                if stop or time.monotonic() >= deadline:
                    # pyzk checks the flag only after a yield; the next step unregisters events.
                    c.end_live_capture = True
        finally:
            capture.close()

    def _live_tcp(self, c: ZK, timeout: float) -> None:
        """pyzk's live_capture over TCP, with every packet framed by its length.

        pyzk takes one recv() for one event; events that arrive together in one read (several
        punches in a burst, or an event right behind the REG_EVENT acknowledgement) make it
        yield one event again and again or lose the rest (F14, node-zklib #48). Same requests
        as pyzk: users for the uid map, cancel capture, start verify, enable, register; every
        event is acknowledged; unregister (and disable again if it was disabled) at the end.
        """
        users = {u.user_id: u.uid for u in c.get_users()}
        was_enabled = c.is_enabled
        c.cancel_capture()
        c.verify_user()
        if not c.is_enabled:
            c.enable_device()
        sock: socket.socket = c._ZK__sock
        packets = _TcpPackets(sock)
        code, _ = _framed_call(c, packets, const.CMD_REG_EVENT, struct.pack("<I", const.EF_ATTLOG))
        if code != const.CMD_ACK_OK:
            raise ZKErrorResponse(f"can't register for events (reply {code})")
        deadline = time.monotonic() + timeout
        sock.settimeout(max(0.05, min(0.5, timeout)))
        try:
            while time.monotonic() < deadline and not self._stop_requested():
                try:
                    code, _reply, data = packets.packet()
                except TimeoutError:
                    continue  # a partial packet stays buffered for the next read
                if code != const.CMD_REG_EVENT:
                    continue
                c._ZK__ack_ok()
                event = _live_event(c, data, users)
                if event is not None:
                    self.chan.send(("event", event))
        finally:
            sock.settimeout(self.cfg["timeout"])
        _framed_call(c, packets, const.CMD_REG_EVENT, struct.pack("<I", 0))
        if not was_enabled:
            c.disable_device()


# Realtime attendance event payloads by length (docs/ZK_PROTOCOL.md §5.4): user id (u16, u32 or 24
# ASCII bytes), verify type, punch state, 6-byte time, then padding. 52 = 52 or more.
_LIVE_LAYOUTS = {
    10: struct.Struct("<HBB6s"),
    12: struct.Struct("<IBB6s"),
    14: struct.Struct("<HBB6s4x"),
    32: struct.Struct("<24sBB6s"),
    36: struct.Struct("<24sBB6s4x"),
    37: struct.Struct("<24sBB6s5x"),
    52: struct.Struct("<24sBB6s20x"),
}


def _live_event(c: ZK, data: bytes, users: dict[str, int]) -> RecordTuple | None:
    layout = _LIVE_LAYOUTS.get(len(data)) or (_LIVE_LAYOUTS[52] if len(data) > 52 else None)
    if layout is None:
        return None  # not an attendance event (pyzk #86: other sizes)
    raw_id, status, punch, timehex = layout.unpack_from(data)
    user_id = str(raw_id) if isinstance(raw_id, int) else raw_id.split(b"\0", 1)[0].decode(errors="ignore")
    timestamp = c._ZK__decode_timehex(timehex)
    uid = users.get(user_id)
    if uid is None:
        uid = int(user_id) if user_id.isdigit() else 0
    return (user_id, timestamp, int(status), int(punch), int(uid))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _watch_parent(ppid: int) -> None:
    # If the parent dies (e.g. a Celery hard time limit killed it) don't linger on the device.
    while True:
        time.sleep(0.5)
        if os.getppid() != ppid:
            os._exit(70)


def main(argv: list[str]) -> None:
    fd, ppid = int(argv[0]), int(argv[1])
    chan = Connection(fd)
    threading.Thread(target=_watch_parent, args=(ppid,), daemon=True).start()
    zkbase.make_commkey = _make_commkey
    session = Session(chan)
    chan.send(("ready", os.getpid()))
    while True:
        try:
            op, kwargs = chan.recv()
        except (EOFError, OSError):
            break
        if op == "exit":
            break
        if op == "stop":  # a live-capture stop that arrived after the capture ended
            continue
        if op == "connect":
            # eof_guard=False leaves pyzk's own receive paths alone (tests of the hard limit).
            guarded = kwargs.pop("eof_guard", True)
            kwargs["stream_reads"] = guarded
            if guarded:
                zkbase.socket = _EofGuardSocket
        handler = getattr(session, f"op_{op}", None)
        try:
            if handler is None:
                raise InvalidArgument(f"unknown operation {op!r}")
            result = handler(**kwargs)
        except Exception as exc:
            code, message, alive = classify(exc, op, session.last_reply())
            if not alive:
                session.close_socket()
            extra = {"expected": exc.expected, "actual": exc.actual} if isinstance(exc, CountMismatch) else {}
            chan.send(("err", code, message, f"{type(exc).__name__}: {exc}", alive, extra))
            continue
        chan.send(("ok", result))
    session.close_socket()
    chan.close()


if __name__ == "__main__":
    main(sys.argv[1:])
