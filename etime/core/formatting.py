"""One way to show dates, times, durations, money and day balances.

Every page, e-mail and PDF formats through these functions (templates through the
``etime_format`` filters, which wrap them), so a date looks the same on every page:

- dates and times in the active language's formats (Django's ``SHORT_DATE_FORMAT``,
  ``TIME_FORMAT``...; ``etime/formats`` puts English on the 24-hour clock) and in the
  active time zone (the viewer's, activated by ``ViewerTimeZoneMiddleware``);
- durations as hours and minutes, ``7:05``, in pages; decimal hours (``7.08``) only in
  exports, where a spreadsheet sums them, under a heading that says "hours";
- money with its currency, the number in the language's separators (German the Swiss
  way: ``1'234.50 CHF``);
- day balances (leave) without trailing zeros: ``25``, ``2.5``, ``0``.

Formatting never raises on a value it does not understand: it returns it as text (or ""
for None), so a page with one odd value still renders.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import formats, numberformat, timezone, translation
from django.utils.dateformat import format as date_format

# Money per language: (decimal separator, thousands separator, currency after the number).
# German is the Swiss way (docs/ARCHITECTURE.md "Translations": one German catalog, written
# for Switzerland): amounts as 1'234.50 CHF, as Swiss invoices print them, while other German
# numbers (a balance of 2,5 days) keep Django's "de" separators. French and Italian keep
# Django's separators with the currency after. A language not listed: its Django separators,
# currency first (English: CHF 1,234.50).
_MONEY = {"de": (".", "'", True), "fr": (None, None, True), "it": (None, None, True)}


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return _local(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def date_local(value: Any, format_name: str = "SHORT_DATE_FORMAT") -> str:
    """A date (or the local date of an aware datetime) in the language's short format:
    ``02.03.2026`` in German, ``03/02/2026`` in English. ``format_name`` may name another
    Django format (``DATE_FORMAT`` for "2. März 2026")."""
    if value is None or value == "":
        return ""
    day = _as_date(value)
    if day is None:
        return str(value)
    return formats.date_format(day, format_name)


def time_local(value: Any) -> str:
    """The local time of an aware datetime (or a time) on the 24-hour clock: ``23:30``."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return formats.time_format(_local(value), "TIME_FORMAT")
    if isinstance(value, time):
        return formats.time_format(value, "TIME_FORMAT")
    return str(value)


def datetime_local(value: Any) -> str:
    """Date and time, local: ``07.12.2026 00:51`` in German, ``12/07/2026 00:51`` in English."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return formats.date_format(_local(value), "SHORT_DATETIME_FORMAT")
    return date_local(value)


def _seconds(value: Any, unit: str) -> int | None:
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    factor = {"s": 1, "seconds": 1, "min": 60, "minutes": 60, "h": 3600, "hours": 3600}.get(unit)
    if factor is None:
        return None
    return int((number * factor).to_integral_value())


def duration(value: Any, unit: str = "seconds") -> str:
    """A length of time as hours and minutes, ``7:05`` (``-0:30`` when negative).

    ``value`` is seconds, or minutes/hours with ``unit`` ("min", "h"), or a timedelta.
    Partial minutes are dropped (a timer at 59 s shows ``0:00``, as a stopwatch would)."""
    if value is None or value == "":
        return ""
    seconds = _seconds(value, unit)
    if seconds is None:
        return str(value)
    sign = "-" if seconds < 0 else ""
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"


def hours_decimal(value: Any, unit: str = "seconds") -> str:
    """Decimal hours with two places, ``7.08``, for exports only (half-up, as money)."""
    seconds = _seconds(value, unit)
    if seconds is None:
        return ""
    return str((Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"))


def money(value: Any, currency: str = "") -> str:
    """An amount with its currency in the language's way: ``CHF 1,234.50`` in English,
    ``1'234.50 CHF`` in German (Swiss), ``1 234,50 CHF`` in French, ``1.234,50 CHF`` in
    Italian (the spaces are non-breaking)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    except (InvalidOperation, ValueError):
        return str(value)
    language = (translation.get_language() or "en").split("-")[0]
    decimal_sep, thousand_sep, after = _MONEY.get(language, (None, None, False))
    number = numberformat.format(
        amount,
        decimal_sep or formats.get_format("DECIMAL_SEPARATOR"),
        decimal_pos=2,
        grouping=formats.get_format("NUMBER_GROUPING"),
        thousand_sep=thousand_sep or formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
        use_l10n=True,
    )
    if not currency:
        return number
    return f"{number}\u00a0{currency}" if after else f"{currency}\u00a0{number}"


def days(value: Any) -> str:
    """A balance in days without trailing zeros, in the language's separators: ``25``,
    ``2.5`` (``2,5`` in German), ``0`` (never ``0.00`` beside ``25``)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if number == number.to_integral_value():
        return formats.number_format(number.to_integral_value(), decimal_pos=0, use_l10n=True)
    normalized = number.normalize()
    places = max(0, -int(normalized.as_tuple().exponent))
    return formats.number_format(normalized, decimal_pos=places, use_l10n=True)


def month_label(value: Any) -> str:
    """A month as words, ``November 2026`` (``November 2026`` / ``novembre 2026``), from a
    date or a ``YYYY-MM`` string."""
    if value is None or value == "":
        return ""
    day = _as_date(value)
    if day is None and isinstance(value, str):
        day = _as_date(f"{value}-01")
    if day is None:
        return str(value)
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def weekday_label(value: Any) -> str:
    """The day with its weekday, ``Monday, 7 December`` style per language (``l, j F`` is
    not Django-localised, so the language's ``MONTH_DAY_FORMAT`` is used after the weekday)."""
    day = _as_date(value)
    if day is None:
        return "" if value in (None, "") else str(value)
    return f"{date_format(day, 'l')}, {formats.date_format(day, 'MONTH_DAY_FORMAT')}"
