"""Punch ingestion: the contract between time clocks and attendance."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction

from accounts.services import employee_update
from attendance.models import DirtyDay, Punch, PunchSource
from attendance.services import PunchInput, punch_create, punches_ingest
from etime.core.errors import ValidationFailed
from etime.core.models import AuditEvent

T0 = datetime(2026, 3, 2, 7, 58, tzinfo=UTC)


def log(*pairs: tuple[str, int]) -> list[PunchInput]:
    return [PunchInput(device_user_id=uid, timestamp=T0 + timedelta(minutes=m)) for uid, m in pairs]


@pytest.fixture
def mapped(people: Any) -> Any:
    employee_update(employee=people.alice, actor=people.admin, device_user_id="7")
    return people


@pytest.mark.embedded
def test_reading_the_same_log_twice_stores_each_punch_once(mapped: Any) -> None:
    device = uuid.uuid4()
    first = punches_ingest(device_id=device, records=log(("7", 0), ("7", 540)))
    again = punches_ingest(device_id=device, records=log(("7", 0), ("7", 540), ("7", 600)))
    assert (first.created, first.duplicates) == (2, 0)
    assert (again.fetched, again.created, again.duplicates) == (3, 1, 2)
    assert Punch.objects.filter(device_id=device).count() == 3
    assert set(Punch.objects.values_list("employee_id", flat=True)) == {mapped.alice.pk}


@pytest.mark.embedded
def test_a_record_repeated_within_one_batch_counts_once(mapped: Any) -> None:
    result = punches_ingest(device_id=uuid.uuid4(), records=log(("7", 0), ("7", 0)))
    assert (result.created, result.duplicates) == (1, 1)


@pytest.mark.embedded
def test_two_devices_may_hold_the_same_user_and_minute(mapped: Any) -> None:
    punches_ingest(device_id=uuid.uuid4(), records=log(("7", 0)))
    punches_ingest(device_id=uuid.uuid4(), records=log(("7", 0)))
    assert Punch.objects.count() == 2


@pytest.mark.embedded
def test_unmapped_punches_are_kept_and_attached_when_an_employee_gets_the_id(
    people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    result = punches_ingest(device_id=uuid.uuid4(), records=log(("42", 0), ("42", 480)))
    assert result.unmapped == 2 and result.touched == []
    assert Punch.objects.filter(employee__isnull=True, device_user_id="42").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        employee_update(employee=people.dave, actor=people.admin, device_user_id="42")
    assert Punch.objects.filter(employee=people.dave).count() == 2
    assert AuditEvent.objects.filter(action="punch.attached", object_id=str(people.dave.pk)).exists()


@pytest.mark.embedded
def test_naive_timestamps_are_refused_and_nothing_is_stored(mapped: Any) -> None:
    records = [*log(("7", 0)), PunchInput(device_user_id="7", timestamp=datetime(2026, 3, 2, 9, 0))]  # noqa: DTZ001
    with pytest.raises(ValidationFailed):
        punches_ingest(device_id=uuid.uuid4(), records=records)
    assert Punch.objects.count() == 0


def test_web_punch_is_audited_and_device_sources_are_refused(mapped: Any) -> None:
    with time_machine.travel(T0, tick=False):
        punch = punch_create(employee=mapped.alice, source=PunchSource.WEB, actor=mapped.alice.user)
    assert AuditEvent.objects.get(action="punch.created").object_id == str(punch.pk)
    with pytest.raises(ValidationFailed):
        punch_create(employee=mapped.alice, timestamp=T0, source=PunchSource.DEVICE, actor=mapped.alice.user)


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_concurrent_ingestion_of_one_log_stores_every_punch_exactly_once(people: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the PostgreSQL and MariaDB passes")
    device = uuid.uuid4()
    records = [PunchInput(device_user_id=str(i % 20), timestamp=T0 + timedelta(minutes=i)) for i in range(3000)]
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker(batch: list[PunchInput]) -> None:
        try:
            results.append(punches_ingest(device_id=device, records=batch))
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(records[i::2] + records,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Punch.objects.filter(device_id=device).count() == 3000
    assert sum(r.created for r in results) == 3000


# --- the bulk write (attendance.services.punch_store): what a user of a clock would notice --------


def _dirty() -> dict[tuple[Any, Any], int]:
    return dict(((e, d), v) for e, d, v in DirtyDay.objects.values_list("employee_id", "date", "version"))


@pytest.mark.embedded
def test_a_resync_of_a_large_log_stores_nothing_twice_and_marks_no_day_again(mapped: Any) -> None:
    device = uuid.uuid4()
    # Alice ("7") and a badge nobody has ("99"), over 3 chunks as a sync stores them.
    records = [
        PunchInput(device_user_id=("7", "99")[i % 2], timestamp=T0 + timedelta(minutes=7 * i)) for i in range(1500)
    ]
    first = [punches_ingest(device_id=device, records=records[s : s + 500]) for s in range(0, 1500, 500)]
    assert sum(r.created for r in first) == 1500 and sum(r.unmapped for r in first) == 750
    marks = _dirty()
    again = punches_ingest(device_id=device, records=records)
    assert (again.fetched, again.created, again.duplicates, again.unmapped, again.touched) == (1500, 0, 1500, 0, [])
    assert Punch.objects.filter(device_id=device).count() == 1500
    assert _dirty() == marks, "a re-sync that stored nothing makes attendance recompute nothing"


@pytest.mark.embedded
def test_a_batch_with_duplicates_inside_it_and_already_stored_records_stores_each_punch_once(mapped: Any) -> None:
    device = uuid.uuid4()
    punches_ingest(device_id=device, records=log(("7", 0)))
    result = punches_ingest(device_id=device, records=log(("7", 0), ("7", 5), ("7", 5), ("42", 5), ("42", 5), ("7", 0)))
    assert (result.fetched, result.created, result.duplicates, result.unmapped) == (6, 2, 4, 1)
    assert sorted(Punch.objects.filter(device_id=device).values_list("device_user_id", "timestamp")) == [
        ("42", T0 + timedelta(minutes=5)),
        ("7", T0),
        ("7", T0 + timedelta(minutes=5)),
    ]


@pytest.mark.embedded
def test_punches_of_unknown_badges_are_stored_without_an_employee_and_mark_no_day(mapped: Any) -> None:
    device = uuid.uuid4()
    result = punches_ingest(device_id=device, records=log(("7", 0), ("42", 1), ("43", 2)))
    assert (result.created, result.unmapped) == (3, 2)
    assert result.touched == [(mapped.alice.pk, T0)]
    assert dict(Punch.objects.filter(device_id=device).values_list("device_user_id", "employee_id")) == {
        "7": mapped.alice.pk,
        "42": None,
        "43": None,
    }
    assert {e for e, _d in _dirty()} == {mapped.alice.pk}


@pytest.mark.embedded
def test_days_are_marked_dirty_exactly_for_the_touched_local_dates(mapped: Any) -> None:
    # Alice works in Kolkata (+05:30): 20:00 UTC is already the next day there.
    employee_update(employee=mapped.alice, actor=mapped.admin, time_zone="Asia/Kolkata")
    employee_update(employee=mapped.amir, actor=mapped.admin, device_user_id="8")
    DirtyDay.objects.all().delete()
    device = uuid.uuid4()
    evening = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    punches_ingest(
        device_id=device,
        records=[
            PunchInput(device_user_id="7", timestamp=evening),
            PunchInput(device_user_id="7", timestamp=evening + timedelta(hours=1)),
            PunchInput(device_user_id="8", timestamp=evening),  # Zurich: still 2 March
        ],
    )
    day = evening.date()
    assert set(_dirty()) == {
        *((mapped.alice.pk, day + timedelta(days=n)) for n in (0, 1, 2)),
        *((mapped.amir.pk, day + timedelta(days=n)) for n in (-1, 0, 1)),
    }


@pytest.mark.embedded
def test_an_ingested_punch_carries_the_device_the_source_the_time_stored_and_the_defaults(mapped: Any) -> None:
    device = uuid.uuid4()
    at = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        punches_ingest(
            device_id=device,
            source=PunchSource.ADMS,
            records=[
                PunchInput(device_user_id="7", timestamp=T0, direction="out", raw_state=1, verify_mode=15),
            ],
        )
    punch = Punch.objects.get(device_id=device)
    assert isinstance(punch.pk, uuid.UUID)
    assert (punch.employee_id, punch.timestamp, punch.source, punch.direction, punch.raw_state, punch.verify_mode) == (
        mapped.alice.pk,
        T0,
        PunchSource.ADMS,
        "out",
        1,
        15,
    )
    assert (punch.created_at, punch.note, punch.created_by_id, punch.regularisation_id) == (at, "", None, None)


@pytest.mark.embedded
def test_the_bulk_write_skips_a_row_already_stored_and_counts_only_the_new_ones(mapped: Any) -> None:
    from attendance.services.punch_store import PunchRow, insert_device_punches

    device = uuid.uuid4()
    punches_ingest(device_id=device, records=log(("7", 0)))
    rows = [PunchRow(None, T0 + timedelta(minutes=m), "7", "unknown", None, None) for m in (0, 1)]
    with transaction.atomic():
        assert insert_device_punches(device_id=device, source=PunchSource.DEVICE, rows=rows) == 1
        assert insert_device_punches(device_id=device, source=PunchSource.DEVICE, rows=rows) == 0
    assert Punch.objects.filter(device_id=device).count() == 2
