"""Punches in → dirty days → recompute task on a real Celery worker (Redis) → the API.

This is attendance's half of "simulator punches → device sync → recompute → API": the
device sync writes through ``punches_ingest`` exactly as here (devices/ drives the ZK
simulator and calls it); from there on everything below is the real pipeline.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from attendance.models import DirtyDay
from attendance.tests.conftest import MONDAY
from conftest import wait_for


@pytest.mark.django_db(transaction=True)
def test_ingested_punches_reach_the_api_through_the_recompute_task_on_a_real_worker(
    planned: Any, clock: Any, live_worker: Any, token_client: Any
) -> None:
    client = token_client(planned.bob.user, ["read:attendance"])
    url = f"/api/v1/attendance-days/?employee={planned.alice.pk}&date_after={MONDAY}&date_before={MONDAY}"
    # Assigning the schedule already computed the day: an absence, no punch yet.
    [before] = client.get(url).json()["results"]
    assert (before["status"], before["punch_count"]) == ("absent", 0)

    # What a device sync does: one idempotent batch per read of the log. On commit the
    # days are dirty and one recompute task is published to Redis.
    result = clock("1", MONDAY, "08:57", "12:01", "12:02", "17:31")
    assert (result.created, len(result.touched)) == (4, 4)

    def computed() -> Any:
        [row] = client.get(url).json()["results"]
        return row if row["punch_count"] else None

    day = wait_for(computed)
    assert (day["status"], day["punch_count"], day["worked_minutes"], day["overtime_minutes"]) == (
        "present",
        3,
        484,
        34,
    )
    assert day["is_final"] is True
    wait_for(lambda: not DirtyDay.objects.exists())

    # A second read of the same log stores nothing and changes nothing; a late punch does.
    again = clock("1", MONDAY, "08:57", "12:01", "12:02", "17:31", "18:10")
    assert (again.created, again.duplicates) == (1, 4)
    updated = wait_for(lambda: (row := computed()) and row["last_out"] != day["last_out"] and row)
    assert updated["overtime_minutes"] == 73 and updated["punch_count"] == 4
    # The days either side were marked too (a night shift could have claimed the punches).
    statuses = dict(planned.alice.attendance_days.values_list("date", "status"))
    assert statuses[MONDAY - timedelta(days=1)] == "weekly_off" and statuses[MONDAY + timedelta(days=1)] == "absent"
