"""Typed device errors with stable codes; nothing from pyzk or the socket layer leaks past an adapter.

`retryable` tells the sync pipeline whether backing off and trying again can help: a
wrong comm key won't fix itself, a timeout might.
"""

from __future__ import annotations


class DeviceError(Exception):
    code = "device_error"
    retryable = True

    def __init__(self, message: str = "", *, detail: str = "") -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        self.detail = detail  # the underlying library/socket error, for logs and the sync run

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else self.message


class DeviceUnreachable(DeviceError):
    """Nothing answers, the connection was refused, reset or closed, or the device forgot the session."""

    code = "device_unreachable"


class DeviceAuthFailed(DeviceError):
    """The device refused the comm key (CMD_AUTH answered ACK_UNAUTH): a configuration problem."""

    code = "device_auth_failed"
    retryable = False


class DeviceTimeout(DeviceError):
    """A connected device stopped answering, or a call exceeded the adapter's hard limit."""

    code = "device_timeout"
    killed = False  # True when the adapter's hard limit ended the call (not the device's own timeout)


class DeviceProtocolError(DeviceError):
    """The device answered something we cannot use: refusal codes, malformed or undecodable data."""

    code = "device_protocol_error"


class DeviceCountMismatch(DeviceError):
    """The records read differ from the count the device reported for the same (locked) log."""

    code = "device_count_mismatch"

    def __init__(self, message: str = "", *, expected: int, actual: int, detail: str = "") -> None:
        super().__init__(message or f"read {actual} records, device reports {expected}", detail=detail)
        self.expected = expected
        self.actual = actual


ERRORS_BY_CODE: dict[str, type[DeviceError]] = {
    cls.code: cls
    for cls in (
        DeviceError,
        DeviceUnreachable,
        DeviceAuthFailed,
        DeviceTimeout,
        DeviceProtocolError,
        DeviceCountMismatch,
    )
}
