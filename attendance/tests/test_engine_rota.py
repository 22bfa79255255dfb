"""The engine's rota rules (issue #25), as tables: a shift's holiday rule, the "first IN to
last OUT" pairing mode, a manual day status, and when a day without punches becomes absent.

Same conventions as test_engine.py: Europe/Zurich, business date D (Monday 2 March 2026),
the standard 09:00–17:00 shift (30 min break after 6 h, 5 min grace, windows 2 h / 4 h).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from attendance.engine import (
    HOLIDAY_IGNORED,
    HOLIDAY_NORMAL,
    HOLIDAY_OVERTIME,
    IN_OUT,
    EmployeeInputs,
    ManualStatus,
    ShiftRule,
    compute_days,
)
from attendance.tests.test_engine import DAY, LATER, ZURICH, D, at, check, punches

pytestmark = pytest.mark.embedded


def one_day(
    shift: ShiftRule | None = DAY,
    times: tuple[Any, ...] = (),
    *,
    day: date = D,
    now: datetime = LATER,
    absent_after: timedelta = timedelta(0),
    **inputs: Any,
) -> Any:
    employee = EmployeeInputs(
        employee_id="E", time_zone=ZURICH, plan={day: shift}, punches=punches(*times, day=day), **inputs
    )
    days = compute_days(employee, day, day, now=now, final_after=timedelta(hours=48), absent_after=absent_after)
    [result] = days
    return result


# --- A shift's holiday rule ------------------------------------------------------------------------

HOLIDAY_RULES: list[tuple[str, str, tuple[str, ...], dict[str, Any]]] = [
    (
        "overtime (the default): work on a holiday is present and all of it overtime",
        HOLIDAY_OVERTIME,
        ("09:20", "17:00"),
        {"status": "present", "worked_minutes": 430, "overtime_minutes": 430, "late_minutes": 0, "is_holiday": True},
    ),
    (
        "normal: a holiday with work is an ordinary day of the shift (late, overtime over the plan)",
        HOLIDAY_NORMAL,
        ("09:20", "17:40"),
        {"status": "present", "worked_minutes": 470, "overtime_minutes": 20, "late_minutes": 20, "is_holiday": True},
    ),
    (
        "normal: short work on a holiday follows the shift's thresholds",
        HOLIDAY_NORMAL,
        ("09:00", "12:00"),
        {"status": "half_day", "worked_minutes": 180, "overtime_minutes": 0},
    ),
    (
        "normal: a holiday without punches is still a holiday, not an absence",
        HOLIDAY_NORMAL,
        (),
        {"status": "holiday", "is_off_day": True},
    ),
    (
        "ignored: check-ins on a holiday are ignored and the day stays a holiday",
        HOLIDAY_IGNORED,
        ("09:00", "17:00"),
        {
            "status": "holiday",
            "worked_minutes": 0,
            "overtime_minutes": 0,
            "first_in": None,
            "last_out": None,
            "punch_count": 2,
            "is_holiday": True,
        },
    ),
    ("ignored: a single punch on a holiday is no missing punch", HOLIDAY_IGNORED, ("10:00",), {"status": "holiday"}),
]


@pytest.mark.parametrize(
    ("rule", "times", "expected"), [r[1:] for r in HOLIDAY_RULES], ids=[r[0] for r in HOLIDAY_RULES]
)
def test_a_shifts_holiday_rule_decides_work_on_a_holiday(
    rule: str, times: tuple[str, ...], expected: dict[str, Any]
) -> None:
    check(one_day(replace(DAY, holiday_work=rule), times, holidays={D}), expected)


@pytest.mark.parametrize("rule", [HOLIDAY_NORMAL, HOLIDAY_IGNORED])
def test_the_holiday_rule_changes_nothing_on_an_ordinary_day(rule: str) -> None:
    expected = {"status": "present", "worked_minutes": 470, "overtime_minutes": 20, "late_minutes": 20}
    check(one_day(replace(DAY, holiday_work=rule), ("09:20", "17:40")), expected)


def test_leave_on_a_holiday_stays_leave_whatever_the_rule() -> None:
    from attendance.engine import Absence

    result = one_day(
        replace(DAY, holiday_work=HOLIDAY_IGNORED), ("09:00", "17:00"), holidays={D}, absences={D: Absence("sick")}
    )
    assert result.status == "on_leave"


# --- First IN to last OUT ------------------------------------------------------------------------------

IN_OUT_ROWS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    (
        "the first IN and the last OUT make the day, whatever lies between",
        (("09:00", "in"), ("12:00", "out"), ("13:00", "in"), ("17:00", "out")),
        {"first_in": at("09:00"), "last_out": at("17:00"), "worked_minutes": 450, "status": "present"},
    ),
    (
        "an OUT before the first IN is not the start of the day",
        (("08:00", "out"), ("09:10", "in"), ("17:00", "out")),
        {"first_in": at("09:10"), "last_out": at("17:00"), "late_minutes": 10, "worked_minutes": 440},
    ),
    (
        "an IN after the last OUT is not the end of the day",
        (("09:00", "in"), ("16:00", "out"), ("18:00", "in")),
        {"last_out": at("16:00"), "early_exit_minutes": 60, "worked_minutes": 390},
    ),
    (
        "only INs: the day misses its out punch",
        (("09:00", "in"), ("17:00", "in")),
        {"status": "missing_punch", "first_in": at("09:00"), "last_out": None, "worked_minutes": 0},
    ),
    (
        "only OUTs: the day misses its in punch",
        (("09:00", "out"), ("17:00", "out")),
        {"status": "missing_punch", "first_in": None, "last_out": at("17:00"), "worked_minutes": 0},
    ),
    (
        "an OUT only before the IN: missing punch",
        (("08:00", "out"), ("09:00", "in")),
        {"status": "missing_punch", "first_in": at("09:00"), "last_out": None},
    ),
    (
        "unknown directions only: by position, first in and last out",
        ("09:00", "12:00", "17:00"),
        {"first_in": at("09:00"), "last_out": at("17:00"), "worked_minutes": 450, "status": "present"},
    ),
    (
        "an unknown punch stands in for a missing OUT (the latest after the IN)",
        (("09:00", "in"), ("15:00", "unknown"), ("17:00", "unknown")),
        {"first_in": at("09:00"), "last_out": at("17:00"), "worked_minutes": 450},
    ),
    (
        "an unknown punch stands in for a missing IN (the earliest)",
        (("08:50", "unknown"), ("12:00", "unknown"), ("17:00", "out")),
        {"first_in": at("08:50"), "last_out": at("17:00"), "worked_minutes": 460},
    ),
    (
        "a known IN wins over an earlier unknown punch",
        (("08:00", "unknown"), ("09:00", "in"), ("17:00", "out")),
        {"first_in": at("09:00"), "worked_minutes": 450},
    ),
    (
        "an unknown punch before the only IN cannot be its OUT",
        (("08:00", "unknown"), ("09:00", "in")),
        {"status": "missing_punch", "first_in": at("09:00"), "last_out": None},
    ),
    (
        "a single OUT is a last out",
        (("17:00", "out"),),
        {"status": "missing_punch", "first_in": None, "last_out": at("17:00")},
    ),
    (
        "a single unknown punch is a first in",
        ("09:00",),
        {"status": "missing_punch", "first_in": at("09:00"), "last_out": None},
    ),
]


@pytest.mark.parametrize(("times", "expected"), [r[1:] for r in IN_OUT_ROWS], ids=[r[0] for r in IN_OUT_ROWS])
def test_first_in_to_last_out_by_direction(times: tuple[Any, ...], expected: dict[str, Any]) -> None:
    check(one_day(DAY, times, direction_mode=IN_OUT), expected)


def test_first_in_to_last_out_on_a_night_shift() -> None:
    night = replace(DAY, id="night", start_time=DAY.start_time.replace(hour=22), end_time=DAY.end_time.replace(hour=6))
    result = one_day(
        night, (("21:58", "in"), ("+1 02:00", "out"), ("+1 02:30", "in"), ("+1 06:01", "out")), direction_mode=IN_OUT
    )
    check(result, {"first_in": at("21:58"), "last_out": at("+1 06:01"), "worked_minutes": 453, "status": "present"})


# --- Manual day status ---------------------------------------------------------------------------------

MANUAL: list[tuple[str, ShiftRule | None, tuple[str, ...], ManualStatus, dict[str, Any]]] = [
    (
        "present on a business trip without punches",
        DAY,
        (),
        ManualStatus("present", "Business trip to Lyon", 7),
        {
            "status": "present",
            "worked_minutes": 0,
            "due": True,
            "manual": ManualStatus("present", "Business trip to Lyon", 7),
        },
    ),
    (
        "absent although punches say present: the metrics stay the punches'",
        DAY,
        ("09:00", "17:00"),
        ManualStatus("absent", "Badge lent to a colleague"),
        {"status": "absent", "worked_minutes": 450},
    ),
    (
        "a weekly off can be set on a planned day",
        DAY,
        (),
        ManualStatus("weekly_off", "Swapped by phone"),
        {"status": "weekly_off"},
    ),
    (
        "a day without a shift can be set present",
        None,
        (),
        ManualStatus("present", "Trade fair"),
        {"status": "present", "due": True},
    ),
]


@pytest.mark.parametrize(("shift", "times", "manual", "expected"), [r[1:] for r in MANUAL], ids=[r[0] for r in MANUAL])
def test_a_manual_status_wins_over_the_computed_one(
    shift: ShiftRule | None, times: tuple[str, ...], manual: ManualStatus, expected: dict[str, Any]
) -> None:
    check(one_day(shift, times, manual={D: manual}), expected)


def test_a_manual_status_makes_a_day_due_before_its_window_closes() -> None:
    manual = ManualStatus("present", "Planned business trip")
    assert one_day(DAY, (), now=at("08:00"), manual={D: manual}).due is True
    assert one_day(DAY, (), now=at("08:00")).due is False


def test_without_a_manual_status_the_day_is_computed_as_before() -> None:
    result = one_day(DAY, (), manual={D + timedelta(days=1): ManualStatus("present")})
    check(result, {"status": "absent", "manual": None})


# --- When a day without punches becomes absent ---------------------------------------------------------

CLOSE = at("21:00")  # 17:00 + the 4 h checkout window
DELAY = timedelta(hours=24)

ABSENT_AFTER: list[tuple[str, timedelta, datetime, tuple[str, ...], dict[str, Any]]] = [
    ("no delay: absent at the window's close", timedelta(0), CLOSE, (), {"due": True, "status": "absent"}),
    ("no delay: not yet a second before", timedelta(0), CLOSE - timedelta(seconds=1), (), {"due": False}),
    ("24 h: not absent at the window's close", DELAY, CLOSE, (), {"due": False}),
    (
        "24 h: not absent a second before the delay ends",
        DELAY,
        CLOSE + DELAY - timedelta(seconds=1),
        (),
        {"due": False},
    ),
    ("24 h: absent at the delay's last second", DELAY, CLOSE + DELAY, (), {"due": True, "status": "absent"}),
    ("the delay does not hold back a day with punches", DELAY, at("09:01"), ("09:00",), {"due": True}),
]


@pytest.mark.parametrize(
    ("absent_after", "now", "times", "expected"), [r[1:] for r in ABSENT_AFTER], ids=[r[0] for r in ABSENT_AFTER]
)
def test_a_day_without_punches_becomes_absent_after_the_companys_delay(
    absent_after: timedelta, now: datetime, times: tuple[str, ...], expected: dict[str, Any]
) -> None:
    check(one_day(DAY, times, now=now, absent_after=absent_after), expected)


@pytest.mark.parametrize(
    ("shift", "inputs", "status"),
    [(None, {}, "weekly_off"), (DAY, {"holidays": {D}}, "holiday")],
    ids=["a weekly off", "a holiday"],
)
def test_the_absence_delay_does_not_hold_back_off_days(
    shift: ShiftRule | None, inputs: dict[str, Any], status: str
) -> None:
    # Off days close at local midnight; a holiday with a shift at its window's close.
    now = at("+1 00:00") if shift is None else CLOSE
    check(one_day(shift, (), now=now, absent_after=DELAY, **inputs), {"due": True, "status": status})
