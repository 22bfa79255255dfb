"""Requested days (DESIGN §7): working days in the range, minus the employee's public
holidays, minus 0.5 per half-day end; Mon–Fri without a schedule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import Location
from leave.workdays import requested_days

D = date


@pytest.mark.parametrize(
    ("start", "end", "start_half", "end_half", "region", "expected"),
    [
        # A plain week and weekends.
        (D(2026, 3, 2), D(2026, 3, 6), False, False, ("CH", "ZH"), "5"),
        (D(2026, 3, 6), D(2026, 3, 9), False, False, ("CH", "ZH"), "2"),  # Fri..Mon
        (D(2026, 3, 7), D(2026, 3, 8), False, False, ("CH", "ZH"), "0"),  # a weekend alone
        (D(2026, 3, 2), D(2026, 3, 15), False, False, ("CH", "ZH"), "10"),  # two weeks
        # Public holidays of different cantons and states.
        (D(2026, 4, 27), D(2026, 5, 1), False, False, ("CH", "ZH"), "4"),  # 1 May in Zurich
        (D(2026, 4, 27), D(2026, 5, 1), False, False, ("CH", "GE"), "5"),  # ... not in Geneva
        (D(2026, 6, 1), D(2026, 6, 5), False, False, ("DE", "BY"), "4"),  # Corpus Christi, Bavaria
        (D(2026, 6, 1), D(2026, 6, 5), False, False, ("DE", "BE"), "5"),  # ... not Berlin
        (D(2026, 3, 30), D(2026, 4, 10), False, False, ("CH", "ZH"), "8"),  # Good Friday, Easter Monday
        (D(2026, 12, 21), D(2026, 12, 31), False, False, ("GB", "ENG"), "7"),  # 25 Dec, 28 Dec (Boxing Day observed)
        # Half days.
        (D(2026, 3, 2), D(2026, 3, 6), True, False, ("CH", "ZH"), "4.5"),
        (D(2026, 3, 2), D(2026, 3, 6), True, True, ("CH", "ZH"), "4"),
        (D(2026, 3, 4), D(2026, 3, 4), False, True, ("CH", "ZH"), "0.5"),
        (D(2026, 3, 6), D(2026, 3, 8), False, True, ("CH", "ZH"), "1"),  # a half Sunday is no leave
        (D(2026, 4, 30), D(2026, 5, 1), False, True, ("CH", "ZH"), "1"),  # nor a half holiday
    ],
)
def test_requested_days_count_working_days_minus_holidays_and_half_days(
    people: Any, start: date, end: date, start_half: bool, end_half: bool, region: tuple[str, str], expected: str
) -> None:
    location = Location.objects.create(name="Site", time_zone="Europe/Zurich", country=region[0], subdivision=region[1])
    people.alice.location = location
    people.alice.save()
    days, _counted = requested_days(
        employee_id=people.alice.pk, date_from=start, date_to=end, start_half=start_half, end_half=end_half
    )
    assert days == Decimal(expected)


@pytest.mark.embedded
def test_a_type_that_counts_non_working_days_counts_every_calendar_day(people: Any) -> None:
    days, counted = requested_days(
        employee_id=people.alice.pk, date_from=D(2026, 4, 30), date_to=D(2026, 5, 3), counts_non_working_days=True
    )
    assert days == 4 and len(counted) == 4


def test_a_rotating_schedule_replaces_monday_to_friday(people: Any) -> None:
    """4 days on, 4 off from Sunday 1 March 2026: the planned shifts are the working days,
    weekends included, holidays still excluded; before the assignment, Monday to Friday."""
    from datetime import time

    from attendance.models import Schedule, ScheduleAssignment, ScheduleDay, Shift

    day_shift = Shift.objects.create(name="Day", code="D", start_time=time(7), end_time=time(15, 30))
    rotation = Schedule.objects.create(name="4 on 4 off", cycle_length=8, anchor_date=D(2026, 3, 1))
    for index in range(4):
        ScheduleDay.objects.create(schedule=rotation, day_index=index, shift=day_shift)
    ScheduleAssignment.objects.create(employee=people.alice, schedule=rotation, start_date=D(2026, 3, 1))

    def days(start: date, end: date, employee: Any = None) -> Decimal:
        return requested_days(employee_id=(employee or people.alice).pk, date_from=start, date_to=end)[0]

    assert days(D(2026, 3, 1), D(2026, 3, 8)) == 4  # on Sun 1–Wed 4, off Thu 5–Sun 8
    assert days(D(2026, 3, 7), D(2026, 3, 7)) == 0  # a Saturday off
    assert days(D(2026, 3, 28), D(2026, 3, 28)) == 1  # a Saturday on
    # 25 Apr..2 May: on 26–29 Apr, off 30 Apr–3 May, so the 1 May holiday changes nothing.
    assert days(D(2026, 4, 25), D(2026, 5, 2)) == 4
    # 14 May (Ascension) falls on a planned day: on 12–15 May, minus the holiday.
    assert days(D(2026, 5, 12), D(2026, 5, 15)) == 3
    # Before the assignment (February) Alice works Monday to Friday, as Amir always does.
    assert days(D(2026, 2, 23), D(2026, 3, 1)) == 5 + 1
    assert days(D(2026, 3, 1), D(2026, 3, 8), people.amir) == 5
