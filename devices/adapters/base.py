"""The device adapter interface: what etime needs from any time clock, whatever its protocol.

Extension point: a new vendor/protocol gets a class implementing `DeviceAdapter`; the
sync pipeline only ever sees these methods, the dataclasses below and the typed errors
in `errors.py`.

Times: a clock knows only its own wall time. Every datetime crossing this interface is
*naive device-local time*; converting to and from aware datetimes with the device's time
zone is the caller's job (the Device model stores that zone). Adapters raise ValueError
for aware datetimes rather than guess.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    serial: str
    firmware: str
    platform: str
    device_name: str
    mac: str
    user_count: int
    record_count: int
    user_capacity: int = 0
    record_capacity: int = 0
    fingerprint_count: int = 0


@dataclass(frozen=True, slots=True)
class DeviceUser:
    """A user enrolled on the device. `user_id` is the PIN/badge id employees' `device_user_id` holds;
    `uid` is the device's internal slot (None when writing: the adapter picks one)."""

    user_id: str
    name: str = ""
    uid: int | None = None
    privilege: int = 0
    password: str = ""
    group_id: str = ""
    card: int = 0


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    """One punch from the device log.

    `timestamp` is naive device-local time. `status` is the verify type (0 password,
    1 fingerprint, 2 card, 15 face) and `punch` the in/out state (0 check-in, 1 check-out,
    2 break-out, 3 break-in, 4 overtime-in, 5 overtime-out), as ZK devices and pyzk name them.
    """

    user_id: str
    timestamp: datetime
    status: int
    punch: int
    uid: int = 0


class DeviceAdapter(abc.ABC):
    """One connection to one device. Use as a context manager; don't reuse after an error.

    Every method raises `errors.DeviceError` subclasses only (and ValueError for invalid
    arguments), and returns within the adapter's hard time limit.
    """

    @abc.abstractmethod
    def connect(self) -> None: ...

    @abc.abstractmethod
    def disconnect(self) -> None:
        """Close the session; never raises (a dead device is already disconnected)."""

    @abc.abstractmethod
    def info(self) -> DeviceInfo: ...

    @abc.abstractmethod
    def get_time(self) -> datetime:
        """The device clock as naive device-local time."""

    @abc.abstractmethod
    def set_time(self, device_time: datetime) -> None:
        """Set the clock; `device_time` is naive local time in the device's zone."""

    @abc.abstractmethod
    def get_users(self) -> list[DeviceUser]: ...

    @abc.abstractmethod
    def set_user(self, user: DeviceUser) -> DeviceUser:
        """Create or update by `user_id`; returns the user as stored (with its uid)."""

    @abc.abstractmethod
    def delete_user(self, user_id: str) -> bool:
        """False when no such user is enrolled."""

    @abc.abstractmethod
    def read_attendance(self) -> list[AttendanceRecord]:
        """The whole log, oldest first, read while the device is locked; checks the device's count."""

    @abc.abstractmethod
    def clear_attendance(self, *, only_if_count: int | None = None) -> bool:
        """Empty the log; with `only_if_count`, only if it holds exactly that many records
        (checked atomically on the device). Returns whether it was cleared."""

    @abc.abstractmethod
    def live_events(self, timeout: float) -> Iterator[AttendanceRecord]:
        """Punches as they happen, for `timeout` seconds; then the iterator ends."""

    def __enter__(self) -> DeviceAdapter:
        self.connect()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.disconnect()
