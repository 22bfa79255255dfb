"""Issue #16: a German user could not save a time entry. The date input was filled with
``30.11.2026``, which ``<input type="date">`` rejects (it shows the field empty and sends
nothing), so saving answered "This field is required". Date and time inputs carry ISO
values in every language; the browser shows them the reader's way."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from timesheets.models import TimeEntry
from timesheets.tests.conftest import at

MONDAY = date(2026, 11, 30)


def _value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag is not None, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


@pytest.fixture
def german_alice(client: Any, people: Any) -> Any:
    people.alice.user.language = "de"
    people.alice.user.save(update_fields=["language"])
    client.force_login(people.alice.user)
    return client


@pytest.mark.parametrize("language", ["de", "fr", "it", "en"])
def test_the_edit_form_carries_iso_date_and_time_values_and_saves_them(
    client: Any, people: Any, catalog: Any, entry: Any, language: str
) -> None:
    people.alice.user.language = language
    people.alice.user.save(update_fields=["language"])
    client.force_login(people.alice.user)
    mine = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), description="Draft")
    url = reverse("timesheets:entry_edit", args=[mine.pk])
    html = client.get(url).content.decode()
    assert _value(html, "date") == "2026-11-30"
    assert (_value(html, "start"), _value(html, "end")) == ("09:00", "10:00")
    # What the browser sends back is exactly what it was given.
    data = {
        "date": _value(html, "date"),
        "start": "09:00",
        "end": "10:30",
        "project": catalog.website.pk,
        "description": "Draft",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:500]
    mine.refresh_from_db()
    assert mine.end == at(MONDAY, "10:30")


def test_new_entry_and_a_days_add_entry_link_prefill_an_iso_date(german_alice: Any, people: Any, catalog: Any) -> None:
    with time_machine.travel(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), tick=False):  # 00:30 on 1 December in Zurich
        fresh = german_alice.get(reverse("timesheets:entry_new")).content.decode()
        from_link = german_alice.get(reverse("timesheets:entry_new") + "?date=2026-11-30").content.decode()
        saved = german_alice.post(
            reverse("timesheets:entry_new"),
            {
                "date": _value(from_link, "date"),
                "start": "08:00",
                "end": "09:15",
                "project": catalog.website.pk,
            },
        )
    assert _value(fresh, "date") == "2026-12-01"
    assert _value(from_link, "date") == "2026-11-30"
    assert "zwingend" not in saved.content.decode()
    assert saved.status_code == 302
    assert TimeEntry.objects.get(employee=people.alice, date=MONDAY).duration_seconds == 75 * 60
