"""The ZK "standalone" protocol (port 4370) as devices speak it: framing, checksum, codecs.

Pure functions only, so they can be tested against the captured byte vectors in
docs/ZK_PROTOCOL.md (§1.5, §3, §5) without sockets. The simulator builds every packet
with these; nothing here knows about sessions or faults.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime

# --- commands (zk/const.py names) ------------------------------------------------------------
CMD_DB_RRQ = 7
CMD_USER_WRQ = 8
CMD_USERTEMP_RRQ = 9
CMD_USERTEMP_WRQ = 10
CMD_OPTIONS_RRQ = 11
CMD_OPTIONS_WRQ = 12
CMD_ATTLOG_RRQ = 13
CMD_CLEAR_DATA = 14
CMD_CLEAR_ATTLOG = 15
CMD_DELETE_USER = 18
CMD_DELETE_USERTEMP = 19
CMD_CLEAR_ADMIN = 20
CMD_UNLOCK = 31
CMD_CLEAR_OPLOG = 33
CMD_OPLOG_RRQ = 34
CMD_GET_FREE_SIZES = 50
CMD_ENABLE_CLOCK = 57
CMD_STARTVERIFY = 60
CMD_STARTENROLL = 61
CMD_CANCELCAPTURE = 62
CMD_STATE_RRQ = 64
CMD_WRITE_LCD = 66
CMD_CLEAR_LCD = 67
CMD_GET_PINWIDTH = 69
CMD_DOORSTATE_RRQ = 75
CMD_GET_USERTEMP = 88
CMD_SAVE_USERTEMPS = 110
CMD_DEL_USER_TEMP = 134
CMD_GET_TIME = 201
CMD_SET_TIME = 202
CMD_REG_EVENT = 500
CMD_CONNECT = 1000
CMD_EXIT = 1001
CMD_ENABLEDEVICE = 1002
CMD_DISABLEDEVICE = 1003
CMD_RESTART = 1004
CMD_POWEROFF = 1005
CMD_SLEEP = 1006
CMD_RESUME = 1007
CMD_REFRESHDATA = 1013
CMD_REFRESHOPTION = 1014
CMD_TESTVOICE = 1017
CMD_GET_VERSION = 1100
CMD_CHANGE_SPEED = 1101
CMD_AUTH = 1102
CMD_PREPARE_DATA = 1500
CMD_DATA = 1501
CMD_FREE_DATA = 1502
CMD_PREPARE_BUFFER = 1503  # "_CMD_PREPARE_BUFFER" in pyzk, CMD_DATA_WRRQ in the SDK
CMD_READ_BUFFER = 1504  # "_CMD_READ_BUFFER" in pyzk, CMD_DATA_RDY in the SDK

# --- replies ---------------------------------------------------------------------------------
CMD_ACK_OK = 2000
CMD_ACK_ERROR = 2001
CMD_ACK_DATA = 2002
CMD_ACK_RETRY = 2003
CMD_ACK_REPEAT = 2004
CMD_ACK_UNAUTH = 2005
CMD_ACK_UNKNOWN = 0xFFFF
CMD_ACK_ERROR_CMD = 0xFFFD
CMD_ACK_ERROR_INIT = 0xFFFC
CMD_ACK_ERROR_DATA = 0xFFFB

# --- realtime event flags / function codes ---------------------------------------------------
EF_ATTLOG = 1
EF_FINGER = 1 << 1
EF_ENROLLUSER = 1 << 2
EF_ENROLLFINGER = 1 << 3
EF_BUTTON = 1 << 4
EF_UNLOCK = 1 << 5
EF_VERIFY = 1 << 7
EF_FPFTR = 1 << 8
EF_ALARM = 1 << 9

FCT_ATTLOG = 1
FCT_FINGERTMP = 2
FCT_OPLOG = 4
FCT_USER = 5
FCT_SMS = 6
FCT_UDATA = 7
FCT_WORKCODE = 8

USER_DEFAULT = 0
USER_ENROLLER = 2
USER_MANAGER = 6
USER_ADMIN = 14

TCP_MAGIC_1 = 0x5050
TCP_MAGIC_2 = 0x7D82  # const.py's comment says 0x7282; the value 32130 is 0x7D82
TCP_TOP = struct.Struct("<HHI")
HEADER = struct.Struct("<4H")
USHRT_MAX = 0xFFFF

# Largest reply payload a pyzk client reads for header-only / 1024-byte / 1032-byte commands
# (docs/ZK_PROTOCOL.md §1.7). UDP datagrams larger than the client's recv() size are silently
# truncated by the kernel, so the simulator never exceeds these.
MAX_SMALL_REPLY_DATA = 1016
UDP_DATA_PACKET = 1024

COMMAND_NAMES: dict[int, str] = {
    value: name for name, value in list(globals().items()) if name.startswith("CMD_") and isinstance(value, int)
}


def command_name(code: int) -> str:
    return COMMAND_NAMES.get(code, str(code))


# --- checksum / packets ----------------------------------------------------------------------
def checksum(buf: bytes) -> int:
    """16-bit one's-complement sum of little-endian words (checksum field must be zero)."""
    if len(buf) % 2:
        buf += b"\0"
    total = sum(struct.unpack(f"<{len(buf) // 2}H", buf))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def build_packet(command: int, session_id: int, reply_id: int, data: bytes = b"") -> bytes:
    """One ZK packet (8-byte header + data) with a correct checksum; no TCP top."""
    body = HEADER.pack(command, 0, session_id, reply_id) + data
    return HEADER.pack(command, checksum(body), session_id, reply_id) + data


def tcp_wrap(packet: bytes) -> bytes:
    return TCP_TOP.pack(TCP_MAGIC_1, TCP_MAGIC_2, len(packet)) + packet


@dataclass(frozen=True)
class Packet:
    command: int
    checksum: int
    session_id: int
    reply_id: int
    data: bytes

    @property
    def checksum_ok(self) -> bool:
        body = HEADER.pack(self.command, 0, self.session_id, self.reply_id) + self.data
        return checksum(body) == self.checksum


def parse_packet(raw: bytes) -> Packet:
    if len(raw) < HEADER.size:
        raise ValueError(f"ZK packet too short ({len(raw)} bytes)")
    command, chk, session_id, reply_id = HEADER.unpack_from(raw)
    return Packet(command, chk, session_id, reply_id, bytes(raw[HEADER.size :]))


# --- comm key (commpro.c MakeKey) -------------------------------------------------------------
def make_commkey(key: int, session_id: int, ticks: int = 50) -> bytes:
    """Scramble the comm key with the session id; pyzk always uses ticks=50.

    The 32-bit wrap is deliberate: the device's C code overflows silently where pyzk's
    pack('I') raises for keys whose bit-reversal plus the session id exceeds 2**32.
    """
    k = 0
    for i in range(32):
        k = (k << 1) | ((key >> i) & 1)
    k = (k + session_id) & 0xFFFFFFFF
    b = bytes(x ^ y for x, y in zip(struct.pack("<I", k), b"ZKSO", strict=True))
    lo, hi = struct.unpack("<HH", b)
    b = struct.pack("<HH", hi, lo)
    t = ticks & 0xFF
    return bytes([b[0] ^ t, b[1] ^ t, t, b[3] ^ t])


def verify_commkey(data: bytes, key: int, session_id: int) -> bool:
    """Check a CMD_AUTH payload; ticks come from byte 2 so SDK clients with random ticks pass."""
    if len(data) < 4:
        return False
    return data[:4] == make_commkey(key, session_id, data[2])


# --- time -------------------------------------------------------------------------------------
def encode_time(t: datetime) -> int:
    """ZK packed time: every month has 31 days, years 2000-2099, naive device-local wall time."""
    if not 2000 <= t.year <= 2099:
        raise ValueError(f"ZK time cannot represent year {t.year}")
    return (
        ((t.year % 100) * 12 * 31 + (t.month - 1) * 31 + t.day - 1) * 86400 + (t.hour * 60 + t.minute) * 60 + t.second
    )


def decode_time(value: int) -> datetime:
    second = value % 60
    value //= 60
    minute = value % 60
    value //= 60
    hour = value % 24
    value //= 24
    day = value % 31 + 1
    value //= 31
    month = value % 12 + 1
    value //= 12
    # Device wall time carries no zone; the caller applies the device's time zone.
    return datetime(value + 2000, month, day, hour, minute, second)  # noqa: DTZ001


def encode_timehex(t: datetime) -> bytes:
    return bytes([t.year - 2000, t.month, t.day, t.hour, t.minute, t.second])


def decode_timehex(raw: bytes) -> datetime:
    y, mo, d, h, mi, s = raw[:6]
    return datetime(2000 + y, mo, d, h, mi, s)  # noqa: DTZ001


# --- records ----------------------------------------------------------------------------------
USER28 = struct.Struct("<HB5s8sIxBhI")
USER72 = struct.Struct("<HB8s24sIx7sx24s")
ATT8 = struct.Struct("<HB4sB")
ATT16 = struct.Struct("<I4sBB2sI")
ATT40 = struct.Struct("<H24sB4sB8s")
# MB-series 2020+ firmware: the 40-byte layout, then 9 more bytes (pyzk #174; a fork reads them
# as u32 + 5 bytes). Their meaning is not established; parsers must only skip them.
ATT49_TAIL = struct.Struct("<I5s")


@dataclass(frozen=True)
class UserRecord:
    uid: int
    user_id: str
    name: str = ""
    privilege: int = USER_DEFAULT
    password: str = ""
    group_id: str = ""
    card: int = 0


def _cstr(raw: bytes, encoding: str = "utf-8") -> str:
    return raw.split(b"\0", 1)[0].decode(encoding, errors="ignore")


def pack_user(user: UserRecord, size: int, encoding: str = "utf-8") -> bytes:
    if size == 28:
        # ZK6 stores the user id as u32 and an 8-byte name; group is a number.
        group = int(user.group_id) if user.group_id.isdigit() else 0
        return USER28.pack(
            user.uid,
            user.privilege,
            user.password.encode(encoding)[:5],
            user.name.encode(encoding)[:8],
            user.card,
            group,
            0,
            int(user.user_id),
        )
    if size == 72:
        return USER72.pack(
            user.uid,
            user.privilege,
            user.password.encode(encoding)[:8],
            user.name.encode(encoding)[:24],
            user.card,
            user.group_id.encode(encoding)[:7],
            user.user_id.encode(encoding)[:24],
        )
    raise ValueError(f"unsupported user record size {size}")


def unpack_user(raw: bytes, encoding: str = "utf-8") -> UserRecord:
    """Parse a CMD_USER_WRQ payload or a dataset entry (28 or 72 bytes)."""
    if len(raw) == 28:
        uid, priv, password, name, card, group, _tz, user_id = USER28.unpack(raw)
        return UserRecord(uid, str(user_id), _cstr(name, encoding), priv, _cstr(password, encoding), str(group), card)
    if len(raw) == 72:
        uid, priv, password, name, card, group, user_id = USER72.unpack(raw)
        return UserRecord(
            uid,
            _cstr(user_id, encoding),
            _cstr(name, encoding),
            priv,
            _cstr(password, encoding),
            _cstr(group, encoding),
            card,
        )
    raise ValueError(f"unsupported user record size {len(raw)}")


def pack_attendance(
    size: int, *, uid: int, user_id: str, timestamp: datetime, status: int, punch: int, workcode: int = 0
) -> bytes:
    t = struct.pack("<I", encode_time(timestamp))
    if size == 8:
        return ATT8.pack(uid, status, t, punch)
    if size == 16:
        return ATT16.pack(int(user_id), t, status, punch, b"\0\0", workcode)
    if size == 40:
        # [DOC] example tail: workcode u32 then 00 ff 00 00 (meaning unknown)
        return ATT40.pack(uid, user_id.encode()[:24], status, t, punch, struct.pack("<I", workcode) + b"\0\xff\0\0")
    if size == 49:
        head = ATT40.pack(uid, user_id.encode()[:24], status, t, punch, struct.pack("<I", workcode) + b"\0\xff\0\0")
        return head + ATT49_TAIL.pack(workcode, b"\x01\xff\0\0\0")
    raise ValueError(f"unsupported attendance record size {size}")


def dataset(records_bytes: bytes) -> bytes:
    """A 1503 dataset: u32 length of the records, then the records."""
    return struct.pack("<I", len(records_bytes)) + records_bytes


def pack_live_event(size: int, *, user_id: str, timestamp: datetime, status: int, punch: int) -> bytes:
    th = encode_timehex(timestamp)
    uid_bytes = user_id.encode()[:24]
    if size == 10:
        return struct.pack("<HBB6s", int(user_id), status, punch, th)
    if size == 12:
        return struct.pack("<IBB6s", int(user_id), status, punch, th)
    if size == 14:
        return struct.pack("<HBB6s4s", int(user_id), status, punch, th, b"\0" * 4)
    if size == 32:
        return struct.pack("<24sBB6s", uid_bytes, status, punch, th)
    if size == 36:
        return struct.pack("<24sBB6s4s", uid_bytes, status, punch, th, b"\0" * 4)
    if size == 37:
        return struct.pack("<24sBB6s5s", uid_bytes, status, punch, th, b"\0" * 5)
    if size == 52:
        return struct.pack("<24sBB6s20s", uid_bytes, status, punch, th, b"\0" * 20)
    raise ValueError(f"unsupported live event size {size}")


@dataclass(frozen=True)
class FreeSizes:
    users: int
    fingers: int
    records: int
    oplog: int
    admins: int
    passwords: int
    fingers_cap: int
    users_cap: int
    records_cap: int
    faces: int = 0
    faces_cap: int = 0


def pack_free_sizes(s: FreeSizes) -> bytes:
    """The 92-byte CMD_GET_FREE_SIZES block (20 int32 + 3 int32 face info), offsets per §6."""
    f = [0] * 20
    f[4], f[6], f[8], f[10], f[12], f[13] = s.users, s.fingers, s.records, s.oplog, s.admins, s.passwords
    f[14], f[15], f[16] = s.fingers_cap, s.users_cap, s.records_cap
    f[17], f[18], f[19] = s.fingers_cap - s.fingers, s.users_cap - s.users, s.records_cap - s.records
    return struct.pack("<20i", *f) + struct.pack("<3i", s.faces, 0, s.faces_cap)
