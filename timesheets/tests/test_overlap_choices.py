"""Issue #17: no billable hour moves silently. Merge and replace would book the conflicts'
time on the new entry's project, task and billability, so they are refused with
``overlap_needs_choice`` when those differ; keep_mine (trim the others) and keep_theirs
(trim mine) are the explicit choices. Through the service, the API and the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from timesheets.tests.conftest import MONDAY, ZURICH, at, error_of, iso

pytestmark = pytest.mark.django_db


def booked(employee: Any) -> list[tuple[str, str | None, bool, str, str]]:
    """The employee's entries in start order: (project, task, billable, start, end) in
    Zurich wall-clock time ("run" for a running timer)."""
    from timesheets.models import TimeEntry

    rows = []
    for e in TimeEntry.objects.filter(employee=employee).select_related("project", "task").order_by("start"):
        end = f"{e.end.astimezone(ZURICH):%H:%M}" if e.end else "run"
        rows.append(
            (e.project.name, e.task.name if e.task else None, e.billable, f"{e.start.astimezone(ZURICH):%H:%M}", end)
        )
    return rows


def seconds_by_project(employee: Any) -> dict[str, int]:
    from timesheets.models import TimeEntry

    totals: dict[str, int] = {}
    for e in TimeEntry.objects.filter(employee=employee).select_related("project"):
        totals[e.project.name] = totals.get(e.project.name, 0) + (e.duration_seconds or 0)
    return totals


# The three ways a conflict can differ; each builds (stored kwargs, new kwargs).
def _differ_project(catalog: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"project": catalog.website}, {"project": catalog.support}


def _differ_task(catalog: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"task": catalog.design}, {"task": catalog.build}


def _differ_billable(catalog: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"billable": True}, {"billable": False}


DIFFERENCES = {"project": _differ_project, "task": _differ_task, "billable": _differ_billable}


# --- service: what is refused ------------------------------------------------------------------------


@pytest.mark.parametrize("differs", sorted(DIFFERENCES))
@pytest.mark.parametrize("resolution", ["merge", "replace"])
def test_merge_or_replace_across_project_task_or_billability_is_refused_and_nothing_moves(
    people: Any, catalog: Any, entry: Any, differs: str, resolution: str
) -> None:
    from etime.core.models import AuditEvent
    from timesheets.errors import OverlapNeedsChoice

    stored_kw, new_kw = DIFFERENCES[differs](catalog)
    stored = entry(at(MONDAY, "09:00"), at(MONDAY, "12:00"), **stored_kw)
    before = booked(people.alice)
    with pytest.raises(OverlapNeedsChoice) as refused:
        entry(at(MONDAY, "11:00"), at(MONDAY, "13:00"), resolution=resolution, **new_kw)
    assert refused.value.code == "overlap_needs_choice" and refused.value.status == 409
    assert refused.value.details["differences"] == {str(stored.pk): [differs]}
    assert refused.value.details["resolutions"] == ["keep_mine", "keep_theirs"]
    assert booked(people.alice) == before
    assert AuditEvent.objects.filter(action="time_entry.overlap_detected").count() == 1


@pytest.mark.parametrize("resolution", ["merge", "replace"])
def test_same_project_task_and_billability_still_merge_or_replace(
    people: Any, catalog: Any, entry: Any, resolution: str
) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "12:00"), task=catalog.design)
    entry(at(MONDAY, "11:00"), at(MONDAY, "13:00"), task=catalog.design, resolution=resolution)
    expected = ("Website", "Design", True, "09:00" if resolution == "merge" else "11:00", "13:00")
    assert booked(people.alice) == [expected]


def test_one_differing_conflict_among_several_refuses_the_merge(people: Any, catalog: Any, entry: Any) -> None:
    from timesheets.errors import OverlapNeedsChoice

    same = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    other = entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"), project=catalog.support)
    with pytest.raises(OverlapNeedsChoice) as refused:
        entry(at(MONDAY, "09:30"), at(MONDAY, "10:30"), resolution="merge")
    assert refused.value.details["differences"] == {str(same.pk): [], str(other.pk): ["project"]}


def test_editing_an_entry_onto_another_project_cannot_merge_the_neighbour_in(
    people: Any, catalog: Any, entry: Any
) -> None:
    from timesheets import services
    from timesheets.errors import OverlapNeedsChoice

    mine = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), project=catalog.support)
    entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    with pytest.raises(OverlapNeedsChoice):
        services.time_entry_update(entry=mine, end=at(MONDAY, "10:30"), resolution="merge", actor=people.alice.user)
    assert booked(people.alice) == [
        ("Support", None, True, "09:00", "10:00"),
        ("Website", None, True, "10:00", "11:00"),
    ]


# --- service: the explicit choices -------------------------------------------------------------------


@pytest.mark.embedded  # the SQLite path too: trims and splits under its write lock
def test_keep_mine_trims_the_other_projects_entry_and_its_hours_stay_on_it(
    people: Any, catalog: Any, entry: Any
) -> None:
    """The issue's case: 09–12 on A, then 11–13 on B. Keep mine: A keeps 09–11, B has 11–13."""
    from etime.core.models import AuditEvent

    a = entry(at(MONDAY, "09:00"), at(MONDAY, "12:00"), description="A work")
    b = entry(at(MONDAY, "11:00"), at(MONDAY, "13:00"), project=catalog.support, resolution="keep_mine")
    assert booked(people.alice) == [
        ("Website", None, True, "09:00", "11:00"),
        ("Support", None, True, "11:00", "13:00"),
    ]
    assert seconds_by_project(people.alice) == {"Website": 2 * 3600, "Support": 2 * 3600}
    a.refresh_from_db()
    assert a.description == "A work" and a.rounded_seconds == 2 * 3600
    event = AuditEvent.objects.get(action="time_entry.kept_mine")
    assert event.object_id == str(b.pk)
    assert event.before is not None and event.after is not None
    assert [c["id"] for c in event.before["conflicts"]] == [str(a.pk)]
    assert [p["id"] for p in event.after["pieces"]] == [str(a.pk)]  # A's trimmed state


def test_keep_theirs_trims_mine_and_the_other_projects_hours_stay(people: Any, catalog: Any, entry: Any) -> None:
    from etime.core.models import AuditEvent

    entry(at(MONDAY, "09:00"), at(MONDAY, "12:00"))
    entry(at(MONDAY, "11:00"), at(MONDAY, "13:00"), project=catalog.support, resolution="keep_theirs")
    assert booked(people.alice) == [
        ("Website", None, True, "09:00", "12:00"),
        ("Support", None, True, "12:00", "13:00"),
    ]
    assert seconds_by_project(people.alice) == {"Website": 3 * 3600, "Support": 3600}
    assert AuditEvent.objects.filter(action="time_entry.kept_theirs").count() == 1


def test_keep_mine_inside_a_longer_entry_splits_it_around_mine(people: Any, catalog: Any, entry: Any) -> None:
    from decimal import Decimal

    from timesheets import services

    services.rate_create(
        level="project",
        target_id=catalog.website.pk,
        amount=Decimal("120.00"),
        effective_from=MONDAY - timedelta(days=30),
        actor=people.admin,
    )
    long = entry(at(MONDAY, "09:00"), at(MONDAY, "13:00"), description="Build")
    entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"), project=catalog.support, resolution="keep_mine")
    assert booked(people.alice) == [
        ("Website", None, True, "09:00", "10:00"),
        ("Support", None, True, "10:00", "11:00"),
        ("Website", None, True, "11:00", "13:00"),
    ]
    from timesheets.models import TimeEntry

    halves = list(TimeEntry.objects.filter(project=catalog.website).order_by("start"))
    assert halves[0].pk == long.pk  # the first part keeps the id
    assert [(h.description, h.rate_applied, h.rate_source) for h in halves] == [
        ("Build", Decimal("120.00"), "project")
    ] * 2


@pytest.mark.embedded  # the SQLite path too: trims and splits under its write lock
def test_keep_theirs_around_a_shorter_entry_splits_mine(people: Any, catalog: Any, entry: Any) -> None:
    entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"), project=catalog.support)
    mine = entry(at(MONDAY, "09:00"), at(MONDAY, "13:00"), description="Coding", resolution="keep_theirs")
    assert booked(people.alice) == [
        ("Website", None, True, "09:00", "10:00"),
        ("Support", None, True, "10:00", "11:00"),
        ("Website", None, True, "11:00", "13:00"),
    ]
    assert (mine.start, mine.end) == (at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    assert seconds_by_project(people.alice) == {"Website": 3 * 3600, "Support": 3600}


def test_keep_mine_over_a_whole_entry_deletes_it_with_a_tombstone(people: Any, catalog: Any, entry: Any) -> None:
    from timesheets.models import TimeEntryDeletion

    covered = entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"), project=catalog.support)
    entry(at(MONDAY, "09:00"), at(MONDAY, "12:00"), resolution="keep_mine")
    assert booked(people.alice) == [("Website", None, True, "09:00", "12:00")]
    assert list(TimeEntryDeletion.objects.values_list("entry_id", "reason")) == [(covered.pk, "trimmed")]


def test_keep_theirs_with_nothing_left_is_refused_and_not_offered(people: Any, catalog: Any, entry: Any) -> None:
    from etime.core.errors import ValidationFailed
    from timesheets.errors import TimeEntryOverlap

    entry(at(MONDAY, "09:00"), at(MONDAY, "12:00"), project=catalog.support)
    with pytest.raises(TimeEntryOverlap) as overlap:
        entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    assert overlap.value.details["resolutions"] == ["keep_mine"]
    with pytest.raises(ValidationFailed) as refused:
        entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"), resolution="keep_theirs")
    assert "resolution" in refused.value.details
    assert booked(people.alice) == [("Support", None, True, "09:00", "12:00")]


def test_a_locked_conflict_can_only_be_kept(people: Any, catalog: Any, entry: Any) -> None:
    from timesheets import services
    from timesheets.errors import PeriodLocked, TimeEntryOverlap

    locked = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    services.time_entries_approve(entries=[locked], actor=people.bob.user)
    with pytest.raises(TimeEntryOverlap) as overlap:
        entry(at(MONDAY, "09:30"), at(MONDAY, "11:00"))
    assert overlap.value.details["resolutions"] == ["keep_theirs"]
    with pytest.raises(PeriodLocked):
        entry(at(MONDAY, "09:30"), at(MONDAY, "11:00"), resolution="keep_mine")
    entry(at(MONDAY, "09:30"), at(MONDAY, "11:00"), resolution="keep_theirs")
    assert booked(people.alice) == [
        ("Website", None, True, "09:00", "10:00"),
        ("Website", None, True, "10:00", "11:00"),
    ]


@pytest.mark.embedded  # the SQLite path too: trims and splits under its write lock
def test_keep_mine_inside_a_running_timer_stops_it_before_and_restarts_it_after(
    people: Any, catalog: Any, entry: Any
) -> None:
    from timesheets import selectors

    timer = entry(at(MONDAY, "09:00"), None)
    entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"), project=catalog.support, resolution="keep_mine")
    assert booked(people.alice) == [
        ("Website", None, True, "09:00", "10:00"),
        ("Support", None, True, "10:00", "11:00"),
        ("Website", None, True, "11:00", "run"),
    ]
    running = selectors.running_timer(employee_id=people.alice.pk)
    assert running is not None and running.pk != timer.pk


def test_keep_mine_on_an_edit_keeps_the_edited_entrys_id(people: Any, catalog: Any, entry: Any) -> None:
    from timesheets import services

    mine = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), project=catalog.support)
    entry(at(MONDAY, "10:00"), at(MONDAY, "12:00"))
    saved = services.time_entry_update(
        entry=mine, end=at(MONDAY, "11:00"), resolution="keep_mine", actor=people.alice.user
    )
    assert saved.pk == mine.pk
    assert booked(people.alice) == [
        ("Support", None, True, "09:00", "11:00"),
        ("Website", None, True, "11:00", "12:00"),
    ]


# --- API ---------------------------------------------------------------------------------------------


def _body(catalog: Any, project: Any, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"project": str(project.pk), "start": iso(MONDAY, start), "end": iso(MONDAY, end), **extra}


def test_api_shows_the_difference_refuses_merge_and_keeps_hours_on_their_project(
    people: Any, catalog: Any, entry: Any, alice_api: Any
) -> None:
    a = entry(at(MONDAY, "09:00"), at(MONDAY, "12:00"))
    body = _body(catalog, catalog.support, "11:00", "13:00")
    overlap = error_of(alice_api.post("/api/v1/time-entries/", body), 409, "time_entry_overlap")
    assert overlap["details"]["differences"] == {str(a.pk): ["project"]}
    assert overlap["details"]["resolutions"] == ["keep_mine", "keep_theirs"]
    for resolution in ("merge", "replace"):
        refused = error_of(
            alice_api.post("/api/v1/time-entries/", {**body, "resolution": resolution}), 409, "overlap_needs_choice"
        )
        assert refused["details"]["differences"] == {str(a.pk): ["project"]}
        assert refused["details"]["resolutions"] == ["keep_mine", "keep_theirs"]
    assert booked(people.alice) == [("Website", None, True, "09:00", "12:00")]

    created = alice_api.post("/api/v1/time-entries/?resolution=keep_mine", body)
    assert created.status_code == 201, created.json()
    website = alice_api.get(f"/api/v1/time-entries/?project={catalog.website.pk}").json()["results"]
    support = alice_api.get(f"/api/v1/time-entries/?project={catalog.support.pk}").json()["results"]
    assert [e["duration_seconds"] for e in website] == [2 * 3600]
    assert [e["duration_seconds"] for e in support] == [2 * 3600]


def test_api_keep_theirs_on_a_patch(people: Any, catalog: Any, entry: Any, alice_api: Any) -> None:
    mine = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), billable=False)
    entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    url = f"/api/v1/time-entries/{mine.pk}/"
    error_of(alice_api.patch(url + "?resolution=merge", {"end": iso(MONDAY, "12:00")}), 409, "overlap_needs_choice")
    response = alice_api.patch(url, {"end": iso(MONDAY, "12:00"), "resolution": "keep_theirs"})
    assert response.status_code == 200, response.json()
    assert booked(people.alice) == [
        ("Website", None, False, "09:00", "10:00"),
        ("Website", None, True, "10:00", "11:00"),
        ("Website", None, False, "11:00", "12:00"),
    ]


def test_api_timer_start_over_another_projects_time_needs_a_choice(
    people: Any, catalog: Any, entry: Any, alice_api: Any
) -> None:
    from django.utils import timezone

    now = timezone.now()
    logged = entry(now - timedelta(hours=1), now + timedelta(hours=1), project=catalog.support)
    body = {"project": str(catalog.website.pk), "resolution": "merge"}
    refused = error_of(alice_api.post("/api/v1/timer/start/", body), 409, "overlap_needs_choice")
    assert refused["details"]["differences"] == {str(logged.pk): ["project"]}
    started = alice_api.post("/api/v1/timer/start/", {**body, "resolution": "keep_mine"})
    assert started.status_code == 201, started.json()
    logged.refresh_from_db()
    assert logged.project == catalog.support and logged.end is not None and logged.end <= timezone.now()


def test_api_rejects_an_unknown_resolution_naming_the_choices(catalog: Any, alice_api: Any) -> None:
    response = alice_api.post(
        "/api/v1/time-entries/?resolution=squash", _body(catalog, catalog.website, "09:00", "10:00")
    )
    error = error_of(response, 400, "validation_error")
    assert "keep_mine" in str(error["details"]["resolution"])


# --- pages -------------------------------------------------------------------------------------------


@pytest.fixture
def alice_client(client: Any, people: Any) -> Any:
    client.force_login(people.alice.user)
    return client


def test_page_marks_the_other_project_and_offers_only_keep_mine_or_theirs(
    people: Any, catalog: Any, entry: Any, alice_client: Any
) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "12:00"), description="Standup")
    data = {"date": MONDAY, "start": "11:00", "end": "13:00", "project": catalog.support.pk, "description": "Call"}
    response = alice_client.post(reverse("timesheets:entry_new"), data)
    assert response.status_code == 409
    text = response.content.decode()
    assert 'data-testid="conflict-differs-note"' in text and "(other project)" in text
    assert 'data-testid="resolve-merge"' not in text and 'data-testid="resolve-replace"' not in text
    assert 'data-testid="resolve-keep-mine"' in text and 'data-testid="resolve-keep-theirs"' in text

    # A stale or hand-made merge is refused the same way and writes nothing.
    refused = alice_client.post(reverse("timesheets:entry_new"), {**data, "resolution": "merge"})
    assert refused.status_code == 409 and 'data-testid="resolve-merge"' not in refused.content.decode()
    assert booked(people.alice) == [("Website", None, True, "09:00", "12:00")]

    saved = alice_client.post(reverse("timesheets:entry_new"), {**data, "resolution": "keep_mine"}, follow=True)
    assert saved.status_code == 200
    assert "the overlapping entries were trimmed around it" in saved.content.decode()
    assert booked(people.alice) == [
        ("Website", None, True, "09:00", "11:00"),
        ("Support", None, True, "11:00", "13:00"),
    ]


def test_page_keep_theirs_saves_only_the_free_time(people: Any, catalog: Any, entry: Any, alice_client: Any) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "12:00"), task=catalog.design)
    data = {
        "date": MONDAY,
        "start": "11:00",
        "end": "13:00",
        "project": catalog.website.pk,
        "task": catalog.build.pk,
        "resolution": "keep_theirs",
    }
    assert alice_client.post(reverse("timesheets:entry_new"), data).status_code == 302
    assert booked(people.alice) == [
        ("Website", "Design", True, "09:00", "12:00"),
        ("Website", "Build", True, "12:00", "13:00"),
    ]


def test_page_marks_another_task_and_billability(people: Any, catalog: Any, entry: Any, alice_client: Any) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "12:00"), task=catalog.design, billable=False)
    data = {"date": MONDAY, "start": "11:00", "end": "13:00", "project": catalog.website.pk, "task": catalog.build.pk}
    text = alice_client.post(reverse("timesheets:entry_new"), data).content.decode()
    assert "(other task)" in text and "(other billability)" in text and "(other project)" not in text


def test_every_tombstone_reason_the_api_writes_is_explained_in_the_admin(
    people: Any, catalog: Any, entry: Any, alice_api: Any, admin_client: Any
) -> None:
    """The reason's help text said "deleted, merged or replaced" while keep_mine writes
    ``trimmed``: it is now built from the field's choices, so a reason cannot go unexplained."""
    from timesheets.models import TimeEntryDeletion

    gone = entry(at(MONDAY, "07:00"), at(MONDAY, "08:00"))
    assert alice_api.delete(f"/api/v1/time-entries/{gone.pk}/").status_code == 204
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    merged = alice_api.post("/api/v1/time-entries/?resolution=merge", _body(catalog, catalog.website, "09:30", "10:30"))
    entry(at(MONDAY, "11:00"), at(MONDAY, "12:00"))
    replaced = alice_api.post(
        "/api/v1/time-entries/?resolution=replace", _body(catalog, catalog.website, "11:30", "12:30")
    )
    entry(at(MONDAY, "14:00"), at(MONDAY, "15:00"), project=catalog.support)
    trimmed = alice_api.post(
        "/api/v1/time-entries/?resolution=keep_mine", _body(catalog, catalog.website, "13:00", "16:00")
    )
    assert [merged.status_code, replaced.status_code, trimmed.status_code] == [201, 201, 201]

    synced = alice_api.get("/api/v1/time-entries/deletions/").json()["results"]
    assert sorted(d["reason"] for d in synced) == ["deleted", "merged", "replaced", "trimmed"]
    for tombstone in TimeEntryDeletion.objects.all():
        page = admin_client.get(f"/admin/timesheets/timeentrydeletion/{tombstone.pk}/change/")
        assert page.status_code == 200
        help_text = page.content.decode().split('class="help"', 1)[1].split("</div>", 1)[0]
        assert f"<code>{tombstone.reason}</code>:" in help_text, help_text
