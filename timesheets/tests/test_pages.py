"""The time-tracking pages through Django's test client: timer, my week, entries with the
overlap conflict, duplicate, submit, a manager's read-only view, access and query budget."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from timesheets.models import EntryStatus, TimeEntry, TimeEntryDeletion, Timesheet, TimesheetStatus, make_sort_key
from timesheets.tests.conftest import MONDAY, ZURICH, at

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + timedelta(days=1)
WEEK_URL = reverse("timesheets:week")


@pytest.fixture
def alice_client(client: Any, people: Any) -> Any:
    client.force_login(people.alice.user)
    return client


def _week(day: Any) -> str:
    return f"{WEEK_URL}?week={day.isoformat()}"


def _text(response: Any) -> str:
    return response.content.decode()


# --- timer ---------------------------------------------------------------------------------------


@pytest.mark.embedded
def test_timer_start_shows_in_the_header_everywhere_and_stop_logs_the_time(
    alice_client: Any, people: Any, catalog: Any
) -> None:
    page = alice_client.get(reverse("timesheets:timer"))
    assert page.status_code == 200
    assert 'data-testid="header-start"' in _text(page)

    response = alice_client.post(
        reverse("timesheets:timer_start"),
        {"project": catalog.website.pk, "task": catalog.design.pk, "description": "Wireframes"},
    )
    assert response.status_code == 302
    running = TimeEntry.objects.get(employee=people.alice, end__isnull=True)
    assert (running.project, running.task, running.description, running.source) == (
        catalog.website,
        catalog.design,
        "Wireframes",
        "timer",
    )

    home = _text(alice_client.get(reverse("home")))
    assert 'data-testid="header-stop"' in home and "Website · Design" in home
    assert 'data-testid="panel-running"' in home  # the home panel shows it too

    response = alice_client.post(reverse("timesheets:timer_stop"), {"next": "/people/"})
    assert response.status_code == 302 and response["Location"] == "/people/"
    running.refresh_from_db()
    assert running.end is not None and running.duration_seconds is not None
    assert 'data-testid="header-start"' in _text(alice_client.get("/people/"))


def test_timer_stop_refuses_an_offsite_next(alice_client: Any, catalog: Any) -> None:
    alice_client.post(reverse("timesheets:timer_start"), {"project": catalog.website.pk})
    response = alice_client.post(reverse("timesheets:timer_stop"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("timesheets:timer")


def test_timer_start_needs_a_project_and_a_matching_task(alice_client: Any, people: Any, catalog: Any) -> None:
    response = alice_client.post(reverse("timesheets:timer_start"), {"description": "x"})
    assert response.status_code == 400
    assert "This field is required." in _text(response)
    response = alice_client.post(
        reverse("timesheets:timer_start"), {"project": catalog.support.pk, "task": catalog.design.pk}
    )
    assert response.status_code == 400
    assert "This task belongs to another project." in _text(response)
    assert not TimeEntry.objects.filter(employee=people.alice).exists()


def test_project_picker_offers_only_projects_the_employee_may_log_on(
    alice_client: Any, people: Any, catalog: Any
) -> None:
    from timesheets import services

    services.project_save(project=catalog.support, actor=people.admin, members=[people.amir])
    text = _text(alice_client.get(reverse("timesheets:timer")))
    assert "Acme AG · Website" in text and "Acme AG · Support" not in text
    response = alice_client.post(reverse("timesheets:timer_start"), {"project": catalog.support.pk})
    assert response.status_code == 400 and "Select a valid choice" in _text(response)


def test_second_timer_start_is_refused_with_a_message(alice_client: Any, people: Any, catalog: Any) -> None:
    alice_client.post(reverse("timesheets:timer_start"), {"project": catalog.website.pk})
    response = alice_client.post(reverse("timesheets:timer_start"), {"project": catalog.support.pk}, follow=True)
    assert "A timer is already running" in _text(response)
    assert TimeEntry.objects.filter(employee=people.alice).count() == 1


def test_timer_stop_without_a_running_timer_says_so(alice_client: Any, catalog: Any) -> None:
    response = alice_client.post(reverse("timesheets:timer_stop"), follow=True)
    assert "No timer is running." in _text(response)


def test_timer_over_logged_time_shows_the_conflict_and_merges(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    now = timezone.now()
    logged = entry(now - timedelta(hours=1), now + timedelta(hours=1), description="Meeting")
    response = alice_client.post(
        reverse("timesheets:timer_start"), {"project": catalog.website.pk, "description": "Coding"}
    )
    assert response.status_code == 409
    text = _text(response)
    assert text.count('data-testid="conflict-row"') == 1 and "Meeting" in text
    assert 'value="merge"' in text and 'value="replace"' in text and reverse("timesheets:timer") in text

    response = alice_client.post(
        reverse("timesheets:timer_start"),
        {"project": catalog.website.pk, "description": "Coding", "resolution": "merge"},
    )
    assert response.status_code == 302
    merged = TimeEntry.objects.get(employee=people.alice)
    assert merged.end is None and merged.start == logged.start and merged.description == "Meeting\nCoding"


# --- entries and overlap ---------------------------------------------------------------------------


def test_new_entry_is_saved_in_the_employees_zone(alice_client: Any, people: Any, catalog: Any) -> None:
    page = alice_client.get(reverse("timesheets:entry_new") + f"?date={MONDAY}")
    assert page.status_code == 200 and f'value="{MONDAY}"' in _text(page)
    response = alice_client.post(
        reverse("timesheets:entry_new"),
        {
            "date": MONDAY,
            "start": "09:00",
            "end": "12:30",
            "project": catalog.website.pk,
            "task": catalog.build.pk,
            "description": "API",
        },
    )
    assert response.status_code == 302 and response["Location"] == _week(MONDAY)
    saved = TimeEntry.objects.get(employee=people.alice)
    assert saved.start == at(MONDAY, "09:00") and saved.end == at(MONDAY, "12:30") and saved.task == catalog.build


def test_an_end_before_the_start_means_the_next_day(alice_client: Any, people: Any, catalog: Any) -> None:
    alice_client.post(
        reverse("timesheets:entry_new"),
        {"date": MONDAY, "start": "22:00", "end": "01:00", "project": catalog.website.pk},
    )
    saved = TimeEntry.objects.get(employee=people.alice)
    assert saved.end == at(TUESDAY, "01:00") and saved.date == MONDAY and saved.duration_seconds == 3 * 3600


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "", "start": "09:00", "end": "10:00"}, "This field is required."),
        ({"date": "2026-03-02", "start": "09:00", "end": "09:00"}, "The end must differ from the start."),
        ({"date": "2026-03-02", "start": "9 o'clock", "end": "10:00"}, "Enter a valid time."),
    ],
)
def test_new_entry_validation_errors_are_shown_on_the_form(
    alice_client: Any, people: Any, catalog: Any, data: dict[str, str], message: str
) -> None:
    response = alice_client.post(reverse("timesheets:entry_new"), {**data, "project": catalog.website.pk})
    assert response.status_code == 400 and message in _text(response)
    assert not TimeEntry.objects.filter(employee=people.alice).exists()


def test_service_refusal_lands_on_the_form(alice_client: Any, people: Any, catalog: Any, entry: Any) -> None:
    from timesheets import services

    services.timesheet_submit(employee=people.alice, week=MONDAY, actor=people.alice.user)
    response = alice_client.post(
        reverse("timesheets:entry_new"),
        {"date": MONDAY, "start": "09:00", "end": "10:00", "project": catalog.website.pk},
    )
    assert response.status_code == 409 and "can no longer be changed" in _text(response)


@pytest.mark.embedded
def test_overlapping_entry_lists_conflicts_and_merge_makes_one_entry(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    first = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), description="Standup")
    second = entry(at(MONDAY, "10:30"), at(MONDAY, "11:00"), description="Review")
    data = {"date": MONDAY, "start": "09:30", "end": "10:45", "project": catalog.website.pk, "description": "Call"}
    response = alice_client.post(reverse("timesheets:entry_new"), data)
    assert response.status_code == 409
    text = _text(response)
    assert text.count('data-testid="conflict-row"') == 2 and "Standup" in text and "Review" in text
    assert 'data-testid="resolve-cancel"' in text and _week(MONDAY).replace("?", "?") in text
    assert 'data-testid="resolve-merge"' in text and 'data-testid="conflict-differs"' not in text
    assert TimeEntry.objects.filter(employee=people.alice).count() == 2  # nothing written yet

    response = alice_client.post(reverse("timesheets:entry_new"), {**data, "resolution": "merge"})
    assert response.status_code == 302
    merged = TimeEntry.objects.get(employee=people.alice)
    assert (merged.start, merged.end, merged.project) == (at(MONDAY, "09:00"), at(MONDAY, "11:00"), catalog.website)
    assert merged.description == "Standup\nCall\nReview"
    assert set(TimeEntryDeletion.objects.values_list("entry_id", flat=True)) == {first.pk, second.pk}


def test_replace_deletes_the_conflicts_and_saves_the_new_entry(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), description="Old")
    data = {"date": MONDAY, "start": "09:30", "end": "10:30", "project": catalog.website.pk, "resolution": "replace"}
    assert alice_client.post(reverse("timesheets:entry_new"), data).status_code == 302
    [kept] = TimeEntry.objects.filter(employee=people.alice)
    assert (kept.start, kept.end, kept.description) == (at(MONDAY, "09:30"), at(MONDAY, "10:30"), "")


def test_edit_own_entry_and_overlap_on_edit(alice_client: Any, people: Any, catalog: Any, entry: Any) -> None:
    mine = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), description="Draft")
    entry(at(MONDAY, "11:00"), at(MONDAY, "12:00"), description="Later")
    page = alice_client.get(reverse("timesheets:entry_edit", args=[mine.pk]))
    text = _text(page)
    assert page.status_code == 200 and 'value="09:00"' in text and 'value="10:00"' in text and "Draft" in text

    url = reverse("timesheets:entry_edit", args=[mine.pk])
    data = {"date": MONDAY, "start": "09:00", "end": "11:30", "project": catalog.website.pk, "description": "Draft"}
    assert alice_client.post(url, data).status_code == 409
    assert alice_client.post(url, {**data, "end": "10:45"}).status_code == 302
    mine.refresh_from_db()
    assert mine.end == at(MONDAY, "10:45")


def test_locked_and_running_entries_are_not_editable(alice_client: Any, people: Any, catalog: Any, entry: Any) -> None:
    from timesheets import services

    done = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    services.timesheet_submit(employee=people.alice, week=MONDAY, actor=people.alice.user)
    response = alice_client.get(reverse("timesheets:entry_edit", args=[done.pk]), follow=True)
    assert "can no longer be changed" in _text(response)
    response = alice_client.post(reverse("timesheets:entry_delete", args=[done.pk]), follow=True)
    assert "can no longer be changed" in _text(response) and TimeEntry.objects.filter(pk=done.pk).exists()

    running = services.timer_start(employee=people.alice, project=catalog.website, actor=people.alice.user)
    response = alice_client.get(reverse("timesheets:entry_edit", args=[running.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("timesheets:timer")


def test_delete_own_entry(alice_client: Any, people: Any, catalog: Any, entry: Any) -> None:
    mine = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    response = alice_client.post(reverse("timesheets:entry_delete", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == _week(MONDAY)
    assert not TimeEntry.objects.filter(pk=mine.pk).exists()
    assert alice_client.get(reverse("timesheets:entry_delete", args=[mine.pk])).status_code == 405


@pytest.mark.parametrize("viewer", ["alice", "bob", "dave"])
def test_someone_elses_entry_is_404_even_for_their_manager(
    client: Any, people: Any, catalog: Any, entry: Any, viewer: str
) -> None:
    amirs = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), employee=people.amir)
    client.force_login(getattr(people, viewer).user)
    assert client.get(reverse("timesheets:entry_edit", args=[amirs.pk])).status_code == 404
    data = {"date": MONDAY, "start": "08:00", "end": "10:00", "project": catalog.website.pk}
    assert client.post(reverse("timesheets:entry_edit", args=[amirs.pk]), data).status_code == 404
    assert client.post(reverse("timesheets:entry_delete", args=[amirs.pk])).status_code == 404
    amirs.refresh_from_db()
    assert amirs.start == at(MONDAY, "09:00")


def test_pages_need_login_and_an_employee_record(client: Any, people: Any) -> None:
    response = client.get(reverse("timesheets:week"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(people.admin)  # olivia: an admin login without an employee record
    assert client.get(reverse("timesheets:timer")).status_code == 404
    home = client.get(reverse("home"))
    assert home.status_code == 200 and 'data-testid="nav-timer"' not in _text(home)


# --- my week -------------------------------------------------------------------------------------


@pytest.mark.embedded
def test_week_shows_entries_and_totals_per_day_and_project(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "11:00"), description="Monday work")
    entry(at(MONDAY, "13:00"), at(MONDAY, "13:30"), project=catalog.support)
    entry(at(TUESDAY, "09:00"), at(TUESDAY, "10:15"))
    entry(at(MONDAY - timedelta(days=1), "09:00"), at(MONDAY - timedelta(days=1), "10:00"), description="Last week")
    response = alice_client.get(_week(TUESDAY))
    assert response.status_code == 200
    context = response.context
    assert context["week_start"] == MONDAY
    assert [r["seconds"] for r in context["day_rows"]] == [9000, 4500, 0, 0, 0, 0, 0]
    assert context["week_seconds"] == 13500 and context["expected_seconds"] == 5 * 8 * 3600
    totals = {r["project"].name: (r["cells"], r["total"]) for r in context["project_rows"]}
    assert totals == {"Website": ([7200, 4500, 0, 0, 0, 0, 0], 11700), "Support": ([1800, 0, 0, 0, 0, 0, 0], 1800)}
    text = _text(response)
    assert "Monday work" in text and "Last week" not in text
    assert 'data-testid="week-total"><strong>3:45</strong>' in text
    assert text.count('data-testid="entry-edit"') == 3


def test_week_parameter_errors_are_a_400_that_says_so(alice_client: Any) -> None:
    for value in ("2026-02-30", "soon", "0001-01-01", "2026-W54"):
        response = alice_client.get(f"{WEEK_URL}?week={value}")
        assert response.status_code == 400 and response.context["parameter"] == "week", value
    assert alice_client.get(f"{WEEK_URL}?week=2026-W10").context["week_start"].isoformat() == "2026-03-02"


@pytest.mark.embedded
def test_submit_week_locks_it(alice_client: Any, people: Any, catalog: Any, entry: Any) -> None:
    done = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    response = alice_client.post(reverse("timesheets:week_submit"), {"week": TUESDAY}, follow=True)
    assert "Week submitted for approval." in _text(response)
    sheet = Timesheet.objects.get(employee=people.alice, week_start=MONDAY)
    assert sheet.status == TimesheetStatus.SUBMITTED
    done.refresh_from_db()
    assert done.status == EntryStatus.SUBMITTED
    text = _text(alice_client.get(_week(MONDAY)))
    assert 'data-testid="week-submit"' not in text and 'data-testid="entry-edit"' not in text
    assert 'data-testid="add-entry"' not in text
    response = alice_client.post(reverse("timesheets:week_submit"), {"week": MONDAY}, follow=True)
    assert "already submitted" in _text(response)


def test_submit_refused_while_a_timer_runs_and_without_a_week(alice_client: Any, people: Any, catalog: Any) -> None:
    from timesheets import services

    services.timer_start(employee=people.alice, project=catalog.website, actor=people.alice.user)
    today = timezone.now().astimezone(ZURICH).date()
    page = _text(alice_client.get(WEEK_URL))
    assert 'data-testid="week-submit"' not in page and "Stop the running timer" in page
    response = alice_client.post(reverse("timesheets:week_submit"), {"week": today}, follow=True)
    assert "A timer is running in this week" in _text(response)
    response = alice_client.post(reverse("timesheets:week_submit"), {"week": "nope"}, follow=True)
    assert "Choose a week to submit." in _text(response)
    assert not Timesheet.objects.filter(employee=people.alice, status=TimesheetStatus.SUBMITTED).exists()


def test_duplicate_copies_the_day_before_skipping_overlaps(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), description="Standup", task=catalog.design)
    entry(at(MONDAY, "14:00"), at(MONDAY, "15:00"), description="Afternoon")
    entry(at(TUESDAY, "14:30"), at(TUESDAY, "16:00"), description="Already there")
    response = alice_client.post(reverse("timesheets:duplicate_day"), {"day": TUESDAY}, follow=True)
    text = _text(response)
    assert "Copied 1 entry from the day before." in text and "1 skipped" in text
    copied = TimeEntry.objects.get(employee=people.alice, date=TUESDAY, description="Standup")
    assert (copied.start, copied.end, copied.task) == (at(TUESDAY, "09:00"), at(TUESDAY, "10:00"), catalog.design)

    response = alice_client.post(reverse("timesheets:duplicate_day"), {"day": MONDAY}, follow=True)
    assert "The day before has no finished entries to copy." in _text(response)


def test_duplicating_onto_a_day_out_of_range_or_malformed_says_so_and_copies_nothing(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    for day, message in (
        ("0001-01-01", "Dates from 1970-01-01 to 2099-12-31"),
        ("9999-12-31", "2099-12-31"),
        ("soon", "YYYY-MM-DD"),
    ):
        response = alice_client.post(reverse("timesheets:duplicate_day"), {"day": day}, follow=True)
        assert response.status_code == 200 and message in _text(response), day
    assert TimeEntry.objects.filter(employee=people.alice).count() == 1


# --- a team member's week ------------------------------------------------------------------------


def test_manager_sees_a_reports_week_read_only(client: Any, people: Any, catalog: Any, entry: Any) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), description="Alice's work")
    client.force_login(people.bob.user)
    own = _text(client.get(WEEK_URL))
    assert 'data-testid="team-picker"' in own and "Able, Alice" in own and "Deal, Dave" not in own

    picked = client.get(WEEK_URL, {"employee": people.alice.pk, "week": MONDAY})
    url = reverse("timesheets:employee_week", args=[people.alice.pk])
    assert picked.status_code == 302 and picked["Location"] == f"{url}?week={MONDAY}"
    response = client.get(picked["Location"])
    text = _text(response)
    assert response.status_code == 200 and "Week of Alice Able" in text and "Alice&#x27;s work" in text
    assert 'data-testid="entry-edit"' not in text and 'data-testid="week-submit"' not in text
    assert 'data-testid="add-entry"' not in text
    # carla manages bob, who manages alice: transitively visible
    client.force_login(people.carla.user)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("viewer", "target"), [("alice", "amir"), ("dave", "alice"), ("mona", "alice"), ("alice", "bob")]
)
def test_week_of_someone_outside_my_team_is_404(client: Any, people: Any, viewer: str, target: str) -> None:
    client.force_login(getattr(people, viewer).user)
    assert client.get(reverse("timesheets:employee_week", args=[getattr(people, target).pk])).status_code == 404


def test_my_own_employee_week_url_redirects_to_my_week(alice_client: Any, people: Any) -> None:
    response = alice_client.get(reverse("timesheets:employee_week", args=[people.alice.pk]) + f"?week={MONDAY}")
    assert response.status_code == 302 and response["Location"] == _week(MONDAY)
    assert alice_client.get(WEEK_URL, {"employee": "not-a-uuid"}).status_code == 400
    assert alice_client.get(WEEK_URL, {"employee": uuid.uuid4()}).status_code == 302  # then 404 at the target


# --- home panel ----------------------------------------------------------------------------------


def test_home_panel_shows_hours_this_week_against_expected(
    alice_client: Any, people: Any, catalog: Any, entry: Any
) -> None:
    today = timezone.now().astimezone(ZURICH).date()
    entry(at(today, "01:00"), at(today, "02:30"))
    response = alice_client.get(reverse("home"))
    panel = next(p for p in response.context["panels"] if p["template"] == "timesheets/home_panel.html")["context"]
    assert panel["logged_seconds"] == 5400
    assert panel["expected_seconds"] == 40 * 3600
    text = _text(response)
    assert "1:30 of 40:00 hours logged" in text and 'data-testid="nav-week"' in text


# --- query budget ----------------------------------------------------------------------------------


def _bulk_entries(employee: Any, project: Any, days: list[Any], per_day: int) -> None:
    rows = []
    for day in days:
        for n in range(per_day):
            start = at(day, "00:00") + timedelta(minutes=3 * n)
            entry_id = uuid.uuid4()
            rows.append(
                TimeEntry(
                    id=entry_id,
                    employee=employee,
                    project=project,
                    start=start,
                    end=start + timedelta(minutes=2),
                    date=day,
                    duration_seconds=120,
                    rounded_seconds=120,
                    description=f"bulk {n}",
                    rate_currency="CHF",
                    sort_key=make_sort_key(start, entry_id),
                )
            )
    TimeEntry.objects.bulk_create(rows, batch_size=1000)


@pytest.fixture
def big_team(people: Any, catalog: Any) -> Any:
    """bob manages 300 more people; alice has 1,400 entries in the week of MONDAY."""
    from accounts.models import Employee
    from timesheets.models import Client, Project

    Employee.objects.bulk_create(
        [Employee(code=f"T{n:04d}", first_name=f"Temp{n}", last_name="Worker", manager=people.bob) for n in range(300)]
    )
    client_ = Client.objects.create(name="Many", currency="CHF")
    Project.objects.bulk_create([Project(client=client_, name=f"P{n}") for n in range(200)])
    days = [MONDAY + timedelta(days=n) for n in range(7)]
    _bulk_entries(people.alice, catalog.website, days, per_day=200)
    return people


def test_every_page_stays_under_30_queries_with_a_big_team(
    client: Any, big_team: Any, catalog: Any, entry: Any, django_assert_max_num_queries: Any
) -> None:
    from timesheets import services

    people = big_team
    entry(at(MONDAY + timedelta(days=8), "09:00"), at(MONDAY + timedelta(days=8), "10:00"))
    services.timer_start(employee=people.alice, project=catalog.website, actor=people.alice.user)
    client.force_login(people.alice.user)
    some_entry = TimeEntry.objects.filter(employee=people.alice, date=MONDAY + timedelta(days=8)).first()
    assert some_entry is not None
    pages = [
        _week(MONDAY),
        reverse("timesheets:timer"),
        reverse("timesheets:entry_new"),
        reverse("timesheets:entry_edit", args=[some_entry.pk]),
    ]
    for url in pages:
        with django_assert_max_num_queries(30):
            response = client.get(url)
        assert response.status_code == 200, url
    week = client.get(_week(MONDAY))
    assert week.context["week_seconds"] == 1400 * 120

    client.force_login(people.bob.user)
    for url in (_week(MONDAY), reverse("timesheets:employee_week", args=[people.alice.pk]) + f"?week={MONDAY}"):
        with django_assert_max_num_queries(30):
            response = client.get(url)
        assert response.status_code == 200
    assert response.content.decode().count('data-testid="entry-row"') == 1400
    assert len(response.context["team"]) == 302  # alice, amir and the 300


def test_header_widget_and_home_panel_are_cheap(
    rf: Any, big_team: Any, catalog: Any, django_assert_max_num_queries: Any
) -> None:
    """The widget runs on every page: the employee and one query for the timer. The home
    page belongs to every app; this app's panel keeps to a handful whatever the data."""
    from accounts.models import User
    from timesheets import services, views

    services.timer_start(employee=big_team.alice, project=catalog.website, actor=big_team.alice.user)
    request = rf.get("/")
    request.user = User.objects.get(pk=big_team.alice.user.pk)
    with django_assert_max_num_queries(2):
        html = views.header_widget(request)
    assert html is not None and "Website" in html
    with django_assert_max_num_queries(8):
        panel = views.home_panel(request)
    assert panel is not None and panel["context"]["running"].project == catalog.website
