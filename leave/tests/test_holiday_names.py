"""Public holidays are named in the reader's language on pages (the calendars store the
holidays package's English names); company days show as typed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import translation

from accounts.holidays import company_day_add, holidays_by_employee
from accounts.models import Location
from leave.holiday_names import holiday_name, localize_by_employee, package_language
from leave.tests.test_pages import login

pytestmark = pytest.mark.django_db
ASCENSION = date(2026, 5, 14)
CHRISTMAS = date(2026, 12, 25)


@pytest.mark.parametrize(
    ("country", "language", "name"),
    [
        ("CH", "de", "Auffahrt"),
        ("CH", "fr", "Ascension"),
        ("CH", "it", "Ascensione di Gesù"),
        ("CH", "en", "Ascension Day"),
        ("DE", "de", "Christi Himmelfahrt"),
        ("DE", "fr", "Christi Himmelfahrt"),
    ],  # no French for Germany: its own
)
def test_a_public_holiday_is_named_in_the_readers_language_or_the_regions_own(
    country: str, language: str, name: str
) -> None:
    assert holiday_name("Ascension Day", ASCENSION, country, language=language) == name


def test_the_languages_map_to_what_the_package_offers() -> None:
    assert (package_language("IT", "it"), package_language("IT", "de"), package_language("IN", "de")) == (
        "it_IT",
        "it_IT",
        "en_IN",
    )
    assert package_language("CH", "en") is None
    assert holiday_name("Staff outing", ASCENSION, "CH", language="de") == "Staff outing"  # not the package's name


def test_german_pages_show_no_stored_english_holiday_names(people: Any) -> None:
    zurich = Location.objects.create(name="Zürich", time_zone="Europe/Zurich", country="CH", subdivision="ZH")
    people.alice.location = zurich
    people.alice.save(update_fields=["location"])
    company_day_add(calendar=None, day=date(2026, 12, 24), name="Office closed", actor=people.admin)
    stored = holidays_by_employee([people.alice.pk], date(2026, 12, 1), date(2026, 12, 31))[people.alice.pk]
    assert stored[CHRISTMAS] == "Christmas Day"  # what the calendar keeps

    with translation.override("de"):
        german = localize_by_employee({people.alice.pk: stored})[people.alice.pk]
    assert (german[CHRISTMAS], german[date(2026, 12, 26)], german[date(2026, 12, 24)]) == (
        "Weihnachten",
        "Stephanstag",
        "Office closed",
    )

    people.alice.user.language = "de"
    people.alice.user.save(update_fields=["language"])
    page = login(people.alice).get("/leave/calendar/?month=2026-12").content.decode()
    assert "Weihnachten" in page and "Christmas Day" not in page


@pytest.mark.parametrize(
    ("language", "christmas", "st_stephen"),
    [
        ("de", "Weihnachten", "Stephanstag"),
        ("fr", "Noël", "Saint-Étienne"),
        ("en", "Christmas Day", "Saint Stephen's Day"),
        (None, "Christmas Day", "Saint Stephen's Day"),
    ],
)
def test_the_holidays_api_names_public_holidays_in_the_accept_language(
    people: Any, token_client: Any, language: str | None, christmas: str, st_stephen: str
) -> None:
    """The API returned the stored English names whatever the Accept-Language, while pages
    translate them; company days stay as typed."""
    admin = token_client(people.admin)
    calendar_id = admin.post(
        "/api/v1/holiday-calendars/", {"country": "CH", "subdivision": "ZH"}, format="json"
    ).json()["id"]
    admin.post(
        f"/api/v1/holiday-calendars/{calendar_id}/days/", {"date": "2026-12-24", "name": "Office closed"}, format="json"
    )
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = token_client(people.alice).get(
        f"/api/v1/holiday-calendars/{calendar_id}/days/?date_after=2026-12-24&date_before=2026-12-26", **headers
    )
    assert response.status_code == 200
    assert [(d["date"], d["name"], d["source"]) for d in response.json()] == [
        ("2026-12-24", "Office closed", "company"),
        ("2026-12-25", christmas, "generated"),
        ("2026-12-26", st_stephen, "generated"),
    ]
