"""A punch at a simulated clock reaches the attendance API with nothing faked in between.

simulator (real ZK protocol on loopback) → beat's fan-out task → `devices.sync_device` on a
real Celery worker (Redis broker) → pyzk in the adapter's child process → punches stored →
days marked dirty → the recompute task on the same worker → `/api/v1/attendance-days/`.
The day is provisional, waiting for the clock by name, until that clock's sync has run.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from attendance.tests.conftest import day_shift, office_week, planned  # noqa: F401 - fixtures
from conftest import wait_for
from devices.tests.conftest import MakeSim, device_for, stored_log

pytestmark = [pytest.mark.django_db(transaction=True)]
ZURICH = ZoneInfo("Europe/Zurich")


def last_working_day_before(today: date, employee: Any) -> date:
    """The last weekday before ``today`` that is no public holiday where ``employee`` works
    (run on 2 January, the last weekday was New Year's Day, whose work is all overtime)."""
    from accounts.holidays import public_holidays

    day = today - timedelta(days=1)
    while day.weekday() >= 5 or public_holidays([employee.pk], day, day):
        day -= timedelta(days=1)
    return day


# Days stay provisional for as long as the clock has not synced past them (no timeout here).
@override_settings(ETIME_ATTENDANCE_FINAL_AFTER_HOURS=24 * 365)
def test_punches_at_the_clock_reach_the_attendance_api_through_sync_and_recompute_on_a_real_worker(
    planned: Any,  # noqa: F811
    make_sim: MakeSim,
    token_client: Any,
    live_worker: Any,
) -> None:
    from accounts.services import employee_update
    from devices.tasks import sync_due_devices

    alice = planned.alice
    employee_update(employee=alice, actor=planned.admin, device_user_id="1")
    day = last_working_day_before(timezone.localdate(timezone=ZURICH), alice)

    sim = make_sim(users=3, records=0, tz="Europe/Zurich")
    for hh, mm in ((8, 57), (12, 1), (12, 2), (17, 31)):
        sim.add_punch("1", datetime.combine(day, dtime(hh, mm)))
    sim.add_punch("3", datetime.combine(day, dtime(9, 0)))  # nobody has id 3 yet: kept, unattached
    device = device_for(sim, name="Reception K20")

    client = token_client(planned.bob.user, ["read:attendance"])
    url = f"/api/v1/attendance-days/?employee={alice.pk}&date_after={day}&date_before={day}"

    def the_day() -> dict[str, Any] | None:
        rows = client.get(url).json()["results"]
        return rows[0] if rows else None

    # Before the clock is read, the day is there but provisional, waiting for that clock.
    from attendance.services.recompute import recompute

    recompute(employee_ids=[alice.pk], date_from=day, date_to=day)
    before = the_day()
    assert before is not None and before["punch_count"] == 0 and before["is_final"] is False
    assert "Reception K20" in str(before["waiting_for"])

    # Beat's fan-out: the worker claims the due clock, syncs it, and recomputes the days.
    sync_due_devices.delay()
    after = wait_for(lambda: (row := the_day()) and row["punch_count"] and row["is_final"] and row, timeout=30)
    assert (after["status"], after["punch_count"], after["worked_minutes"], after["overtime_minutes"]) == (
        "present",
        3,
        484,
        34,
    )
    first_in = datetime.fromisoformat(after["first_in"]).astimezone(ZURICH)
    assert (first_in.date(), first_in.time()) == (day, dtime(8, 57))
    assert after["waiting_for"] in ([], None)
    assert len(stored_log(device)) == 5  # the unknown user's punch is stored too

    # A second sync of the same log stores nothing twice; a later punch shows up.
    sim.add_punch("1", datetime.combine(day, dtime(18, 10)))
    device.refresh_from_db()
    from devices.models import Device

    Device.objects.filter(pk=device.pk).update(next_sync_at=None)  # due again now
    sync_due_devices.delay()
    later = wait_for(lambda: (row := the_day()) and row["punch_count"] == 4 and row)
    assert later["overtime_minutes"] == 73
    assert len(stored_log(device)) == 6
