"""Device adapters: one interface (base.DeviceAdapter) over every kind of time clock.

    from devices.adapters import ZKAdapter
    with ZKAdapter("192.168.1.201", comm_key=0, timeout=10) as clock:
        records = clock.read_attendance()      # naive device-local times

See docs/DEVICES.md for the ZK adapter's hard limits and error mapping.
"""

from __future__ import annotations

from devices.adapters.base import AttendanceRecord, DeviceAdapter, DeviceInfo, DeviceUser
from devices.adapters.errors import (
    DeviceAuthFailed,
    DeviceCountMismatch,
    DeviceError,
    DeviceProtocolError,
    DeviceTimeout,
    DeviceUnreachable,
)
from devices.adapters.zk import ZKAdapter

__all__ = [
    "AttendanceRecord",
    "DeviceAdapter",
    "DeviceAuthFailed",
    "DeviceCountMismatch",
    "DeviceError",
    "DeviceInfo",
    "DeviceProtocolError",
    "DeviceTimeout",
    "DeviceUnreachable",
    "DeviceUser",
    "ZKAdapter",
]
