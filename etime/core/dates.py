"""The range of business dates etime accepts from people and integrators.

A punch, a time entry, a timesheet week or a correction dated in 1900 or in 9999 is a typo
or a broken client, never a fact; storing one poisons reports, balances and locks. Device
logs are not checked here: a clock reset to its factory date is handled by the sync.
"""

from __future__ import annotations

from datetime import date, datetime

from etime.core.errors import ValidationFailed

SUPPORTED_FROM = date(1970, 1, 1)
SUPPORTED_UNTIL = date(2099, 12, 31)
MESSAGE = f"Dates from {SUPPORTED_FROM.isoformat()} to {SUPPORTED_UNTIL.isoformat()} are supported."


def is_supported(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return SUPPORTED_FROM <= day <= SUPPORTED_UNTIL


def ensure_supported(**values: date | datetime | None) -> None:
    """Raise ``validation_error`` naming each field (keyword) whose date is out of range."""
    errors = {field: [MESSAGE] for field, value in values.items() if value is not None and not is_supported(value)}
    if errors:
        raise ValidationFailed(f"The input is invalid: {MESSAGE}", details=errors)
