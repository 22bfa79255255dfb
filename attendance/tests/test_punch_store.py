"""The punch writer's two ways (attendance.services.punch_store): PostgreSQL's COPY path and
the portable executemany path give a clock's user the same result — the same punches stored,
the same counts, the same audit rows, the same days marked dirty with the same versions.

On PostgreSQL both paths run here on one scenario; on SQLite (and MariaDB) the portable path
is the only one and the tests marked ``embedded`` check it there."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction

from accounts.models import Location
from accounts.services import employee_update
from attendance import partitions
from attendance.models import DirtyDay, Punch, PunchSource
from attendance.services import PunchInput, punch_store, punches_ingest
from attendance.services.punch_store import PunchRow, insert_device_punches, lock_device
from etime.core.models import AuditEvent

NOW = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
DEVICE = uuid.UUID("00000000-0000-4000-8000-00000000c0b1")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def badges(people: Any) -> Any:
    """Alice ("7") in Kolkata, Amir ("8") on Zurich's zone through his location, Dave ("9") at
    a site whose clocks may not attribute punches; "99" is nobody's badge."""
    employee_update(employee=people.alice, actor=people.admin, device_user_id="7", time_zone="Asia/Kolkata")
    employee_update(employee=people.amir, actor=people.admin, device_user_id="8", time_zone="")
    no_clocks = Location.objects.create(name="Depot", time_zone="Europe/Zurich", punch_from_devices=False)
    employee_update(employee=people.dave, actor=people.admin, device_user_id="9", location=no_clocks)
    return people


def scenario() -> list[tuple[int, int, int, int, list[tuple[Any, datetime]]]]:
    """A sync's worth of batches: a first chunk, then one repeating part of it with new
    records, in-batch repeats, a night across Zurich's spring change, an unknown badge, a
    badge refused by its site and an old month (no partition: the default one takes it)."""
    march = date(2026, 3, 28)
    first = [
        PunchInput(device_user_id="7", timestamp=at(march, 2, 30)),  # Kolkata: 08:00 on the 28th
        PunchInput(device_user_id="7", timestamp=at(march, 19, 0)),  # Kolkata: 00:30 on the 29th
        PunchInput(device_user_id="8", timestamp=at(march, 22, 45)),  # Zurich: 23:45 on the 28th
        PunchInput(device_user_id="8", timestamp=at(march + timedelta(days=1), 0, 30)),  # 02:30 CEST
        PunchInput(device_user_id="99", timestamp=at(march, 8, 0)),
        PunchInput(device_user_id="9", timestamp=at(march, 7, 0), direction="in", raw_state=0, verify_mode=15),
    ]
    second = [
        *first[1:4],  # stored already
        PunchInput(device_user_id="8", timestamp=at(march, 22, 45)),  # and again, within the batch
        PunchInput(device_user_id="8", timestamp=at(march + timedelta(days=2), 16, 0), direction="out", raw_state=1),
        PunchInput(device_user_id="7", timestamp=at(date(2019, 11, 30), 20, 0)),  # an old log: Kolkata's 1 Dec
        PunchInput(device_user_id="99", timestamp=at(march, 8, 0)),
    ]
    results = []
    for batch in (first, second, second):
        result = punches_ingest(device_id=DEVICE, records=batch, source=PunchSource.DEVICE)
        results.append((result.fetched, result.created, result.duplicates, result.unmapped, result.touched))
    return results


def outcome(results: Any) -> dict[str, Any]:
    return {
        "results": results,
        "punches": sorted(
            Punch.objects.filter(device_id=DEVICE).values_list(
                "device_user_id",
                "timestamp",
                "employee_id",
                "source",
                "direction",
                "raw_state",
                "verify_mode",
                "note",
                "created_at",
                "created_by_id",
                "regularisation_id",
            )
        ),
        "dirty": sorted(DirtyDay.objects.values_list("employee_id", "date", "version", "marked_at", "claim")),
        "audit": sorted(
            (action, str(object_id), sorted((after or {}).items()))
            for action, object_id, after in AuditEvent.objects.filter(action__startswith="punch").values_list(
                "action", "object_id", "after"
            )
        ),
    }


def run(monkeypatch: Any, *, copy_path: bool, captured: Any) -> tuple[dict[str, Any], int]:
    """The scenario through one path, rolled back afterwards so the other starts alike."""
    monkeypatch.setattr(punch_store, "COPY_PATH", copy_path)
    partitions.PUNCHES.known.clear()
    with transaction.atomic():
        DirtyDay.objects.all().delete()
        AuditEvent.objects.filter(action__startswith="punch").delete()
        with time_machine.travel(NOW - timedelta(hours=1), tick=False):
            # Alice's 27 March was marked before (a plan changed): the sync marks it again.
            DirtyDay.objects.create(employee=captured.alice, date=date(2026, 3, 27), marked_at=NOW)
        with time_machine.travel(NOW, tick=False):
            result = outcome(scenario())
        queued = len(connection.run_on_commit)
        transaction.set_rollback(True)
    return result, queued


@pytest.mark.django_db
def test_the_copy_path_and_the_portable_path_store_count_audit_and_mark_alike(badges: Any, monkeypatch: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's; elsewhere the portable path is the only one")
    portable, portable_queued = run(monkeypatch, copy_path=False, captured=badges)
    fast, fast_queued = run(monkeypatch, copy_path=True, captured=badges)
    assert fast == portable
    assert fast_queued == portable_queued > 0  # the recompute (and the old month's partition) after commit

    # And what they agree on is what a clock's user expects.
    alice, amir, dave = badges.alice.pk, badges.amir.pk, badges.dave.pk
    assert [r[:4] for r in fast["results"]] == [(6, 6, 0, 2), (7, 2, 5, 0), (7, 0, 7, 0)]
    assert len(fast["punches"]) == 8
    assert {(p[0], p[2]) for p in fast["punches"]} == {("7", alice), ("8", amir), ("9", None), ("99", None)}
    dirty = {(e, d): v for e, d, v, _at, _claim in fast["dirty"]}
    kolkata = {date(2026, 3, 27), date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)}
    zurich = {date(2026, 3, 27) + timedelta(days=n) for n in range(5)}
    old = {date(2019, 11, 30), date(2019, 12, 1), date(2019, 12, 2)}
    assert set(dirty) == {*((alice, d) for d in kolkata | old), *((amir, d) for d in zurich)}
    # Marked by both of alice's first punches in one statement: once more than before, not twice.
    assert dirty[(alice, date(2026, 3, 27))] == 2
    assert dirty[(alice, date(2026, 3, 29))] == 1
    # Amir's 30 March: by the first batch (the 29th's punch) and the second (the 30th's).
    assert dirty[(amir, date(2026, 3, 30))] == 2
    assert {d for e, d, _v, marked, _c in fast["dirty"] if marked == NOW and e == alice} == kolkata | old
    assert [(a, o) for a, o, _after in fast["audit"]] == [("punch.refused", str(dave))]


@pytest.mark.embedded
@pytest.mark.django_db
def test_a_write_given_rows_already_stored_marks_only_the_new_rows_days(badges: Any) -> None:
    day = date(2026, 3, 10)
    stored = PunchRow(badges.alice.pk, at(day, 6, 0), "7", "in", 0, 1)
    new = PunchRow(badges.alice.pk, at(day + timedelta(days=5), 6, 0), "7", "in", 0, 1)
    with transaction.atomic():
        lock_device(DEVICE)
        assert insert_device_punches(device_id=DEVICE, source=PunchSource.DEVICE, rows=[stored]) == 1
    DirtyDay.objects.all().delete()
    with transaction.atomic():
        lock_device(DEVICE)
        assert insert_device_punches(device_id=DEVICE, source=PunchSource.DEVICE, rows=[stored, new]) == 1
    assert Punch.objects.filter(device_id=DEVICE).count() == 2
    assert sorted(DirtyDay.objects.values_list("date", "version")) == [
        (day + timedelta(days=4), 1),
        (day + timedelta(days=5), 1),
        (day + timedelta(days=6), 1),
    ]
