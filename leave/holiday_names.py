"""Public holiday names in the reader's language.

Calendars store the ``holidays`` package's English names (``accounts.holidays``: one row
per day, whatever the reader). Pages show them in the active language instead, asking the
package again (cached per region, year and language): Swiss holidays exist in German,
French and Italian, German ones in German, French ones in French, Italian ones in Italian,
Indian ones in English and Hindi... Where the package has no translation into the reader's
language, the region's own language is shown (a German reader sees "Capodanno" for an
Italian office, as a local calendar says), never the stored English; an English reader
sees the stored name. Company days are names an admin typed: shown as typed.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from django.utils import translation


@lru_cache(maxsize=64)
def _languages(country: str) -> tuple[tuple[str, ...], str]:
    import holidays

    calendar = holidays.country_holidays(country)
    return tuple(calendar.supported_languages or ()), calendar.default_language or ""


def package_language(country: str, language: str) -> str | None:
    """The ``holidays`` language code to name ``country``'s holidays for a reader of
    ``language`` ("de", "fr", "it"): the same language if the package has it (``it_IT``
    for Italy), else the country's own. None for English readers (the stored names)."""
    base = (language or "en").split("-")[0].split("_")[0].lower()
    if base == "en":
        return None
    try:
        supported, default = _languages(country)
    except (NotImplementedError, KeyError, AttributeError):
        return None
    for code in supported:
        if code.lower() == base or code.lower().startswith(base + "_"):
            return code
    return default or None


@lru_cache(maxsize=256)
def _names(country: str, subdivision: str, year: int, language: str) -> dict[date, tuple[str, str]]:
    """{day: (English name, name in ``language``)} of one region's public holidays in one year."""
    import holidays

    english = holidays.country_holidays(country, subdiv=subdivision or None, years=year, language="en_US")
    local = holidays.country_holidays(country, subdiv=subdivision or None, years=year, language=language)
    return {day: (str(name), str(local.get(day, name))) for day, name in english.items()}


def holiday_name(name: str, day: date, country: str, subdivision: str = "", language: str | None = None) -> str:
    """``name`` (as stored for ``day`` in the region's calendar) in ``language`` (default:
    the active one). A name that is not the package's English name for that day (a
    company day) is returned as is."""
    code = package_language(country, language or translation.get_language() or "en") if country else None
    if code is None:
        return name
    try:
        english, local = _names(country.upper(), (subdivision or "").upper(), day.year, code).get(day, ("", ""))
    except (NotImplementedError, KeyError):
        return name
    return local if english and english == name else name


def localize_by_employee(
    holidays: dict[Any, dict[date, str]], language: str | None = None
) -> dict[Any, dict[date, str]]:
    """``accounts.holidays.holidays_by_employee``'s answer with every public holiday named in
    ``language`` (default: the active one), by each employee's location. One query."""
    from accounts.models import Employee

    code = language or translation.get_language() or "en"
    if not holidays or code.split("-")[0].split("_")[0].lower() == "en":
        return holidays
    regions = {
        pk: (country or "", subdivision or "")
        for pk, country, subdivision in Employee.objects.filter(pk__in=list(holidays)).values_list(
            "pk", "location__country", "location__subdivision"
        )
    }
    return {
        employee_id: {
            day: holiday_name(name, day, *regions.get(employee_id, ("", "")), language=code)
            for day, name in days.items()
        }
        for employee_id, days in holidays.items()
    }
