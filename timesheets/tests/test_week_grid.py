"""My week's editable grid, bulk edit, copy last week and the calendar's JSON endpoints
(issue #23), through the services and Django's test client: durations typed in the
reader's language, where a typed duration lands, all-or-nothing saves with each refusal
(lock, overlap, several entries) under its cell."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from timesheets.durations import DurationError, parse_duration
from timesheets.models import EntryStatus, TimeEntry
from timesheets.tests.conftest import MONDAY, ZURICH, at

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + timedelta(days=1)
GRID_URL = reverse("timesheets:week_grid_save")


@pytest.fixture
def alice_client(client: Any, people: Any) -> Any:
    client.force_login(people.alice.user)
    return client


def _cell(project: Any, day: Any, task: Any = None) -> str:
    return f"cell_{project.pk}_{task.pk if task else 'none'}_{day.isoformat()}"


def _local(entry: TimeEntry) -> tuple[str, str]:
    assert entry.end is not None
    return entry.start.astimezone(ZURICH).strftime("%H:%M"), entry.end.astimezone(ZURICH).strftime("%H:%M")


# --- parsing ----------------------------------------------------------------------------------------------


@pytest.mark.embedded
@pytest.mark.parametrize(
    ("text", "separator", "seconds"),
    [
        ("1:30", ".", 5400),
        ("0:05", ".", 300),
        ("1.5", ".", 5400),
        ("1,5", ",", 5400),
        ("1.5", ",", 5400),
        ("90m", ".", 5400),
        ("90 min", ".", 5400),
        ("1h30", ".", 5400),
        ("1h 30m", ".", 5400),
        ("2h", ".", 7200),
        (",25", ",", 900),
        ("8", ".", 28800),
        ("0.1", ".", 360),
        ("", ".", 0),
        ("  ", ".", 0),
        ("24:00", ".", 86400),
        ("1.75h", ".", 6300),
        ("0", ".", 0),
    ],
)
def test_durations_parse_in_the_readers_format(text: str, separator: str, seconds: int) -> None:
    assert parse_duration(text, decimal_separator=separator) == seconds


@pytest.mark.embedded
@pytest.mark.parametrize(
    ("text", "separator", "says"),
    [
        ("1,5", ".", "Use a point"),
        ("abc", ".", "Not a duration"),
        ("1:75", ".", "Not a duration"),
        ("25", ".", "At most 24 hours"),
        ("1500m", ".", "At most 24 hours"),
        ("-1", ".", "Not a duration"),
        ("1:30:00", ".", "Not a duration"),
        ("1,5", ",", None),
    ],
)
def test_durations_that_are_not_durations_say_why(text: str, separator: str, says: str | None) -> None:
    if says is None:
        assert parse_duration(text, decimal_separator=separator) == 5400
        return
    with pytest.raises(DurationError) as caught:
        parse_duration(text, decimal_separator=separator)
    assert says in caught.value.message


# --- the grid service --------------------------------------------------------------------------------------


@pytest.mark.embedded
def test_a_new_cell_starts_after_the_days_last_entry_or_at_nine(people: Any, catalog: Any, entry: Any) -> None:
    from timesheets import services

    entry(at(MONDAY, "08:00"), at(MONDAY, "10:15"), project=catalog.support)
    cells = [
        services.GridCell(key="a", project=catalog.website, task=catalog.design, day=MONDAY, seconds=5400),
        services.GridCell(key="b", project=catalog.website, task=None, day=MONDAY, seconds=1800),
        services.GridCell(key="c", project=catalog.website, task=None, day=TUESDAY, seconds=3600),
    ]
    assert services.week_grid_save(employee=people.alice, cells=cells, actor=people.alice.user) == 3
    made = TimeEntry.objects.filter(employee=people.alice, project=catalog.website).order_by("start")
    assert [(e.date, e.task_id, _local(e)) for e in made] == [
        (MONDAY, catalog.design.pk, ("10:15", "11:45")),
        (MONDAY, None, ("11:45", "12:15")),
        (TUESDAY, None, ("09:00", "10:00")),
    ]


def test_changing_a_cell_moves_its_one_entrys_end_and_emptying_it_deletes_it(
    people: Any, catalog: Any, entry: Any
) -> None:
    from timesheets import services

    one = entry(at(MONDAY, "13:00"), at(MONDAY, "14:00"))
    two = entry(at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))
    services.week_grid_save(
        employee=people.alice,
        actor=people.alice.user,
        cells=[
            services.GridCell(key="m", project=catalog.website, task=None, day=MONDAY, seconds=9000),
            services.GridCell(key="t", project=catalog.website, task=None, day=TUESDAY, seconds=0),
        ],
    )
    one.refresh_from_db()
    assert _local(one) == ("13:00", "15:30") and one.duration_seconds == 9000
    assert not TimeEntry.objects.filter(pk=two.pk).exists()


@pytest.mark.embedded
def test_a_cell_with_several_entries_is_refused_and_nothing_else_is_written(
    people: Any, catalog: Any, entry: Any
) -> None:
    from timesheets import services
    from timesheets.errors import EntriesNotSaved

    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    entry(at(MONDAY, "11:00"), at(MONDAY, "12:00"))
    before = TimeEntry.objects.count()
    with pytest.raises(EntriesNotSaved) as caught:
        services.week_grid_save(
            employee=people.alice,
            actor=people.alice.user,
            cells=[
                services.GridCell(key="fine", project=catalog.support, task=None, day=TUESDAY, seconds=3600),
                services.GridCell(key="two", project=catalog.website, task=None, day=MONDAY, seconds=1800),
            ],
        )
    assert caught.value.code == "entries_not_saved"
    assert caught.value.details["items"]["two"]["code"] == "cell_has_several_entries"
    assert "fine" not in caught.value.details["items"]
    assert TimeEntry.objects.count() == before  # the fine cell was rolled back too


def test_copy_last_week_copies_at_the_same_times_and_skips_overlaps(people: Any, catalog: Any, entry: Any) -> None:
    from timesheets import services

    last = MONDAY - timedelta(days=7)
    entry(at(last, "09:00"), at(last, "11:00"), description="standup")
    entry(at(last + timedelta(days=2), "14:00"), at(last + timedelta(days=2), "15:00"))
    entry(at(MONDAY, "10:00"), at(MONDAY, "10:30"), project=catalog.support)
    copied, skipped = services.time_entries_copy_week(employee=people.alice, week_start=MONDAY, actor=people.alice.user)
    assert (copied, skipped) == (1, 1)
    wednesday = TimeEntry.objects.get(employee=people.alice, date=MONDAY + timedelta(days=2))
    assert _local(wednesday) == ("14:00", "15:00")


def test_copy_last_week_page_says_how_many_were_copied_and_skipped(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    last = MONDAY - timedelta(days=7)
    response = alice_client.post(reverse("timesheets:week_copy"), {"week": MONDAY.isoformat()}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Last week has no finished entries to copy."]

    entry(at(last, "09:00"), at(last, "11:00"))
    entry(at(last + timedelta(days=1), "09:00"), at(last + timedelta(days=1), "10:00"))
    entry(at(last + timedelta(days=2), "14:00"), at(last + timedelta(days=2), "15:00"))
    entry(at(MONDAY, "10:00"), at(MONDAY, "10:30"), project=catalog.support)
    response = alice_client.post(reverse("timesheets:week_copy"), {"week": MONDAY.isoformat()}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Copied 2 entries from last week. 1 skipped (overlapping or no longer open)."
    ]
    assert TimeEntry.objects.filter(employee=people.alice, date__gte=MONDAY).count() == 3


@pytest.mark.parametrize("route", ["timesheets:week_copy", "timesheets:week_grid_save"])
def test_a_week_outside_the_supported_range_is_refused_on_the_week_page(alice_client: Any, route: str) -> None:
    response = alice_client.post(reverse(route), {"week": "1969-12-29"}, follow=True)
    assert response.redirect_chain == [(reverse("timesheets:week"), 302)]
    assert [str(m) for m in response.context["messages"]] == ["Dates from 1970-01-01 to 2099-12-31 are supported."]


@pytest.mark.embedded
def test_bulk_update_is_all_or_nothing(people: Any, catalog: Any, entry: Any) -> None:
    from timesheets import services
    from timesheets.errors import EntriesNotSaved

    free = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), task=catalog.design)
    approved = entry(at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))
    services.time_entries_approve(entries=[approved], actor=people.bob.user)
    with pytest.raises(EntriesNotSaved) as caught:
        services.time_entries_bulk_update(
            employee=people.alice,
            entry_ids=[free.pk, approved.pk],
            actor=people.alice.user,
            project=catalog.support,
            description="moved",
        )
    assert caught.value.details["items"][str(approved.pk)]["code"] == "period_locked"
    free.refresh_from_db()
    assert (free.project, free.task, free.description) == (catalog.website, catalog.design, "")

    services.time_entries_bulk_update(
        employee=people.alice, entry_ids=[free.pk], actor=people.alice.user, project=catalog.internal, billable=True
    )
    free.refresh_from_db()
    assert (free.project, free.task, free.billable) == (catalog.internal, None, True)


# --- the grid page -----------------------------------------------------------------------------------------


def test_the_week_shows_one_editable_row_per_project_and_task(alice_client: Any, catalog: Any, entry: Any) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:30"), task=catalog.design)
    entry(at(TUESDAY, "09:00"), at(TUESDAY, "09:45"))
    text = alice_client.get(f"{reverse('timesheets:week')}?week={MONDAY.isoformat()}").content.decode()
    assert text.count('data-testid="grid-row"') == 2
    assert f'name="{_cell(catalog.website, MONDAY, catalog.design)}" value="1:30"' in text
    assert f'name="{_cell(catalog.website, TUESDAY)}" value="0:45"' in text
    assert 'data-testid="grid-new-row"' in text


def test_german_grid_takes_a_decimal_comma_and_adds_a_row(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    people.alice.user.language = "de"
    people.alice.user.save()
    response = alice_client.post(
        GRID_URL,
        {
            "week": MONDAY.isoformat(),
            "new0_project": catalog.website.pk,
            "new0_task": catalog.build.pk,
            f"new0_{MONDAY.isoformat()}": "1,5",
            f"new0_{TUESDAY.isoformat()}": "45m",
        },
    )
    assert response.status_code == 302
    made = TimeEntry.objects.filter(employee=people.alice).order_by("start")
    assert [(e.task, e.date, e.duration_seconds) for e in made] == [
        (catalog.build, MONDAY, 5400),
        (catalog.build, TUESDAY, 2700),
    ]
    page = alice_client.get(response["Location"])
    assert [str(m) for m in page.context["messages"]] == ["2 Zellen gespeichert."]


def test_an_unreadable_cell_keeps_what_was_typed_and_saves_nothing(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    name = _cell(catalog.website, MONDAY)
    response = alice_client.post(
        GRID_URL,
        {
            "week": MONDAY.isoformat(),
            name: "1,5",
            f"was_{name}": "1:00",
            f"{_cell(catalog.website, TUESDAY)}": "2",
            f"was_{_cell(catalog.website, TUESDAY)}": "",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert f'name="{name}" value="1,5"' in text and "Use a point for decimal hours" in text
    assert TimeEntry.objects.filter(employee=people.alice).count() == 1


@pytest.mark.embedded
def test_a_locked_cell_is_refused_under_it_and_the_other_cells_are_not_saved(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    from timesheets import services

    approved = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    services.time_entries_approve(entries=[approved], actor=people.bob.user)
    locked, fresh = _cell(catalog.website, MONDAY), _cell(catalog.website, TUESDAY)
    response = alice_client.post(
        GRID_URL,
        {
            "week": MONDAY.isoformat(),
            locked: "2:00",
            f"was_{locked}": "1:00",
            fresh: "1:00",
            f"was_{fresh}": "",
        },
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert f'aria-describedby="err-{locked}"' in text and "Locked:" in text
    assert f'aria-describedby="err-{fresh}"' not in text
    assert list(TimeEntry.objects.filter(employee=people.alice)) == [approved]
    approved.refresh_from_db()
    assert approved.duration_seconds == 3600 and approved.status == EntryStatus.APPROVED


def test_a_cell_growing_into_the_next_entry_names_the_overlap(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"), project=catalog.support)
    name = _cell(catalog.website, MONDAY)
    response = alice_client.post(GRID_URL, {"week": MONDAY.isoformat(), name: "1:30", f"was_{name}": "1:00"})
    assert response.status_code == 409
    assert "Overlaps time already logged (10:00–11:00)" in response.content.decode()
    assert TimeEntry.objects.get(employee=people.alice, project=catalog.website).duration_seconds == 3600


def test_a_submitted_week_shows_no_grid(alice_client: Any, people: Any, catalog: Any, entry: Any) -> None:
    from timesheets import services

    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    services.timesheet_submit(employee=people.alice, week=MONDAY, actor=people.alice.user)
    text = alice_client.get(f"{reverse('timesheets:week')}?week={MONDAY.isoformat()}").content.decode()
    assert 'data-testid="grid-row"' not in text and 'data-testid="project-total-row"' in text
    response = alice_client.post(reverse("timesheets:week_copy"), {"week": MONDAY.isoformat()})
    assert response.status_code == 302
    assert "Locked:" in alice_client.get(response["Location"]).content.decode()


def test_bulk_edit_page_changes_the_ticked_entries(alice_client: Any, people: Any, catalog: Any, entry: Any) -> None:
    one = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), description="old")
    two = entry(at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))
    untouched = entry(at(TUESDAY, "11:00"), at(TUESDAY, "12:00"))
    response = alice_client.post(
        reverse("timesheets:entries_bulk_edit"),
        {
            "week": MONDAY.isoformat(),
            "entries": [one.pk, two.pk],
            "project": catalog.website.pk,
            "task": catalog.build.pk,
            "billable": "no",
            "description": "Build sprint",
        },
    )
    assert response.status_code == 302
    for item in (one, two):
        item.refresh_from_db()
        assert (item.task, item.billable, item.description) == (catalog.build, False, "Build sprint")
    untouched.refresh_from_db()
    assert (untouched.task, untouched.billable) == (None, True)


def test_someone_elses_entry_cannot_be_bulk_edited(alice_client: Any, people: Any, catalog: Any, entry: Any) -> None:
    theirs = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), employee=people.bob)
    alice_client.post(
        reverse("timesheets:entries_bulk_edit"),
        {
            "week": MONDAY.isoformat(),
            "entries": [theirs.pk],
            "description": "mine now",
        },
    )
    theirs.refresh_from_db()
    assert theirs.description == ""


# --- calendar endpoints -------------------------------------------------------------------------------------


def test_calendar_feed_shows_entries_in_wall_clock_time_and_punches_read_only(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    from attendance.models import Punch

    made = entry(at(MONDAY, "23:00"), at(TUESDAY, "00:30"), task=catalog.design)
    Punch.objects.create(employee=people.alice, timestamp=at(MONDAY, "07:58"), source="device", direction="in")
    response = alice_client.get(
        reverse("timesheets:calendar_feed"), {"start": "2026-03-02T00:00:00Z", "end": "2026-03-09T00:00:00Z"}
    )
    assert response.status_code == 200
    events = {e["id"]: e for e in response.json()}
    assert (
        events[str(made.pk)]["start"] == "2026-03-02T23:00:00" and events[str(made.pk)]["end"] == "2026-03-03T00:30:00"
    )
    assert events[str(made.pk)]["editable"] is True and events[str(made.pk)]["title"] == "Website · Design"
    punch = next(e for e in events.values() if e["extendedProps"]["kind"] == "punch")
    assert punch["editable"] is False and punch["start"] == "2026-03-02T07:58:00" and "07:58" in punch["title"]
    bad = alice_client.get(reverse("timesheets:calendar_feed"), {"start": "soon", "end": "later"})
    assert bad.status_code == 400


def test_calendar_move_into_an_overlap_answers_the_conflict_and_the_chosen_resolution_saves(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    moving = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    other = entry(at(MONDAY, "13:00"), at(MONDAY, "14:00"), project=catalog.support)
    url = reverse("timesheets:calendar_update", args=[moving.pk])
    refused = alice_client.post(url, {"start": "2026-03-02T12:30:00Z", "end": "2026-03-02T13:30:00Z"})
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "time_entry_overlap" and body["resolutions"] == ["keep_mine", "keep_theirs"]
    assert [c["id"] for c in body["conflicts"]] == [str(other.pk)] and body["conflicts"][0]["differs"] == [
        "other project"
    ]
    moving.refresh_from_db()
    assert _local(moving) == ("09:00", "10:00")
    saved = alice_client.post(
        url, {"start": "2026-03-02T12:30:00", "end": "2026-03-02T13:30:00", "resolution": "keep_theirs"}
    )
    assert saved.status_code == 200
    moving.refresh_from_db()
    assert _local(moving) == ("12:30", "13:00")


def test_calendar_create_and_a_locked_move(alice_client: Any, people: Any, catalog: Any, entry: Any) -> None:
    from timesheets import services

    created = alice_client.post(
        reverse("timesheets:calendar_create"),
        {
            "start": "2026-03-03T08:00:00",
            "end": "2026-03-03T09:15:00",
            "project": catalog.website.pk,
            "task": catalog.design.pk,
            "description": "calendar",
        },
    )
    assert created.status_code == 201
    made = TimeEntry.objects.get(description="calendar")
    assert _local(made) == ("08:00", "09:15") and made.task == catalog.design
    services.time_entries_approve(entries=[made], actor=people.bob.user)
    moved = alice_client.post(
        reverse("timesheets:calendar_update", args=[made.pk]),
        {"start": "2026-03-03T10:00:00", "end": "2026-03-03T11:15:00"},
    )
    assert moved.status_code == 409 and moved.json()["code"] == "period_locked"
    assert "Locked" in moved.json()["message"]
    theirs = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), employee=people.bob)
    other = alice_client.post(
        reverse("timesheets:calendar_update", args=[theirs.pk]),
        {"start": "2026-03-02T10:00:00", "end": "2026-03-02T11:00:00"},
    )
    assert other.status_code == 404


# --- a zone far from UTC, near midnight ----------------------------------------------------------------------


def test_grid_and_calendar_use_the_persons_zone_far_from_utc(alice_client: Any, people: Any, catalog: Any) -> None:
    """Kiritimati is UTC+14: Monday 09:00 there is Sunday 19:00 UTC, and an entry at 23:30
    its time still counts for (and is shown on) its own day."""
    import zoneinfo

    from timesheets import services

    kiritimati = zoneinfo.ZoneInfo("Pacific/Kiritimati")
    people.alice.time_zone = "Pacific/Kiritimati"
    people.alice.save()
    services.week_grid_save(
        employee=people.alice,
        actor=people.alice.user,
        cells=[services.GridCell(key="m", project=catalog.website, task=None, day=MONDAY, seconds=3600)],
    )
    made = TimeEntry.objects.get(employee=people.alice)
    assert made.date == MONDAY and made.start.astimezone(kiritimati).strftime("%a %H:%M") == "Mon 09:00"
    assert made.start.isoformat().startswith("2026-03-01T19:00")  # Sunday in UTC

    late = alice_client.post(
        reverse("timesheets:calendar_create"),
        {
            "start": "2026-03-03T23:30:00",
            "end": "2026-03-04T00:30:00",
            "project": catalog.support.pk,
        },
    )
    assert late.status_code == 201
    entry = TimeEntry.objects.get(employee=people.alice, project=catalog.support)
    assert entry.date == TUESDAY and entry.duration_seconds == 3600
    feed = alice_client.get(reverse("timesheets:calendar_feed"), {"start": "2026-03-02", "end": "2026-03-09"}).json()
    assert {e["start"] for e in feed} == {"2026-03-02T09:00:00", "2026-03-03T23:30:00"}
    page = alice_client.get(f"{reverse('timesheets:week')}?week={MONDAY.isoformat()}").content.decode()
    assert f'name="{_cell(catalog.support, TUESDAY)}" value="1:00"' in page
