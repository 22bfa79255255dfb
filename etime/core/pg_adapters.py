"""Send aware datetimes to PostgreSQL in UTC.

Python accepts UTC offsets up to ±23:59, PostgreSQL only up to ±15:59: a filter value such as
``?updated_since=2026-01-01T00:00:00+22:00`` (a valid ISO 8601 time) made the query fail
with a 500 (found by the API fuzzing). Converting to UTC first sends the same instant in a
form PostgreSQL always accepts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def register() -> None:
    try:
        import psycopg
        from psycopg.types.datetime import DatetimeBinaryDumper, DatetimeDumper
    except ImportError:  # SQLite-only install
        return

    def _utc(obj: datetime) -> datetime:
        try:
            return obj.astimezone(UTC)
        except OverflowError:  # year 1 / 9999 at the edge: leave it to the database to refuse
            return obj

    class UtcDatetimeDumper(DatetimeDumper):
        def dump(self, obj: datetime) -> Any:
            return super().dump(_utc(obj))

    class UtcDatetimeBinaryDumper(DatetimeBinaryDumper):
        def dump(self, obj: datetime) -> Any:
            return super().dump(_utc(obj))

    psycopg.adapters.register_dumper(datetime, UtcDatetimeDumper)
    psycopg.adapters.register_dumper(datetime, UtcDatetimeBinaryDumper)
