"""Issue #23, the timer: a timer stopped within its first minute is stored as a minute or
discarded as the person chose (never start == end, always editable again), ▶ continue on a
past entry, the header's one-click start and its fragment for other tabs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from timesheets.tests.conftest import MONDAY, at, error_of

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 8, 0, 20, tzinfo=UTC)  # Monday 09:00:20 in Zurich


def start(api: Any, catalog: Any, **extra: Any) -> Any:
    return api.post("/api/v1/timer/start/", {"project": str(catalog.website.pk), **extra})


@pytest.mark.embedded
def test_a_timer_stopped_after_forty_seconds_is_kept_as_one_minute_and_saves_again(
    people: Any, catalog: Any, alice_api: Any
) -> None:
    from timesheets.models import TimeEntry

    with time_machine.travel(NOW, tick=False):
        running = start(alice_api, catalog).json()
    with time_machine.travel(NOW + timedelta(seconds=40), tick=False):
        stopped = alice_api.post("/api/v1/timer/stop/")
    assert stopped.status_code == 200, stopped.content
    body = stopped.json()
    assert body["id"] == running["id"] and body["duration_seconds"] == 60
    assert body["start"] == "2026-03-02T08:00:20Z" and body["end"] == "2026-03-02T08:01:20Z"
    entry = TimeEntry.objects.get(pk=running["id"])
    assert entry.end is not None
    assert entry.end - entry.start == timedelta(minutes=1)
    # The edit page shows 09:00–09:01 and saving it again succeeds (it was "end must differ").
    client = Client()
    client.force_login(people.alice.user)
    page = client.get(f"/time/entries/{entry.pk}/").content.decode()
    assert 'value="09:00"' in page and 'value="09:01"' in page
    saved = client.post(
        f"/time/entries/{entry.pk}/",
        {
            "date": MONDAY.isoformat(),
            "start": "09:00",
            "end": "09:01",
            "project": str(catalog.website.pk),
            "task": "",
            "description": "",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    entry.refresh_from_db()
    assert (entry.start, entry.end) == (at(MONDAY, "09:00"), at(MONDAY, "09:01"))


@pytest.mark.embedded
def test_a_timer_stopped_within_a_minute_is_discarded_when_the_person_chose_so(
    people: Any, catalog: Any, alice_api: Any
) -> None:
    from etime.core.models import AuditEvent
    from timesheets.models import TimeEntry, TimeEntryDeletion

    assert alice_api.get("/api/v1/timer/preferences/").json() == {"short_timers": "keep"}
    chosen = alice_api.put("/api/v1/timer/preferences/", {"short_timers": "discard"}, format="json")
    assert chosen.status_code == 200 and chosen.json() == {"short_timers": "discard"}
    with time_machine.travel(NOW, tick=False):
        running = start(alice_api, catalog).json()
    with time_machine.travel(NOW + timedelta(seconds=59), tick=False):
        stopped = alice_api.post("/api/v1/timer/stop/")
    assert stopped.status_code == 204 and stopped.content == b""
    assert not TimeEntry.objects.filter(employee=people.alice).exists()
    assert TimeEntryDeletion.objects.get(entry_id=running["id"]).reason == "discarded"
    assert AuditEvent.objects.filter(action="time_entry.timer_discarded", object_id=running["id"]).exists()
    assert alice_api.get("/api/v1/timer/").json() == {"running": False, "entry": None}
    # A minute or more is stored as it ran, whatever the preference.
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        start(alice_api, catalog)
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        assert alice_api.post("/api/v1/timer/stop/").json()["duration_seconds"] == 60


def test_a_bad_preference_is_a_validation_error(alice_api: Any) -> None:
    error = error_of(
        alice_api.put("/api/v1/timer/preferences/", {"short_timers": "never"}, format="json"), 400, "validation_error"
    )
    assert "short_timers" in error["details"]


def test_continue_starts_a_timer_on_a_past_entrys_project_task_and_description(
    people: Any, catalog: Any, alice_api: Any, bob_api: Any, entry: Any
) -> None:
    past = entry(at(MONDAY, "07:00"), at(MONDAY, "08:00"), task=catalog.design, description="Wireframes")
    with time_machine.travel(NOW, tick=False):
        # Bob cannot continue Alice's entry: it is not there for him.
        error_of(bob_api.post("/api/v1/timer/continue/", {"entry": str(past.pk)}), 404, "not_found")
        response = alice_api.post("/api/v1/timer/continue/", {"entry": str(past.pk)})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["end"] is None and body["id"] != str(past.pk) and body["start"] == "2026-03-02T08:00:20Z"
    assert (body["project"], body["task"], body["description"]) == (
        str(catalog.website.pk),
        str(catalog.design.pk),
        "Wireframes",
    )


def test_continue_while_a_timer_runs_stops_it_and_starts_the_other(
    people: Any, catalog: Any, alice_api: Any, entry: Any
) -> None:
    from timesheets.models import TimeEntry

    past = entry(at(MONDAY, "07:00"), at(MONDAY, "08:00"), project=catalog.support, description="Tickets")
    with time_machine.travel(NOW, tick=False):
        running = start(alice_api, catalog).json()
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        response = alice_api.post("/api/v1/timer/continue/", {"entry": str(past.pk)})
    assert response.status_code == 201, response.content
    stopped = TimeEntry.objects.get(pk=running["id"])
    assert stopped.end == NOW + timedelta(minutes=10)
    assert response.json()["start"] == "2026-03-02T08:10:20Z" and response.json()["project"] == str(catalog.support.pk)


def test_the_header_offers_one_click_start_on_the_last_project_and_task(people: Any, catalog: Any, entry: Any) -> None:
    from timesheets.models import TimeEntry

    entry(at(MONDAY, "07:00"), at(MONDAY, "08:00"), task=catalog.build)
    client = Client()
    client.force_login(people.alice.user)
    with time_machine.travel(NOW, tick=False):
        home = client.get("/people/").content.decode()
        assert 'data-testid="header-start"' in home and "Website · Build" in home
        assert (
            f'name="project" value="{catalog.website.pk}"' in home and f'name="task" value="{catalog.build.pk}"' in home
        )
        started = client.post(
            "/time/timer/start/",
            {"project": str(catalog.website.pk), "task": str(catalog.build.pk), "next": "/people/"},
        )
        assert started.status_code == 302 and started["Location"] == "/people/"
    running = TimeEntry.objects.get(employee=people.alice, end__isnull=True)
    assert running.task == catalog.build
    with time_machine.travel(NOW + timedelta(seconds=75), tick=False):
        fragment = client.get("/time/timer/header/", {"next": "/people/"})
    html = fragment.content.decode()
    assert fragment.status_code == 200 and fragment["Cache-Control"] == "no-store"
    assert f'data-timer-state="{running.pk}"' in html and 'data-timer-elapsed="75"' in html and ">0:01:15<" in html
    assert 'name="next" value="/people/"' in html
    # A next pointing elsewhere is dropped rather than followed.
    assert 'name="next"' not in client.get("/time/timer/header/", {"next": "https://evil.example/"}).content.decode()


def test_the_timer_page_saves_the_short_timer_preference(people: Any, catalog: Any) -> None:
    from timesheets.models import TimerPreference

    client = Client()
    client.force_login(people.alice.user)
    page = client.get("/time/").content.decode()
    assert re.search(r'value="keep" checked data-testid="short-timers-keep"', page)
    assert client.post("/time/timer/preference/", {"short_timers": "discard"}).status_code == 302
    assert TimerPreference.objects.get(employee=people.alice).short_timers == "discard"
    assert re.search(
        r'value="discard" checked data-testid="short-timers-discard"', client.get("/time/").content.decode()
    )
    # Nonsense is refused with a message, nothing stored changes.
    client.post("/time/timer/preference/", {"short_timers": "x"})
    assert TimerPreference.objects.get(employee=people.alice).short_timers == "discard"


def test_an_offline_stop_within_a_minute_under_discard_answers_without_an_entry(people: Any, catalog: Any) -> None:
    from timesheets import services

    services.timer_preference_set(employee=people.alice, short_timers="discard", actor=people.alice.user)
    with time_machine.travel(NOW, tick=False):
        services.timer_start(employee=people.alice, project=catalog.website, actor=people.alice.user)
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        result = services.timer_offline_action(
            action="stop",
            employee=people.alice,
            actor=people.alice.user,
            data={},
            recorded_at=NOW + timedelta(seconds=10),
            device_now=NOW + timedelta(seconds=30),
            last_contact_at=None,
            device_label="phone",
        )
    assert result["outcome"] == "timer_stopped" and result["entry"] is None
