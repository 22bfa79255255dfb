"""Overlap of an employee's entries (DESIGN §8): half-open ranges, the 409 listing the
conflicts, and the merge and replace resolutions with their audit events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from timesheets.tests.conftest import MONDAY, at, error_of, iso

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + timedelta(days=1)


def post(api: Any, catalog: Any, start: str, end: str | None, **extra: Any) -> Any:
    body = {
        "project": str(catalog.website.pk),
        "start": iso(MONDAY, start),
        "end": iso(MONDAY, end) if end else None,
        **extra,
    }
    return api.post("/api/v1/time-entries/", body)


# --- edges -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [("08:00", "09:00"), ("11:00", "12:00"), ("07:00", "09:00"), ("11:00", "11:01")],
)
def test_entries_touching_at_either_end_do_not_overlap(
    entry: Any, catalog: Any, alice_api: Any, start: str, end: str
) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "11:00"))
    response = post(alice_api, catalog, start, end)
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("08:59", "09:01"),  # crosses the start by a minute
        ("10:59", "11:30"),  # crosses the end by a minute
        ("09:30", "10:00"),  # inside
        ("08:00", "12:00"),  # around
        ("09:00", "11:00"),  # identical
    ],
)
def test_entries_sharing_any_time_overlap(entry: Any, catalog: Any, alice_api: Any, start: str, end: str) -> None:
    existing = entry(at(MONDAY, "09:00"), at(MONDAY, "11:00"))
    error = error_of(post(alice_api, catalog, start, end), 409, "time_entry_overlap")
    assert [c["id"] for c in error["details"]["conflicts"]] == [str(existing.pk)]


def test_a_one_second_overlap_is_an_overlap(entry: Any) -> None:
    from timesheets.errors import TimeEntryOverlap
    from timesheets.models import TimeEntry

    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    with pytest.raises(TimeEntryOverlap):
        entry(at(MONDAY, "10:00") - timedelta(seconds=1), at(MONDAY, "11:00"))
    assert TimeEntry.objects.count() == 1


def test_other_employees_entries_never_conflict(entry: Any, people: Any, catalog: Any, alice_api: Any) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "11:00"), employee=people.amir)
    assert post(alice_api, catalog, "09:00", "11:00").status_code == 201


def test_the_409_lists_every_conflict_in_full_as_the_api_shows_it(entry: Any, catalog: Any, alice_api: Any) -> None:
    first = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), description="standup")
    second = entry(at(MONDAY, "10:30"), at(MONDAY, "11:30"), description="review")
    entry(at(MONDAY, "12:00"), at(MONDAY, "13:00"))  # not in the way
    error = error_of(post(alice_api, catalog, "09:30", "11:00"), 409, "time_entry_overlap")
    conflicts = error["details"]["conflicts"]
    assert [c["id"] for c in conflicts] == [str(first.pk), str(second.pk)]  # in start order
    for conflict, stored in zip(conflicts, (first, second), strict=True):
        assert conflict == alice_api.get(f"/api/v1/time-entries/{stored.pk}/").json()
    assert error["details"]["resolutions"] == ["merge", "replace", "keep_mine", "keep_theirs"]
    assert error["details"]["differences"] == {str(first.pk): [], str(second.pk): []}
    assert "merge" in error["message"] and "keep_mine" in error["message"]


def test_a_refused_overlap_is_audited_with_the_conflicts_and_the_attempt(
    entry: Any, catalog: Any, alice_api: Any
) -> None:
    from etime.core.models import AuditEvent
    from timesheets.models import TimeEntry

    existing = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    post(alice_api, catalog, "09:30", "10:30", description="attempt")
    event = AuditEvent.objects.get(action="time_entry.overlap_detected")
    assert event.before is not None and event.after is not None
    assert [c["id"] for c in event.before["conflicts"]] == [str(existing.pk)]
    assert event.after["attempted"]["description"] == "attempt"
    assert event.after["attempted"]["start"] == "2026-03-02T08:30:00+00:00"
    assert TimeEntry.objects.count() == 1


def test_editing_an_entry_into_another_overlaps_but_not_into_itself(entry: Any, alice_api: Any) -> None:
    first = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    second = entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    # Growing an entry within its own time is no conflict with itself.
    ok = alice_api.patch(f"/api/v1/time-entries/{first.pk}/", {"start": iso(MONDAY, "08:30")})
    assert ok.status_code == 200, ok.json()
    error = error_of(
        alice_api.patch(f"/api/v1/time-entries/{first.pk}/", {"end": iso(MONDAY, "10:15")}), 409, "time_entry_overlap"
    )
    assert [c["id"] for c in error["details"]["conflicts"]] == [str(second.pk)]


def test_a_running_timer_occupies_all_time_after_its_start(entry: Any, catalog: Any, alice_api: Any) -> None:
    timer = entry(at(MONDAY, "09:00"), None)
    assert post(alice_api, catalog, "08:00", "09:00").status_code == 201  # before it: fine
    error = error_of(post(alice_api, catalog, "15:00", "16:00"), 409, "time_entry_overlap")
    assert error["details"]["conflicts"][0]["id"] == str(timer.pk)
    assert error["details"]["conflicts"][0]["end"] is None


# --- merge -----------------------------------------------------------------------------------


def test_merge_makes_one_entry_over_the_union_with_descriptions_in_start_order(
    entry: Any, catalog: Any, alice_api: Any
) -> None:
    from timesheets.models import TimeEntry, TimeEntryDeletion

    late = entry(at(MONDAY, "10:30"), at(MONDAY, "11:30"), description="review")
    early = entry(at(MONDAY, "08:30"), at(MONDAY, "09:15"), description="standup")
    response = post(alice_api, catalog, "09:00", "11:00", description="coding", resolution="merge")
    assert response.status_code == 201, response.json()
    merged = response.json()
    assert merged["start"] == "2026-03-02T07:30:00Z" and merged["end"] == "2026-03-02T10:30:00Z"
    assert merged["description"] == "standup\ncoding\nreview"
    assert merged["duration_seconds"] == 3 * 3600
    assert list(TimeEntry.objects.values_list("pk", flat=True)) == [TimeEntry.objects.get().pk]
    assert str(TimeEntry.objects.get().pk) == merged["id"]
    gone = set(TimeEntryDeletion.objects.values_list("entry_id", "reason"))
    assert gone == {(early.pk, "merged"), (late.pk, "merged")}


def test_merge_is_audited_with_the_entries_before_and_the_entry_after(entry: Any, catalog: Any, alice_api: Any) -> None:
    from etime.core.models import AuditEvent

    old = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), description="a")
    merged = post(alice_api, catalog, "09:30", "10:30", description="b", resolution="merge").json()
    event = AuditEvent.objects.get(action="time_entry.merged")
    assert event.object_id == merged["id"]
    assert event.before is not None and event.after is not None and event.actor is not None
    assert [c["id"] for c in event.before["conflicts"]] == [str(old.pk)]
    assert event.before["attempted"]["description"] == "b"
    assert event.after["description"] == "a\nb"
    assert event.after["start"].startswith("2026-03-02T08:00:00")
    assert event.actor.username == "alice@example.com"


def test_merge_with_identical_descriptions_keeps_one(entry: Any, catalog: Any, alice_api: Any) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), description="coding")
    merged = post(alice_api, catalog, "09:30", "10:30", description="coding", resolution="merge").json()
    assert merged["description"] == "coding"


def test_merge_with_a_running_timer_leaves_one_running_entry(entry: Any, catalog: Any, alice_api: Any) -> None:
    entry(at(MONDAY, "10:00"), None, description="timer")
    merged = post(alice_api, catalog, "09:00", "10:30", description="before", resolution="merge").json()
    assert merged["end"] is None and merged["start"] == "2026-03-02T08:00:00Z"
    assert alice_api.get("/api/v1/timer/").json()["entry"]["id"] == merged["id"]


def test_merge_moving_the_start_to_an_earlier_day_re_resolves_the_rate(
    people: Any, entry: Any, catalog: Any, alice_api: Any
) -> None:
    from datetime import date
    from decimal import Decimal

    from timesheets import services

    services.rate_create(
        level="project",
        target_id=catalog.website.pk,
        amount=Decimal("100.00"),
        effective_from=date(2026, 1, 1),
        actor=people.admin,
    )
    services.rate_create(
        level="project",
        target_id=catalog.website.pk,
        amount=Decimal("200.00"),
        effective_from=TUESDAY,
        actor=people.admin,
    )
    entry(at(MONDAY, "23:00"), at(TUESDAY, "01:00"))  # Monday's entry, at Monday's rate
    body = {
        "project": str(catalog.website.pk),
        "start": iso(TUESDAY, "00:30"),
        "end": iso(TUESDAY, "02:00"),
        "resolution": "merge",
    }
    merged = alice_api.post("/api/v1/time-entries/", body).json()
    assert merged["date"] == "2026-03-02" and merged["rate_applied"] == "100.00"


# --- replace ---------------------------------------------------------------------------------


def test_replace_deletes_the_conflicts_and_saves_the_new_entry(entry: Any, catalog: Any, alice_api: Any) -> None:
    from etime.core.models import AuditEvent
    from timesheets.models import TimeEntry, TimeEntryDeletion

    a = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), description="a")
    b = entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"), description="b")
    keep = entry(at(MONDAY, "11:00"), at(MONDAY, "12:00"), description="keep")
    new = post(alice_api, catalog, "09:30", "11:00", description="new", resolution="replace").json()
    assert new["description"] == "new" and new["start"] == "2026-03-02T08:30:00Z"
    assert set(TimeEntry.objects.values_list("description", flat=True)) == {"new", "keep"}
    assert set(TimeEntryDeletion.objects.values_list("entry_id", flat=True)) == {a.pk, b.pk}
    event = AuditEvent.objects.get(action="time_entry.replaced")
    assert event.before is not None and event.after is not None
    assert {c["id"] for c in event.before["conflicts"]} == {str(a.pk), str(b.pk)}
    assert event.after["id"] == new["id"]
    assert keep.pk in TimeEntry.objects.values_list("pk", flat=True)


def test_resolution_may_be_given_as_a_query_parameter(entry: Any, catalog: Any, alice_api: Any) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    body = {"project": str(catalog.website.pk), "start": iso(MONDAY, "09:30"), "end": iso(MONDAY, "10:30")}
    response = alice_api.post("/api/v1/time-entries/?resolution=replace", body)
    assert response.status_code == 201, response.json()


def test_an_unknown_resolution_is_a_validation_error(entry: Any, catalog: Any, alice_api: Any) -> None:
    response = post(alice_api, catalog, "09:00", "10:00", resolution="squash")
    assert "resolution" in error_of(response, 400, "validation_error")["details"]


def test_update_with_merge_keeps_the_edited_entrys_id(entry: Any, alice_api: Any) -> None:
    from timesheets.models import TimeEntry

    edited = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), description="x")
    entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"), description="y")
    response = alice_api.patch(f"/api/v1/time-entries/{edited.pk}/?resolution=merge", {"end": iso(MONDAY, "10:30")})
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == str(edited.pk) and response.json()["end"] == "2026-03-02T10:00:00Z"
    assert TimeEntry.objects.count() == 1 and response.json()["description"] == "x\ny"


def test_locked_conflicts_cannot_be_merged_or_replaced(entry: Any, people: Any, catalog: Any, alice_api: Any) -> None:
    from timesheets import services

    locked = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    services.time_entries_approve(entries=[locked], actor=people.bob.user)
    for resolution in ("merge", "replace"):
        error = error_of(post(alice_api, catalog, "09:30", "10:30", resolution=resolution), 409, "period_locked")
        assert error["details"]["entries"] == [str(locked.pk)]


def test_a_replayed_create_with_the_same_idempotency_key_stores_one_entry(catalog: Any, alice_api: Any) -> None:
    from timesheets.models import TimeEntry

    body = {"project": str(catalog.website.pk), "start": iso(MONDAY, "09:00"), "end": iso(MONDAY, "10:00")}
    first = alice_api.post("/api/v1/time-entries/", body, HTTP_IDEMPOTENCY_KEY="sync-42")
    again = alice_api.post("/api/v1/time-entries/", body, HTTP_IDEMPOTENCY_KEY="sync-42")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.content == first.content
    assert TimeEntry.objects.count() == 1


# --- SQLite: the check runs under the write lock ----------------------------------------------------


@pytest.mark.embedded
def test_overlap_is_refused_on_the_embedded_database_too(entry: Any, catalog: Any, alice_api: Any) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    error_of(post(alice_api, catalog, "09:59", "10:30"), 409, "time_entry_overlap")
    assert post(alice_api, catalog, "10:00", "10:30").status_code == 201
    merged = post(alice_api, catalog, "09:30", "10:15", resolution="merge").json()
    assert merged["start"] == "2026-03-02T08:00:00Z" and merged["end"] == "2026-03-02T09:30:00Z"


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_the_overlap_check_holds_the_write_lock_until_commit(people: Any, catalog: Any, entry: Any) -> None:
    """Another writer cannot slip an entry in between the check and the write."""
    import threading

    from django.db import OperationalError, connection, connections, transaction

    from timesheets import services
    from timesheets.models import TimeEntry

    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL pass relies on the exclusion constraint instead")
    stored = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    outcome: dict[str, Any] = {}

    def other_writer() -> None:
        try:
            TimeEntry.objects.filter(pk=stored.pk).update(description="sneaked in")
            outcome["wrote"] = True
        except OperationalError as exc:
            outcome["refused"] = str(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        services._serialize_writers()
        thread = threading.Thread(target=other_writer)
        thread.start()
        thread.join(timeout=30)
    assert "locked" in outcome.get("refused", ""), outcome
    stored.refresh_from_db()
    assert stored.description == ""


@pytest.mark.embedded
def test_the_database_refuses_a_second_running_timer_even_past_the_services(
    people: Any, catalog: Any, entry: Any
) -> None:
    from django.db import IntegrityError, connection, transaction

    from timesheets.models import OVERLAP_CONSTRAINT, RUNNING_TIMER_CONSTRAINT, TimeEntry, make_sort_key
    from timesheets.services import _violated_constraint

    entry(at(MONDAY, "09:00"), None)
    second = TimeEntry(employee=people.alice, project=catalog.website, start=at(MONDAY, "07:00"), end=None, date=MONDAY)
    second.sort_key = make_sort_key(second.start, second.id)
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        second.save()
    # PostgreSQL may report either constraint: two running timers also overlap.
    assert _violated_constraint(caught.value) in {RUNNING_TIMER_CONSTRAINT, OVERLAP_CONSTRAINT}
    if connection.vendor == "sqlite":
        assert _violated_constraint(caught.value) == RUNNING_TIMER_CONSTRAINT
