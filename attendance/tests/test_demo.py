"""The demo company gets schedules and a month of realistic attendance, idempotently."""

from __future__ import annotations

import io
import random
from datetime import date
from typing import Any

import pytest

from accounts.demo import seed_company
from attendance.demo import seed_attendance
from attendance.models import AttendanceDay, Punch, Schedule, ScheduleAssignment


@pytest.mark.embedded
def test_the_demo_seeder_plans_everyone_and_fills_a_month_idempotently(db: Any) -> None:
    out = io.StringIO()
    seed_company(rng=random.Random(2026), stdout=out)
    seed_attendance(rng=random.Random(1), stdout=out, today=date(2026, 3, 31))
    punches = Punch.objects.count()
    days = AttendanceDay.objects.count()
    assert Schedule.objects.count() == 5
    assert ScheduleAssignment.objects.count() == 51
    assert punches > 1500 and days > 51 * 25
    statuses = set(AttendanceDay.objects.values_list("status", flat=True))
    assert {"present", "absent", "missing_punch", "weekly_off"} <= statuses
    assert AttendanceDay.objects.filter(late_minutes__gt=0).exists()
    assert AttendanceDay.objects.filter(overtime_minutes__gt=0).exists()
    assert AttendanceDay.objects.filter(shift__code="N", status="present").exists()  # night shifts work out

    seed_attendance(rng=random.Random(99), stdout=out, today=date(2026, 3, 31))
    assert (Punch.objects.count(), AttendanceDay.objects.count(), ScheduleAssignment.objects.count()) == (
        punches,
        days,
        51,
    )
