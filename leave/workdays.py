"""Requested days (DESIGN §7): working days of the employee in the range, minus public
holidays of their calendar, minus 0.5 for each half-day end.

Working days are the days with a planned shift, from attendance's schedules; an employee
without a schedule works Monday to Friday. attendance owns schedules, so this module asks
it (``attendance.selectors.expected_minutes``); leave may import attendance (DESIGN §1).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from accounts.holidays import holidays_by_employee

HALF = Decimal("0.5")


def days_between(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]


def working_days(employee_ids: Iterable[Any], date_from: date, date_to: date) -> dict[Any, set[date]]:
    """{employee_id: working days in [date_from, date_to]} before holidays are removed:
    days with a planned shift (schedule or override); days no schedule covers are worked
    Monday to Friday (attendance.selectors.expected_minutes decides both)."""
    from attendance.selectors import expected_minutes

    ids = list(employee_ids)
    result: dict[Any, set[date]] = {employee_id: set() for employee_id in ids}
    for (employee_id, day), minutes in expected_minutes(employee_ids=ids, date_from=date_from, date_to=date_to).items():
        if minutes > 0:
            result[employee_id].add(day)
    return result


def requested_days(
    *,
    employee_id: Any,
    date_from: date,
    date_to: date,
    start_half: bool = False,
    end_half: bool = False,
    counts_non_working_days: bool = False,
) -> tuple[Decimal, list[date]]:
    """(days requested, the days that count). A half-day end takes 0.5 off only when that
    day counts: a half day on a Sunday is no leave at all."""
    if counts_non_working_days:
        counted = days_between(date_from, date_to)
    else:
        workdays = working_days([employee_id], date_from, date_to)[employee_id]
        holidays = holidays_by_employee([employee_id], date_from, date_to).get(employee_id, {})
        counted = sorted(day for day in workdays if day not in holidays)
    counted_set = set(counted)
    total = Decimal(len(counted))
    if start_half and date_from in counted_set:
        total -= HALF
    if end_half and date_to in counted_set:
        total -= HALF
    return max(total, Decimal(0)), counted
