"""Fast value formatting for hot read paths, identical to DRF's own output."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from etime.core.errors import ValidationFailed


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


class SlugRelatedField(serializers.SlugRelatedField[Any]):
    """DRF's SlugRelatedField hands any string to the database; PostgreSQL refuses text with a
    NUL byte (a 500). Such a slug names nothing: the usual "does not exist" error."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", "\\x00"))
        return super().to_internal_value(data)


def year_param(value: str | None) -> int | None:
    """A ``?year=`` query parameter: blank means none; otherwise 1..9999, as dates allow
    (a 400 ``validation_error`` rather than Python's "year is out of range")."""
    field = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=9999)
    try:
        return field.run_validation(value or None)
    except serializers.ValidationError as exc:
        raise ValidationFailed("Not a year.", details={"year": exc.detail}) from None


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a UTC offset: a time without one means different instants to people
    in different zones, so it is refused rather than guessed."""

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str) and _is_naive_iso(value):
            raise serializers.ValidationError(
                "Give a UTC offset, e.g. 2026-03-02T09:00:00+01:00 or 2026-03-02T08:00:00Z."
            )
        return super().to_internal_value(value)


def _is_naive_iso(text: str) -> bool:
    from django.utils.dateparse import parse_datetime

    try:
        parsed = parse_datetime(text.strip())
    except ValueError:
        return False
    return parsed is not None and parsed.tzinfo is None
