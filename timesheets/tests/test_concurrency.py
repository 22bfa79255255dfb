"""Under concurrent writes no overlap is ever stored (PostgreSQL's exclusion constraint),
and at most one timer runs per employee. Real threads, each with its own connection."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction

from timesheets.tests.conftest import MONDAY, at, iso

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 20


def run_at_once(call: Callable[[int], Any]) -> list[Any]:
    """Run ``call(i)`` in THREADS threads released together; their results in order."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call(i)
        except Exception as exc:  # reported, not swallowed: the test asserts on results
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_overlapping_writes_at_once_store_exactly_one(people: Any, catalog: Any, token_client: Any) -> None:
    from etime.core.models import AuditEvent
    from timesheets.models import TimeEntry

    clients = [token_client(people.alice) for _ in range(THREADS)]

    def store(i: int) -> Any:
        # Each overlaps every other: all contain 10:00-10:30.
        body = {
            "project": str(catalog.website.pk),
            "start": iso(MONDAY, "10:00"),
            "end": iso(MONDAY, f"10:{30 + i:02d}"),
            "description": f"writer {i}",
        }
        return clients[i].post("/api/v1/time-entries/", body)

    responses = run_at_once(store)
    statuses = Counter(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses == {201: 1, 409: THREADS - 1}, statuses
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"time_entry_overlap"}
    winner = next(r.json() for r in responses if r.status_code == 201)
    assert list(TimeEntry.objects.values_list("pk", flat=True)) == [TimeEntry.objects.get(pk=winner["id"]).pk]
    for refused in (r for r in responses if r.status_code == 409):
        assert [c["id"] for c in refused.json()["error"]["details"]["conflicts"]] == [winner["id"]]
    assert AuditEvent.objects.filter(action="time_entry.overlap_detected").count() == THREADS - 1


def test_twenty_timer_starts_at_once_leave_exactly_one_running(people: Any, catalog: Any, token_client: Any) -> None:
    from timesheets.models import TimeEntry

    clients = [token_client(people.alice) for _ in range(THREADS)]
    responses = run_at_once(lambda i: clients[i].post("/api/v1/timer/start/", {"project": str(catalog.website.pk)}))
    statuses = Counter(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses == {201: 1, 409: THREADS - 1}, statuses
    codes = {r.json()["error"]["code"] for r in responses if r.status_code == 409}
    assert codes == {"timer_already_running"}, codes
    assert TimeEntry.objects.filter(employee=people.alice, end__isnull=True).count() == 1
    assert TimeEntry.objects.count() == 1


def test_the_database_itself_refuses_an_overlapping_row(people: Any, catalog: Any, entry: Any) -> None:
    from timesheets.models import OVERLAP_CONSTRAINT, TimeEntry, make_sort_key

    stored = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    clash = TimeEntry(
        employee=people.alice, project=catalog.website, start=at(MONDAY, "09:59"), end=at(MONDAY, "11:00"), date=MONDAY
    )
    clash.sort_key = make_sort_key(clash.start, clash.id)
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        clash.save()  # straight to the table, past every service check
    assert caught.value.__cause__.diag.constraint_name == OVERLAP_CONSTRAINT  # type: ignore[union-attr]
    touching = TimeEntry(
        employee=people.alice, project=catalog.website, start=stored.end, end=at(MONDAY, "11:00"), date=MONDAY
    )
    touching.sort_key = make_sort_key(touching.start, touching.id)
    touching.save()  # [start, end) ranges: back to back is fine
    assert connection.vendor == "postgresql"


def test_a_write_that_loses_the_race_after_its_check_gets_the_409_with_the_winner(
    people: Any, catalog: Any, entry: Any, monkeypatch: Any
) -> None:
    """The check saw nothing (the winner committed just after it); the constraint refuses
    the insert, and the service answers as if its check had seen the winner."""
    from etime.core.models import AuditEvent
    from timesheets import selectors
    from timesheets.errors import TimeEntryOverlap

    winner = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    real = selectors.conflicting_entries
    calls = {"n": 0}

    def blind_first_time(**kwargs: Any) -> Any:
        calls["n"] += 1
        return [] if calls["n"] == 1 else real(**kwargs)

    monkeypatch.setattr(selectors, "conflicting_entries", blind_first_time)
    with pytest.raises(TimeEntryOverlap) as caught:
        entry(at(MONDAY, "09:30"), at(MONDAY, "10:30"))
    assert [c["id"] for c in caught.value.details["conflicts"]] == [str(winner.pk)]
    assert AuditEvent.objects.filter(action="time_entry.overlap_detected").count() == 1
