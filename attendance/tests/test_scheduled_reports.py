"""Overtime as a scheduled report: per employee over the period, from the computed days."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from openpyxl import load_workbook

from attendance.models import AttendanceDay
from attendance.services import recompute
from attendance.tests.conftest import MONDAY
from etime.ops.reports import report_kinds

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + timedelta(days=1)
WEEK_END = MONDAY + timedelta(days=6)


@pytest.fixture
def week(planned: Any, clock: Any) -> Any:
    """On the 09:00–17:00 shift: Alice stays 35 min late on Monday and starts an hour early
    on Tuesday; Amir works less than his shift; Dave (Sales) stays 70 min late on Monday;
    Alice's overtime of the following Monday is outside the week."""
    clock("1", MONDAY, "08:55", "17:30")
    clock("1", TUESDAY, "08:00", "17:00")
    clock("2", MONDAY, "09:20", "17:00")
    clock("3", MONDAY, "09:00", "18:10")
    clock("1", WEEK_END + timedelta(days=1), "07:00", "17:00")
    recompute(employee_ids=None, date_from=MONDAY, date_to=WEEK_END + timedelta(days=1))
    return planned


def test_overtime_lists_everyone_with_their_overtime_over_the_period(week: Any) -> None:
    kind = report_kinds()["attendance_overtime"]
    assert kind.formats == ("xlsx",)

    sheet = load_workbook(io.BytesIO(kind.render(fmt="xlsx", start=MONDAY, end=WEEK_END))).active
    header, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()]

    assert header == [
        "Code",
        "Name",
        "Department",
        "Days with overtime",
        "Overtime (min)",
        "Overtime (h)",
        "Worked (h)",
    ]
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert list(by_code) == ["E001", "E002", "E003", "E004", "E005", "E006"]  # everyone, by code
    alice, amir, dave = by_code["E003"], by_code["E004"], by_code["E006"]
    assert (alice["Name"], alice["Department"]) == ("Alice Able", "Engineering")
    assert (alice["Days with overtime"], alice["Overtime (min)"], Decimal(str(alice["Overtime (h)"]))) == (
        2,
        95,
        Decimal("1.58"),
    )
    assert (dave["Days with overtime"], dave["Overtime (min)"], Decimal(str(dave["Overtime (h)"]))) == (
        1,
        70,
        Decimal("1.17"),
    )
    assert (amir["Days with overtime"], amir["Overtime (min)"], amir["Overtime (h)"]) == (0, 0, 0)
    assert by_code["E001"]["Overtime (min)"] == 0  # no schedule, no days: still listed
    alice_worked = AttendanceDay.objects.filter(employee=week.alice, date__lte=WEEK_END).aggregate(
        m=Sum("worked_minutes")
    )
    assert Decimal(str(alice["Worked (h)"])) == (Decimal(alice_worked["m"]) / 60).quantize(Decimal("0.01"))


def test_people_who_left_before_the_period_are_not_in_it(week: Any) -> None:
    from accounts.services import employee_update

    employee_update(employee=week.dave, actor=week.admin, end_date=MONDAY - timedelta(days=1))

    content = report_kinds()["attendance_overtime"].render(fmt="xlsx", start=MONDAY, end=WEEK_END)

    codes = [row[0].value for row in load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2)]
    assert "E006" not in codes and "E003" in codes
