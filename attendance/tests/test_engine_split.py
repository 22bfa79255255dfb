"""Several shifts per person and date (issue #25), as tables: split shifts, adjacent and
overlapping windows across midnight, who owns a punch at each boundary second, the holiday
rules, the ``in_out`` pairing mode and a manual status on a day of several shifts.

Same conventions as test_engine.py: Europe/Zurich, business date D (Monday 2 March 2026),
shifts with a 30 min break after 6 h, 5 min grace, windows 2 h before and 4 h after,
half day below 4 h, absent below 2 h — scaled down below for short shifts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from attendance.engine import (
    HOLIDAY_IGNORED,
    HOLIDAY_NORMAL,
    IN_OUT,
    Absence,
    AssignmentSpan,
    CyclePlan,
    EmployeeInputs,
    ManualStatus,
    ShiftRule,
    compute_days,
    overlapping,
    resolve_plan,
    shifts_of,
)
from attendance.tests.test_engine import DAY, LATER, ZURICH, D, at, punches

pytestmark = pytest.mark.embedded


def shift(code: str, start: str, end: str, **changes: Any) -> ShiftRule:
    h1, m1 = (int(x) for x in start.split(":"))
    h2, m2 = (int(x) for x in end.split(":"))
    base = {"half_day_below_minutes": 180, "absent_below_minutes": 60}
    return replace(DAY, id=code, code=code, start_time=time(h1, m1), end_time=time(h2, m2), **{**base, **changes})


# A split shift: 10:00–14:00 and 18:00–22:00 (windows 08:00–18:00 and 16:00–02:00).
MIDDAY = shift("M", "10:00", "14:00")
EVENING = shift("E", "18:00", "22:00")
# Adjacent: 08:00–12:00 and 12:00–16:00.
MORNING = shift("A", "08:00", "12:00")
AFTERNOON = shift("B", "12:00", "16:00")
# Across midnight on one date: 01:00–05:00, 15:00–20:00 and 20:00–01:00 (+1).
SMALL_HOURS = shift("S", "01:00", "05:00")
LATE_DAY = shift("L", "15:00", "20:00")
OVERNIGHT = shift("O", "20:00", "01:00")


def day_of(
    shifts: tuple[ShiftRule, ...],
    times: tuple[Any, ...] = (),
    *,
    now: datetime = LATER,
    plan: dict[date, Any] | None = None,
    **inputs: Any,
) -> Any:
    employee = EmployeeInputs(
        employee_id="E",
        time_zone=ZURICH,
        plan=plan if plan is not None else {D: shifts},
        punches=punches(*times),
        **inputs,
    )
    results = compute_days(employee, D, D, now=now, final_after=timedelta(hours=48))
    [result] = results
    return result


def part_view(result: Any) -> list[tuple[str, str | None, int, int]]:
    return [(p.code, p.status, p.punch_count, p.worked_minutes) for p in result.parts]


# --- The day derived from its parts ------------------------------------------------------------------

SPLIT_DAYS: list[tuple[str, tuple[str, ...], dict[str, Any], list[tuple[str, str | None, int, int]]]] = [
    (
        "both halves worked: present, the minutes summed, no break on either 4 h half",
        ("10:00", "14:00", "18:00", "22:00"),
        {
            "status": "present",
            "worked_minutes": 480,
            "punch_count": 4,
            "first_in": at("10:00"),
            "last_out": at("22:00"),
        },
        [("M", "present", 2, 240), ("E", "present", 2, 240)],
    ),
    (
        "one half worked, the other without punches: a half day",
        ("10:00", "14:00"),
        {"status": "half_day", "worked_minutes": 240, "punch_count": 2, "last_out": at("14:00")},
        [("M", "present", 2, 240), ("E", "absent", 0, 0)],
    ),
    (
        "no punches at all: absent",
        (),
        {"status": "absent", "worked_minutes": 0, "punch_count": 0},
        [("M", "absent", 0, 0), ("E", "absent", 0, 0)],
    ),
    (
        "a single punch in one half: missing punch for the day",
        ("10:00", "14:00", "18:00"),
        {"status": "missing_punch", "worked_minutes": 240, "punch_count": 3},
        [("M", "present", 2, 240), ("E", "missing_punch", 1, 0)],
    ),
    (
        "late in each half: the late minutes add up",
        ("10:20", "14:00", "18:10", "22:00"),
        {"status": "present", "late_minutes": 30, "worked_minutes": 450},
        [("M", "present", 2, 220), ("E", "present", 2, 230)],
    ),
    (
        "overtime is per shift, over each shift's own plan",
        ("10:00", "14:30", "18:00", "22:00"),
        {"status": "present", "overtime_minutes": 30, "worked_minutes": 510},
        [("M", "present", 2, 270), ("E", "present", 2, 240)],
    ),
]


@pytest.mark.parametrize(("times", "expected", "parts"), [r[1:] for r in SPLIT_DAYS], ids=[r[0] for r in SPLIT_DAYS])
def test_a_split_shift_day(times: tuple[str, ...], expected: dict[str, Any], parts: list[Any]) -> None:
    result = day_of((MIDDAY, EVENING), times)
    assert {key: getattr(result, key) for key in expected} == expected
    assert part_view(result) == parts
    assert result.shift_id == "M" and result.is_final


def test_a_single_shift_day_has_no_parts() -> None:
    result = day_of((), ("09:00", "17:00"), plan={D: DAY})
    assert result.parts == () and result.status == "present"


def test_the_evening_half_not_started_yet_is_no_absence() -> None:
    # At 16:00 the midday half is done; the evening half's window is open and unpunched.
    result = day_of((MIDDAY, EVENING), ("10:00", "14:00"), now=at("16:00"))
    assert result.due and result.status == "present" and not result.is_final
    assert part_view(result) == [("M", "present", 2, 240), ("E", None, 0, 0)]


def test_a_split_day_is_final_when_its_last_window_closes() -> None:
    # The evening window closes at 22:00 + 4 h = 02:00 the next day.
    assert not day_of((MIDDAY, EVENING), ("10:00", "14:00"), now=at("+1 01:59:59")).is_final
    result = day_of((MIDDAY, EVENING), ("10:00", "14:00"), now=at("+1 02:00"))
    assert result.is_final and result.window_start == at("08:00") and result.window_end == at("+1 02:00")


def test_a_split_day_without_punches_appears_after_its_last_window() -> None:
    # Before the last window closes the morning half alone is absent and due: the row shows it.
    early = day_of((MIDDAY, EVENING), (), now=at("18:00"))
    assert early.due and early.status == "absent"
    assert part_view(early) == [("M", "absent", 0, 0), ("E", None, 0, 0)]
    before = day_of((MIDDAY, EVENING), (), now=at("17:59:59"))
    assert not before.due


# --- Who owns a punch at the boundary ---------------------------------------------------------------

BOUNDARIES: list[tuple[str, tuple[ShiftRule, ...], str, str]] = [
    # Adjacent 08:00–12:00 / 12:00–16:00: inside A until 11:59:59, the later shift from its end on.
    ("adjacent: one second before the end belongs to the first shift", (MORNING, AFTERNOON), "11:59:59", "A"),
    ("adjacent: the boundary second goes to the later shift (Frappe)", (MORNING, AFTERNOON), "12:00:00", "B"),
    ("adjacent: one second after the boundary belongs to the later shift", (MORNING, AFTERNOON), "12:00:01", "B"),
    # Split 10:00–14:00 / 18:00–22:00: A's window reaches 18:00, B's opens 16:00; halfway is 16:00.
    ("split: inside the first window only", (MIDDAY, EVENING), "15:59:59", "M"),
    ("split: in both windows, equally near: the later shift", (MIDDAY, EVENING), "16:00:00", "E"),
    ("split: in both windows, nearer the later shift", (MIDDAY, EVENING), "16:00:01", "E"),
    ("split: in both windows, nearer the first shift", (MIDDAY, EVENING), "15:00:00", "M"),
    ("split: inside the second window only", (MIDDAY, EVENING), "18:00:01", "E"),
    # Three shifts of one date across midnight: 01–05, 15–20, 20–01 (+1).
    ("across midnight: before the 20:00 boundary", (SMALL_HOURS, LATE_DAY, OVERNIGHT), "19:59:59", "L"),
    ("across midnight: at the 20:00 boundary", (SMALL_HOURS, LATE_DAY, OVERNIGHT), "20:00:00", "O"),
    (
        "across midnight: after midnight, inside the overnight shift",
        (SMALL_HOURS, LATE_DAY, OVERNIGHT),
        "+1 00:30",
        "O",
    ),
    ("across midnight: the small hours' check-out window", (SMALL_HOURS, LATE_DAY, OVERNIGHT), "09:00", "S"),
    ("across midnight: between windows a punch belongs to no shift", (SMALL_HOURS, LATE_DAY, OVERNIGHT), "10:00", ""),
    ("across midnight: the late shift's check-in window", (SMALL_HOURS, LATE_DAY, OVERNIGHT), "13:00", "L"),
]


@pytest.mark.parametrize(("shifts", "moment", "owner"), [r[1:] for r in BOUNDARIES], ids=[r[0] for r in BOUNDARIES])
def test_a_punch_belongs_to_one_shift(shifts: tuple[ShiftRule, ...], moment: str, owner: str) -> None:
    result = day_of(shifts, (moment,))
    owners = [p.code for p in result.parts if p.punch_count]
    assert owners == ([owner] if owner else [])


def test_an_overnight_shift_and_the_next_dates_small_hours_shift_meet_at_one() -> None:
    # D: 20:00–01:00; D+1: 01:00–05:00. Across dates the same rule: 01:00:00 is the later shift's.
    plan = {D: (LATE_DAY, OVERNIGHT), D + timedelta(days=1): (SMALL_HOURS,)}
    employee = EmployeeInputs(
        employee_id="E",
        time_zone=ZURICH,
        plan=plan,
        punches=punches("15:00", "20:00", "+1 00:59:59", "+1 01:00:00", "+1 05:00"),
    )
    today, tomorrow = compute_days(employee, D, D + timedelta(days=1), now=LATER, final_after=timedelta(hours=1))
    assert [(p.code, p.first_in, p.last_out) for p in today.parts] == [
        ("L", at("15:00"), None),
        ("O", at("20:00"), at("+1 00:59:59")),
    ]
    assert (tomorrow.first_in, tomorrow.last_out, tomorrow.punch_count) == (at("+1 01:00"), at("+1 05:00"), 2)
    assert today.parts[0].status == "missing_punch" and today.status == "missing_punch"


def test_overlapping_windows_of_a_night_shift_and_a_split_day() -> None:
    # D: 22:00–06:00 night; D+1: 08:00–12:00 and 12:00–16:00. 07:00 is 1 h from both: the later (08:00) shift.
    night = shift("N", "22:00", "06:00")
    plan = {D: (night,), D + timedelta(days=1): (MORNING, AFTERNOON)}
    employee = EmployeeInputs(
        employee_id="E",
        time_zone=ZURICH,
        plan=plan,
        punches=punches("22:00", "+1 06:59:59", "+1 07:00", "+1 12:00", "+1 16:00"),
    )
    first, second = compute_days(employee, D, D + timedelta(days=1), now=LATER, final_after=timedelta(hours=1))
    assert (first.first_in, first.last_out) == (at("22:00"), at("+1 06:59:59"))
    assert [(p.code, p.first_in, p.last_out) for p in second.parts] == [
        ("A", at("+1 07:00"), None),
        ("B", at("+1 12:00"), at("+1 16:00")),
    ]


# --- Holiday rules, the in_out mode, leave and manual status on a day of several shifts --------------


def test_holiday_rules_apply_per_shift() -> None:
    # The midday shift counts a holiday as normal time; the evening shift ignores check-ins.
    shifts = (replace(MIDDAY, holiday_work=HOLIDAY_NORMAL), replace(EVENING, holiday_work=HOLIDAY_IGNORED))
    result = day_of(shifts, ("10:00", "14:00", "18:00", "22:00"), holidays={D})
    assert part_view(result) == [("M", "present", 2, 240), ("E", "holiday", 2, 0)]
    assert (result.status, result.worked_minutes, result.is_holiday, result.is_off_day) == ("present", 240, True, True)


def test_a_holiday_with_overtime_shifts_counts_every_part_as_overtime() -> None:
    result = day_of((MIDDAY, EVENING), ("10:20", "14:00", "18:00", "21:00"), holidays={D})
    assert (result.status, result.overtime_minutes, result.late_minutes) == ("present", 400, 0)


def test_a_holiday_without_punches_is_a_holiday() -> None:
    assert day_of((MIDDAY, EVENING), (), holidays={D}).status == "holiday"


def test_in_out_pairs_each_shift_by_direction() -> None:
    times = (
        ("10:00", "in"),
        ("12:00", "out"),
        ("12:30", "in"),
        ("14:00", "out"),
        ("18:05", "unknown"),
        ("22:00", "out"),
    )
    result = day_of((MIDDAY, EVENING), times, direction_mode=IN_OUT)
    assert part_view(result) == [("M", "present", 4, 240), ("E", "present", 2, 235)]
    assert result.worked_minutes == 475


def test_in_out_with_an_out_only_half_is_a_missing_punch() -> None:
    times = (("10:00", "in"), ("14:00", "out"), ("18:00", "out"), ("22:00", "out"))
    result = day_of((MIDDAY, EVENING), times, direction_mode=IN_OUT)
    assert part_view(result)[1] == ("E", "missing_punch", 2, 0) and result.status == "missing_punch"


def test_a_manual_status_decides_the_day_and_keeps_the_parts() -> None:
    manual = ManualStatus("present", "client visit in the evening", "u1")
    result = day_of((MIDDAY, EVENING), ("10:00", "14:00"), manual={D: manual})
    assert (result.status, result.manual) == ("present", manual)
    assert part_view(result) == [("M", "present", 2, 240), ("E", "absent", 0, 0)]


def test_full_day_leave_on_a_split_day() -> None:
    result = day_of((MIDDAY, EVENING), (), absences={D: Absence("annual")})
    assert (result.status, result.leave_kind) == ("on_leave", "annual")


# --- The plan and the overlap rule -----------------------------------------------------------------

OVERLAPS: list[tuple[str, tuple[ShiftRule, ...], bool]] = [
    ("adjacent shifts touch, they do not overlap", (MORNING, AFTERNOON), False),
    ("a split shift", (MIDDAY, EVENING), False),
    ("12:00–16:00 inside 08:00–12:00 by an hour", (MORNING, shift("X", "11:00", "15:00")), True),
    ("20:00–01:00 beside 15:00–20:00 and 01:00–05:00", (SMALL_HOURS, LATE_DAY, OVERNIGHT), False),
    (
        "a night shift's end beside the same date's early shift",
        (shift("N", "22:00", "06:00"), shift("F", "05:00", "09:00")),
        False,
    ),
    ("two shifts over midnight", (OVERNIGHT, shift("Y", "23:00", "02:00")), True),
    ("one inside the other", (MIDDAY, shift("Z", "11:00", "12:00")), True),
]


@pytest.mark.parametrize(("shifts", "overlaps"), [r[1:] for r in OVERLAPS], ids=[r[0] for r in OVERLAPS])
def test_which_shifts_of_one_date_overlap(shifts: tuple[ShiftRule, ...], overlaps: bool) -> None:
    assert (overlapping(shifts) is not None) is overlaps


def test_additional_assignments_and_overrides_add_shifts_in_start_order() -> None:
    main = CyclePlan(anchor_date=D, days=[EVENING, None])
    extra = CyclePlan(anchor_date=D, days=[(MIDDAY,), (MIDDAY,)])
    plan = resolve_plan(
        assignments=[AssignmentSpan(main, D), AssignmentSpan(extra, D, additional=True)],
        overrides={D + timedelta(days=2): None},
        additions={D + timedelta(days=2): [MORNING], D: [EVENING]},
        date_from=D,
        date_to=D + timedelta(days=2),
    )
    assert [s.code for s in shifts_of(plan[D])] == ["M", "E"]  # the evening shift planned twice counts once
    assert [s.code for s in shifts_of(plan[D + timedelta(days=1)])] == ["M"]
    assert [s.code for s in shifts_of(plan[D + timedelta(days=2)])] == ["A", "M"]
    assert plan[D + timedelta(days=1)] is MIDDAY  # one shift stays a plain ShiftRule
