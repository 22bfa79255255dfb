"""Fast value formatting for hot read paths, identical to DRF's own output."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def iso_datetime(value: dt.datetime | None) -> str | None:
    """What DRF's DateTimeField(format='iso-8601') prints, without its per-value zone lookup.

    etime never activates a per-request time zone, so the default zone is the current one.
    """
    if value is None:
        return None
    text = value.astimezone(timezone.get_default_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def str_or_none(value: object) -> str | None:
    return str(value) if value is not None else None
