"""What a simulated clock holds: users, the attendance log, its clock and lock state.

Shared between the asyncio server thread and whoever drives the simulator (tests, the
management command's punch timer), so every access goes through one lock.
"""

from __future__ import annotations

import random
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from devices.simulator import protocol as p
from devices.simulator.profiles import Profile

UserRecord = p.UserRecord


@dataclass(frozen=True)
class Punch:
    """One attendance record as the device stores it (naive device-local time, whole seconds).

    Field meanings follow pyzk: `status` is the verify type (0 password, 1 fingerprint,
    2 card, 15 face), `punch` is the in/out state (0 check-in, 1 check-out, 2 break-out,
    3 break-in, 4 OT-in, 5 OT-out).
    """

    user_id: str
    timestamp: datetime
    status: int = 1
    punch: int = 0
    uid: int = 0
    workcode: int = 0


def default_users(count: int) -> list[UserRecord]:
    # user ids "1".."N" match the demo employees' device_user_id; cards match their card_number
    return [UserRecord(uid=n, user_id=str(n), name=f"Demo User {n}", card=1000 + n) for n in range(1, count + 1)]


class DeviceState:
    def __init__(
        self,
        profile: Profile,
        *,
        serial: str,
        mac: str,
        tz: str | None,
        comm_key: int = 0,
        clock_offset: float = 0.0,
    ) -> None:
        self.profile = profile
        self.lock = threading.RLock()
        self.serial = serial
        self.mac = mac
        self.tz = ZoneInfo(tz) if tz else None
        self.comm_key = comm_key
        self.clock_offset = timedelta(seconds=clock_offset)
        self.disabled = False
        self.oplog_count = 0
        self._users: dict[int, UserRecord] = {}
        self._records: list[Punch] = []
        # Encoded once on append so a 100k-record 1503 costs a bytes() copy, not 100k packs.
        self._blob = bytearray()
        self._pending: list[Punch] = []
        self.options: dict[str, str] = {}
        self.listeners: list[Callable[[Punch], None]] = []
        self.ip_address = "127.0.0.1"

    # --- clock ------------------------------------------------------------------------------
    def real_local_now(self) -> datetime:
        now = datetime.now(UTC)
        local = now.astimezone(self.tz) if self.tz else now.astimezone()
        return local.replace(tzinfo=None, microsecond=0)

    def now(self) -> datetime:
        """The device's wall clock: naive local time in its zone, plus any skew or SET_TIME offset."""
        with self.lock:
            return self.real_local_now() + self.clock_offset

    def set_time(self, device_time: datetime) -> None:
        with self.lock:
            self.clock_offset = device_time - self.real_local_now()

    # --- users ------------------------------------------------------------------------------
    def users(self) -> list[UserRecord]:
        with self.lock:
            return list(self._users.values())

    def put_user(self, user: UserRecord) -> UserRecord:
        if self.profile.user_record_size == 28 and not user.user_id.isdigit():
            raise ValueError("ZK6 (28-byte) user records hold numeric user ids only")
        with self.lock:
            # A user id lives on one uid only: re-enrolling "7" on a new uid moves it.
            for uid, existing in list(self._users.items()):
                if existing.user_id == user.user_id and uid != user.uid:
                    del self._users[uid]
            self._users[user.uid] = user
            self.oplog_count += 1
            return user

    def delete_user(self, uid: int) -> bool:
        with self.lock:
            self.oplog_count += 1
            return self._users.pop(uid, None) is not None

    def next_uid(self) -> int:
        with self.lock:
            return max(self._users, default=0) + 1

    def uid_for(self, user_id: str) -> int:
        with self.lock:
            for user in self._users.values():
                if user.user_id == user_id:
                    return user.uid
        return 0

    def users_dataset(self) -> bytes:
        size = self.profile.user_record_size
        with self.lock:
            return p.dataset(b"".join(p.pack_user(u, size) for u in self._users.values()))

    # --- attendance log ---------------------------------------------------------------------
    def records(self) -> list[Punch]:
        with self.lock:
            return list(self._records)

    @property
    def record_count(self) -> int:
        with self.lock:
            return len(self._records)

    def _encode(self, rec: Punch) -> bytes:
        return p.pack_attendance(
            self.profile.att_record_size,
            uid=rec.uid,
            user_id=rec.user_id,
            timestamp=rec.timestamp,
            status=rec.status,
            punch=rec.punch,
            workcode=rec.workcode,
        )

    def make_punch(self, user_id: str, timestamp: datetime | None, status: int, punch: int, workcode: int = 0) -> Punch:
        if timestamp is None:
            timestamp = self.now()
        if timestamp.tzinfo is not None:
            raise ValueError("device records hold naive device-local times; convert to the device's zone first")
        if self.profile.att_record_size == 16 and not str(user_id).isdigit():
            raise ValueError("16-byte attendance records hold numeric user ids only")
        # The device stores whole seconds.
        return Punch(
            str(user_id), timestamp.replace(microsecond=0), status, punch, self.uid_for(str(user_id)), workcode
        )

    def append(self, rec: Punch, *, force: bool = False) -> bool:
        """Store a punch; while disabled it waits (the keypad is locked) unless forced. True if stored."""
        with self.lock:
            if self.disabled and not force:
                self._pending.append(rec)
                return False
            encoded = self._encode(rec)  # validate before mutating
            self._records.append(rec)
            self._blob += encoded
            listeners = list(self.listeners)
        for listener in listeners:
            listener(rec)
        return True

    def extend(self, recs: Iterable[Punch]) -> None:
        with self.lock:
            for rec in recs:
                encoded = self._encode(rec)
                self._records.append(rec)
                self._blob += encoded

    def clear_attendance(self) -> None:
        with self.lock:
            self._records.clear()
            self._blob = bytearray()
            self.oplog_count += 1

    def clear_all(self) -> None:
        with self.lock:
            self._users.clear()
            self.clear_attendance()

    def attendance_dataset(self) -> bytes:
        if not self.profile.pull_attendance:
            return p.dataset(b"")  # push-only firmware: the pull protocol sees an empty log
        with self.lock:
            return p.dataset(bytes(self._blob))

    def set_enabled(self, enabled: bool) -> None:
        with self.lock:
            self.disabled = not enabled
            pending, self._pending = (self._pending, []) if enabled else ([], self._pending)
        for rec in pending:
            self.append(rec)

    # --- sizes / options --------------------------------------------------------------------
    def free_sizes(self) -> bytes:
        prof = self.profile
        with self.lock:
            users = list(self._users.values())
            records = len(self._records) if prof.pull_attendance else 0
            if prof.free_sizes_bytes < 80:
                # A one-value reply: the record count as one int32 and nothing else.
                return struct.pack("<i", records)[: prof.free_sizes_bytes]
            return p.pack_free_sizes(
                p.FreeSizes(
                    users=len(users),
                    fingers=0,
                    records=records,
                    oplog=self.oplog_count,
                    admins=sum(1 for u in users if u.privilege & 0xE == p.USER_ADMIN),
                    passwords=sum(1 for u in users if u.password),
                    fingers_cap=prof.fingers_cap,
                    users_cap=prof.users_cap,
                    records_cap=prof.records_cap,
                )
            )

    def option(self, key: str) -> str | None:
        prof = self.profile
        builtin = {
            "~SerialNumber": self.serial,
            "~Platform": prof.platform,
            "~DeviceName": prof.device_name,
            "MAC": self.mac,
            "~ZKFPVersion": str(prof.fp_version),
            "FaceFunOn": "0",
            "CompatOldFirmware": "0",
            "IPAddress": self.ip_address,
            "NetMask": "255.255.255.0",
            "GATEIPAddress": "0.0.0.0",  # noqa: S104 - an option value, nothing binds it
            "~ProductTime": "2017-06-09 10:00:00",
            "~PIN2Width": str(prof.pin_width),
            "~SSR": "1",
        }
        with self.lock:
            if key in self.options:
                return self.options[key]
        return builtin.get(key, prof.extra_options.get(key))


def random_history(users: list[UserRecord], count: int, end: datetime, days: float, rng: random.Random) -> list[Punch]:
    """`count` punches by random users spread over the `days` before `end`, oldest first."""
    if not users or count <= 0:
        return []
    span = max(int(days * 86400), count)
    offsets = (
        sorted(rng.sample(range(60, span + 60), count))
        if count <= span
        else sorted(rng.randrange(60, span + 60) for _ in range(count))
    )
    state: dict[str, int] = {}
    out = []
    for off in reversed(offsets):
        user = rng.choice(users)
        punch = state.get(user.user_id, 1) ^ 1  # alternate in/out per user
        state[user.user_id] = punch
        out.append(Punch(user.user_id, end - timedelta(seconds=off), 1, punch, user.uid))
    return out


def workday_history(users: list[UserRecord], end: datetime, days: int, rng: random.Random) -> list[Punch]:
    """Weekday in/out punches around 08:00 and 17:00 for the last `days` days before `end`."""
    out: list[Punch] = []
    for back in range(days, -1, -1):
        day = (end - timedelta(days=back)).replace(hour=0, minute=0, second=0, microsecond=0)
        if day.weekday() >= 5:
            continue
        for user in users:
            t_in = day + timedelta(hours=8, seconds=rng.randint(-45 * 60, 45 * 60))
            t_out = day + timedelta(hours=17, seconds=rng.randint(-60 * 60, 60 * 60))
            for ts, punch in ((t_in, 0), (t_out, 1)):
                if ts < end:
                    out.append(Punch(user.user_id, ts, 1, punch, user.uid))
    out.sort(key=lambda r: r.timestamp)
    return out
