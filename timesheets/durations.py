"""Durations typed into the week grid: ``1:30``, ``1.5``, ``1,5``, ``90m``, ``1h30``, ``1h 30m``,
``2h``. A pure function, no database and no clock; its table test is
``timesheets/tests/test_week_grid.py``.

Decimal hours use the reader's decimal separator: ``1,5`` is an hour and a half in German,
French and Italian. A point is accepted in every language (nobody logs thousands of
hours, so it cannot be a thousands separator); a comma in English is refused rather than
guessed. The result is whole minutes (decimal hours round to the nearest minute), at most
24 hours; an empty cell is 0.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

MAX_SECONDS = 24 * 3600

_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$")
_MINUTES = re.compile(r"^(\d{1,4})\s*(?:m|min|mins|minutes?)$")
_HOURS_MINUTES = re.compile(r"^(\d{1,2})\s*(?:h|hrs?|hours?|std|stunden?)\s*(?:(\d{1,3})\s*(?:m|min|mins|minutes?)?)?$")
_DECIMAL = re.compile(r"^(\d{1,2})?(?:[.,](\d{1,4}))?\s*(?:h|hrs?|hours?|std)?$")


class DurationError(ValueError):
    """A cell's text is not a duration; ``message`` is translated for the reader."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def parse_duration(text: str | None, *, decimal_separator: str = ".") -> int:
    """``text`` as seconds (whole minutes). Raises ``DurationError`` with a translated message."""
    value = (text or "").strip().lower()
    if not value:
        return 0
    minutes: int | None = None
    if match := _CLOCK.match(value):
        minutes = int(match.group(1)) * 60 + int(match.group(2))
    elif match := _MINUTES.match(value):
        minutes = int(match.group(1))
    elif match := _HOURS_MINUTES.match(value):
        minutes = int(match.group(1)) * 60 + int(match.group(2) or 0)
    elif (match := _DECIMAL.match(value)) and (match.group(1) or match.group(2)):
        if "," in value and decimal_separator != ",":
            raise DurationError(_("Use a point for decimal hours, e.g. 1.5."))
        hours = Decimal(f"{match.group(1) or 0}.{match.group(2) or 0}")
        minutes = int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if minutes is None:
        example = "1,5" if decimal_separator == "," else "1.5"
        raise DurationError(
            _("Not a duration: type hours and minutes (1:30), decimal hours (%(example)s) or minutes (90m).")
            % {"example": example}
        )
    if minutes * 60 > MAX_SECONDS:
        raise DurationError(_("At most 24 hours a day."))
    return minutes * 60


def format_duration(seconds: int) -> str:
    """Seconds as the grid shows them: ``1:30`` (partial minutes dropped), empty for 0."""
    if not seconds:
        return ""
    minutes = seconds // 60
    return f"{minutes // 60}:{minutes % 60:02d}"
