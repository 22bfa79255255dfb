"""The query parameters of the self-service pages, read in one place.

A page reads its GET parameters (a date, a month, a week, a year, an id) only through these
helpers. A missing or empty parameter means "the page's default" (``None``); anything else
must be well formed and, for dates, inside the range etime supports (``etime.core.dates``),
else the helper raises ``InvalidPageParameter``. The API reads its month and date query
parameters with the same ``*_value`` rules and answers the message as a ``validation_error``. Django answers that ``BadRequest`` with a 400
through ``bad_request`` (etime's ``handler400``): the page's frame with a message that names
the parameter and what it accepts. Without this, ``?month=9999-12`` reached date arithmetic
in the view and overflowed into a 500.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from etime.core import dates

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_YEAR = re.compile(r"\d{4}")


class InvalidPageParameter(BadRequest):
    """A page's query parameter is malformed or out of range; the message is safe to show."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        super().__init__(f"{name}: {message}")


def _raw(request: HttpRequest, name: str) -> str | None:
    value = request.GET.get(name, "")
    return value or None


def _range() -> dict[str, str]:
    return {"first": dates.SUPPORTED_FROM.isoformat(), "last": dates.SUPPORTED_UNTIL.isoformat()}


def _in_range(name: str, day: date) -> date:
    if not dates.is_supported(day):
        raise InvalidPageParameter(name, _("Dates from %(first)s to %(last)s are supported.") % _range())
    return day


def _parse(pattern: re.Pattern[str], raw: str, build: Any) -> date | None:
    match = pattern.fullmatch(raw)
    if match is None:
        return None
    try:
        built: date = build(*(int(part) for part in match.groups()))
    except ValueError:  # 2026-13, 2026-02-30, week 54
        return None
    return built


def date_param(request: HttpRequest, name: str) -> date | None:
    """``YYYY-MM-DD`` as a date within the supported range; None when missing or empty."""
    return date_value(_raw(request, name), name)


def date_value(raw: str | None, name: str) -> date | None:
    """``date_param``'s rule for a value from elsewhere (a form field posted by a button)."""
    if not raw:
        return None
    day = _parse(_DATE, raw, date)
    if day is None:
        raise InvalidPageParameter(name, _("Give a date as YYYY-MM-DD, for example 2026-03-31."))
    return _in_range(name, day)


def month_param(request: HttpRequest, name: str = "month") -> date | None:
    """``YYYY-MM`` as the first of that month, within the supported range; None when missing."""
    return month_value(_raw(request, name), name)


def month_value(raw: str | None, name: str = "month") -> date | None:
    """``month_param``'s rule for a value from elsewhere (an API query parameter)."""
    if not raw:
        return None
    first = _parse(_MONTH, raw, lambda year, month: date(year, month, 1))
    if first is None:
        raise InvalidPageParameter(name, _("Give a month as YYYY-MM, for example 2026-03."))
    return _in_range(name, first)


def week_param(request: HttpRequest, name: str = "week") -> date | None:
    """The Monday of the week named by any of its days (``YYYY-MM-DD``) or by its ISO number
    (``YYYY-Www``), within the supported range; None when missing."""
    raw = _raw(request, name)
    if raw is None:
        return None
    day = _parse(_DATE, raw, date) or _parse(_ISO_WEEK, raw, lambda year, week: date.fromisocalendar(year, week, 1))
    if day is None:
        raise InvalidPageParameter(
            name, _("Give a week as one of its days (YYYY-MM-DD) or as YYYY-Www, for example 2026-W10.")
        )
    _in_range(name, day)
    return day - timedelta(days=day.weekday())


def year_param(request: HttpRequest, name: str = "year") -> int | None:
    """A four-digit year within the supported range; None when missing."""
    raw = _raw(request, name)
    if raw is None:
        return None
    if not _YEAR.fullmatch(raw):
        raise InvalidPageParameter(name, _("Give a year as four digits, for example 2026."))
    return _in_range(name, date(int(raw), 1, 1)).year


def uuid_param(request: HttpRequest, name: str) -> uuid.UUID | None:
    """An object id (a UUID); None when missing. Whether the caller may see the object is the
    view's question."""
    raw = _raw(request, name)
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InvalidPageParameter(name, _("This is not a valid id.")) from None


def text_param(request: HttpRequest, name: str, *, max_length: int = 200) -> str:
    """Free text (a search); "" when missing. A NUL byte cannot reach PostgreSQL, so it is
    refused here rather than by the database."""
    raw = request.GET.get(name, "")
    if "\x00" in raw:
        raise InvalidPageParameter(name, _("The text contains a character that is not allowed."))
    if len(raw) > max_length:
        raise InvalidPageParameter(name, _("At most %(count)d characters.") % {"count": max_length})
    return raw


def choice_param(request: HttpRequest, name: str, choices: tuple[str, ...] | list[str], default: str) -> str:
    """One of ``choices``; ``default`` when missing."""
    raw = _raw(request, name)
    if raw is None:
        return default
    if raw not in choices:
        raise InvalidPageParameter(name, _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)})
    return raw


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """etime's 400 page (``handler400``): a refused page parameter is shown with its message in
    the site's frame; any other 400 (a suspicious Host header, a broken upload) gets Django's
    default, the same template rendered without anything from the request."""
    if isinstance(exception, InvalidPageParameter):
        context = {"parameter": exception.name, "message": exception.message, "back": request.path}
        return render(request, "400.html", context, status=400)
    return defaults.bad_request(request, exception)
