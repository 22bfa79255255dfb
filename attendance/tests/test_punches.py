"""Punch ingestion: the contract between time clocks and attendance."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection

from accounts.services import employee_update
from attendance.models import Punch, PunchSource
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


@pytest.mark.django_db(transaction=True)
def test_concurrent_ingestion_of_one_log_stores_every_punch_exactly_once(people: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL pass")
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
