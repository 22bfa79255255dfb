"""The engine, rule by rule (DESIGN §6), as tables: each row a day the rule decides.

Times are wall-clock times in Europe/Zurich on business date D (Monday 2 March 2026)
unless a row says otherwise; ``+1 06:00`` is 06:00 the next day. The standard shift is
09:00–17:00 with a 30-minute break after 6 hours, 5 minutes of grace either side,
windows 2 h before and 4 h after, half day below 4 h, absent below 2 h.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from attendance.engine import (
    ALTERNATING,
    DEVICE_STATE,
    FIRST_LAST,
    Absence,
    AssignmentSpan,
    CyclePlan,
    DeviceSync,
    EmployeeInputs,
    Planned,
    PunchFact,
    ShiftRule,
    compute_days,
    planned_net_minutes,
    resolve_plan,
)

pytestmark = pytest.mark.embedded

ZURICH = "Europe/Zurich"
D = date(2026, 3, 2)
DAY = ShiftRule(
    id="day",
    code="D",
    start_time=time(9),
    end_time=time(17),
    unpaid_break_minutes=30,
    break_after_minutes=360,
    late_grace_minutes=5,
    early_exit_grace_minutes=5,
    checkin_window_before_minutes=120,
    checkout_window_after_minutes=240,
    half_day_below_minutes=240,
    absent_below_minutes=120,
)
NIGHT = replace(DAY, id="night", code="N", start_time=time(22), end_time=time(6))
LATER = datetime(2027, 1, 1, tzinfo=UTC)  # "now" long after every test day: all final


def at(spec: str, day: date = D, tz: str = ZURICH) -> datetime:
    """'HH:MM' or 'HH:MM:SS', optionally prefixed '+1 ' / '-1 ' (days from ``day``)."""
    offset = 0
    if spec[0] in "+-":
        sign, spec = spec.split(" ", 1)
        offset = int(sign)
    parts = [int(x) for x in spec.split(":")] + [0]  # seconds 0 unless given
    local = datetime.combine(day + timedelta(days=offset), time(parts[0], parts[1], parts[2]), tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


def punches(*specs: str | tuple[str, str], day: date = D, tz: str = ZURICH, device: Any = None) -> list[PunchFact]:
    out = []
    for spec in specs:
        text, direction = (spec, "unknown") if isinstance(spec, str) else spec
        out.append(PunchFact(timestamp=at(text, day, tz), direction=direction, device_id=device))
    return out


def one_day(
    shift: ShiftRule | None = DAY,
    times: tuple[Any, ...] = (),
    *,
    day: date = D,
    tz: str = ZURICH,
    now: datetime = LATER,
    final_after: timedelta = timedelta(hours=48),
    plan: dict[date, Planned] | None = None,
    **inputs: Any,
) -> Any:
    facts = inputs.pop("facts", None) or punches(*times, day=day, tz=tz)
    employee = EmployeeInputs(
        employee_id="E", time_zone=tz, plan=plan if plan is not None else {day: shift}, punches=facts, **inputs
    )
    [result] = compute_days(employee, day, day, now=now, final_after=final_after)
    return result


def check(result: Any, expected: dict[str, Any]) -> None:
    actual = {key: getattr(result, key) for key in expected}
    assert actual == expected


# --- Rule 4: lateness, early exit and their grace ----------------------------------------------

GRACE = [
    ("on time is not late", ("08:55", "17:05"), {"late_minutes": 0, "early_exit_minutes": 0}),
    ("arriving exactly at the grace limit is not late", ("09:05", "17:00"), {"late_minutes": 0}),
    ("seconds past the grace limit are truncated", ("09:05:59", "17:00"), {"late_minutes": 0}),
    ("one minute over the grace counts the whole lateness", ("09:06", "17:00"), {"late_minutes": 6}),
    ("leaving exactly at the early grace is not an early exit", ("09:00", "16:55"), {"early_exit_minutes": 0}),
    ("leaving one minute before the early grace counts the whole gap", ("09:00", "16:54"), {"early_exit_minutes": 6}),
    ("late and early exit together", ("09:30", "16:00"), {"late_minutes": 30, "early_exit_minutes": 60}),
]


@pytest.mark.parametrize(("times", "expected"), [r[1:] for r in GRACE], ids=[r[0] for r in GRACE])
def test_grace_boundaries(times: tuple[str, ...], expected: dict[str, Any]) -> None:
    check(one_day(DAY, times), expected)


def test_a_shift_without_grace_counts_one_minute_late() -> None:
    check(one_day(replace(DAY, late_grace_minutes=0), ("09:01", "17:00")), {"late_minutes": 1})


# --- Rules 2 and 3: windows, attribution and duplicates ------------------------------------------

WINDOWS = [
    ("a punch at the window's opening counts", ("07:00", "17:00"), {"punch_count": 2, "first_in": at("07:00")}),
    (
        "a punch one minute before the window is ignored",
        ("06:59", "17:00"),
        {"punch_count": 1, "status": "missing_punch"},
    ),
    ("a punch at the window's close counts", ("09:00", "21:00"), {"punch_count": 2, "last_out": at("21:00")}),
    ("a punch one minute after the window is ignored", ("09:00", "21:01"), {"punch_count": 1}),
    ("a repeat exactly 2 minutes later is ignored", ("09:00", "09:02", "17:00"), {"punch_count": 2}),
    ("a repeat 2 minutes and 1 second later is kept", ("09:00", "09:02:01", "17:00"), {"punch_count": 3}),
    (
        "repeats are measured from the previous kept punch",
        ("09:00", "09:01:30", "09:03", "17:00"),
        {"punch_count": 3, "first_in": at("09:00")},
    ),
    (
        "a repeat at the end keeps the earlier last out",
        ("09:00", "17:00", "17:01"),
        {"punch_count": 2, "last_out": at("17:00")},
    ),
    (
        "first in is the earliest and last out the latest",
        ("12:00", "09:00", "17:00"),
        {"first_in": at("09:00"), "last_out": at("17:00")},
    ),
]


@pytest.mark.parametrize(("times", "expected"), [r[1:] for r in WINDOWS], ids=[r[0] for r in WINDOWS])
def test_windows_and_duplicates(times: tuple[str, ...], expected: dict[str, Any]) -> None:
    check(one_day(DAY, times), expected)


# --- Rule 4: worked time, break and overtime ------------------------------------------------------

WORKED = [
    (
        "a single punch is a missing punch with no worked time",
        ("09:00",),
        {"status": "missing_punch", "worked_minutes": 0, "first_in": at("09:00"), "last_out": None},
    ),
    ("the break is not deducted at exactly the threshold", ("09:00", "15:00"), {"worked_minutes": 360}),
    ("the break is deducted one minute over the threshold", ("09:00", "15:01"), {"worked_minutes": 331}),
    ("a full day deducts the break", ("09:00", "17:00"), {"worked_minutes": 450, "overtime_minutes": 0}),
    ("staying late is overtime", ("09:00", "18:10"), {"worked_minutes": 520, "overtime_minutes": 70}),
    ("arriving early is overtime too", ("08:00", "17:00"), {"overtime_minutes": 60, "late_minutes": 0}),
]


@pytest.mark.parametrize(("times", "expected"), [r[1:] for r in WORKED], ids=[r[0] for r in WORKED])
def test_worked_time_and_break(times: tuple[str, ...], expected: dict[str, Any]) -> None:
    check(one_day(DAY, times), expected)


OVERTIME_AFTER = [
    ("excess one minute below the overtime threshold is no overtime", "17:29", 0),
    ("excess exactly at the overtime threshold counts in full", "17:30", 30),
    ("excess above the overtime threshold counts in full", "18:00", 60),
]


@pytest.mark.parametrize(("out", "overtime"), [r[1:] for r in OVERTIME_AFTER], ids=[r[0] for r in OVERTIME_AFTER])
def test_overtime_threshold(out: str, overtime: int) -> None:
    check(one_day(replace(DAY, overtime_after_minutes=30), ("09:00", out)), {"overtime_minutes": overtime})


# --- Rule 5: status ----------------------------------------------------------------------------

STATUS: list[tuple[str, ShiftRule | None, tuple[str, ...], dict[str, Any], dict[str, Any]]] = [
    ("a planned day without punches is absent", DAY, (), {}, {"status": "absent", "is_off_day": False}),
    ("a day without a shift or punches is a weekly off", None, (), {}, {"status": "weekly_off", "is_off_day": True}),
    (
        "worked below absent_below_hours is absent",
        DAY,
        ("09:00", "10:59"),
        {},
        {"status": "absent", "worked_minutes": 119},
    ),
    ("worked exactly absent_below_hours is a half day", DAY, ("09:00", "11:00"), {}, {"status": "half_day"}),
    ("worked below half_day_below_hours is a half day", DAY, ("09:00", "12:59"), {}, {"status": "half_day"}),
    ("worked exactly half_day_below_hours is present", DAY, ("09:00", "13:00"), {}, {"status": "present"}),
    (
        "approved full-day leave wins over everything",
        DAY,
        ("09:00", "17:00"),
        {"absences": {D: Absence("vacation")}},
        {"status": "on_leave", "leave_kind": "vacation", "worked_minutes": 450},
    ),
    (
        "half-day leave is no on_leave: the day follows the other rules",
        DAY,
        (),
        {"absences": {D: Absence("vacation", full_day=False)}},
        {"status": "absent", "leave_kind": "vacation"},
    ),
    (
        "a public holiday without punches is a holiday even with a planned shift",
        DAY,
        (),
        {"holidays": {D}},
        {"status": "holiday", "is_holiday": True, "is_off_day": True},
    ),
    (
        "leave on a public holiday is leave",
        DAY,
        (),
        {"holidays": {D}, "absences": {D: Absence("sick")}},
        {"status": "on_leave"},
    ),
    (
        "work on a holiday is present with all of it overtime",
        DAY,
        ("09:20", "17:00"),
        {"holidays": {D}},
        {"status": "present", "worked_minutes": 430, "overtime_minutes": 430, "late_minutes": 0},
    ),
    (
        "work on an off day is present with all of it overtime and no break",
        None,
        ("10:00", "17:00"),
        {},
        {"status": "present", "worked_minutes": 420, "overtime_minutes": 420, "shift_id": None},
    ),
    (
        "a short stint on an off day is still present",
        None,
        ("10:00", "10:30"),
        {},
        {"status": "present", "overtime_minutes": 30},
    ),
    ("one punch on an off day is a missing punch", None, ("10:00",), {}, {"status": "missing_punch"}),
    ("one punch on a holiday is a missing punch", DAY, ("10:00",), {"holidays": {D}}, {"status": "missing_punch"}),
]


@pytest.mark.parametrize(("shift", "times", "inputs", "expected"), [r[1:] for r in STATUS], ids=[r[0] for r in STATUS])
def test_status_first_match_wins(
    shift: ShiftRule | None, times: tuple[str, ...], inputs: dict[str, Any], expected: dict[str, Any]
) -> None:
    check(one_day(shift, times, **inputs), expected)


# --- Night shifts and DST ---------------------------------------------------------------------

NIGHTS = [
    (
        "a night shift's punches after midnight belong to the date it started",
        date(2026, 3, 2),
        ("21:55", "+1 06:03"),
        {"date": date(2026, 3, 2), "status": "present", "worked_minutes": 458, "overtime_minutes": 8},
    ),
    (
        "a 22:00-06:00 shift on the spring-forward night is 7 hours",
        date(2026, 3, 28),
        ("22:00", "+1 06:00"),
        {"worked_minutes": 390, "overtime_minutes": 0, "early_exit_minutes": 0, "status": "present"},
    ),
    (
        "a 22:00-06:00 shift on the fall-back night is 9 hours",
        date(2026, 10, 24),
        ("22:00", "+1 06:00"),
        {"worked_minutes": 510, "overtime_minutes": 0, "status": "present"},
    ),
    (
        "leaving at 05:00 on the spring-forward night is a one-hour early exit",
        date(2026, 3, 28),
        ("22:00", "+1 05:00"),
        {"early_exit_minutes": 60, "worked_minutes": 360},
    ),
    (
        "lateness on the fall-back night is measured in real minutes",
        date(2026, 10, 24),
        ("22:10", "+1 06:00"),
        {"late_minutes": 10, "worked_minutes": 500},
    ),
]


@pytest.mark.parametrize(("day", "times", "expected"), [r[1:] for r in NIGHTS], ids=[r[0] for r in NIGHTS])
def test_night_shifts_and_dst(day: date, times: tuple[str, ...], expected: dict[str, Any]) -> None:
    check(one_day(NIGHT, times, day=day), expected)


@pytest.mark.parametrize(
    ("day", "minutes"),
    [(date(2026, 3, 28), 390), (date(2026, 10, 24), 510), (date(2026, 3, 2), 450)],
    ids=[
        "spring forward: 7 h less the break",
        "fall back: 9 h less the break",
        "an ordinary night: 8 h less the break",
    ],
)
def test_planned_minutes_follow_the_clock_change(day: date, minutes: int) -> None:
    assert planned_net_minutes(day, NIGHT, ZoneInfo(ZURICH)) == minutes


def test_the_window_of_a_dst_night_is_in_real_time() -> None:
    result = one_day(NIGHT, (), day=date(2026, 3, 28))
    # 22:00 CET − 2 h = 19:00 UTC; 06:00 CEST + 4 h = 08:00 UTC next day.
    assert result.window_start == datetime(2026, 3, 28, 19, 0, tzinfo=UTC)
    assert result.window_end == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


def test_a_night_shift_and_next_mornings_day_shift_split_their_punches() -> None:
    plan = {D: NIGHT, D + timedelta(days=1): DAY}
    facts = punches("21:58", "+1 06:10", "+1 08:50", "+1 17:02")
    employee = EmployeeInputs(employee_id="E", time_zone=ZURICH, plan=plan, punches=facts)
    night, day = compute_days(employee, D, D + timedelta(days=1), now=LATER, final_after=timedelta(hours=1))
    assert (night.first_in, night.last_out) == (at("21:58"), at("+1 06:10"))
    assert (day.first_in, day.last_out) == (at("+1 08:50"), at("+1 17:02"))


def test_a_punch_in_two_windows_goes_to_the_nearer_shift() -> None:
    # 06:00 night end + 4 h and 09:00 day start − 2 h overlap from 07:00 to 10:00.
    plan = {D: NIGHT, D + timedelta(days=1): DAY}
    facts = punches("22:00", "+1 07:20", "+1 08:40", "+1 17:00")
    employee = EmployeeInputs(employee_id="E", time_zone=ZURICH, plan=plan, punches=facts)
    night, day = compute_days(employee, D, D + timedelta(days=1), now=LATER, final_after=timedelta(hours=1))
    assert night.last_out == at("+1 07:20") and night.punch_count == 2
    assert day.first_in == at("+1 08:40") and day.punch_count == 2


def test_a_tie_between_two_windows_goes_to_the_later_shift() -> None:
    # Issue #25 (Frappe HR's rule): halfway between two shifts, after the first one's end,
    # the punch is the later shift's check-in; one second earlier it is the night's out.
    plan = {D: NIGHT, D + timedelta(days=1): DAY}
    facts = punches("22:00", "+1 06:05", "+1 07:30", "+1 17:00")  # 07:30: 1.5 h from each
    employee = EmployeeInputs(employee_id="E", time_zone=ZURICH, plan=plan, punches=facts)
    night, day = compute_days(employee, D, D + timedelta(days=1), now=LATER, final_after=timedelta(hours=1))
    assert night.last_out == at("+1 06:05") and day.first_in == at("+1 07:30") and day.punch_count == 2
    facts = punches("22:00", "+1 07:29:59", "+1 09:00", "+1 17:00")
    employee = EmployeeInputs(employee_id="E", time_zone=ZURICH, plan=plan, punches=facts)
    night, day = compute_days(employee, D, D + timedelta(days=1), now=LATER, final_after=timedelta(hours=1))
    assert night.last_out == at("+1 07:29:59") and day.first_in == at("+1 09:00")


def test_on_an_off_day_after_a_night_shift_only_unclaimed_punches_count() -> None:
    plan: dict[date, ShiftRule | None] = {D: NIGHT, D + timedelta(days=1): None}
    facts = punches("22:00", "+1 06:00", "+1 14:00", "+1 16:30")
    employee = EmployeeInputs(employee_id="E", time_zone=ZURICH, plan=plan, punches=facts)
    night, off = compute_days(employee, D, D + timedelta(days=1), now=LATER, final_after=timedelta(hours=1))
    assert night.punch_count == 2 and night.status == "present"
    assert (off.status, off.punch_count, off.overtime_minutes) == ("present", 2, 150)


def test_punches_on_a_planned_day_outside_its_window_belong_to_no_day() -> None:
    result = one_day(DAY, ("03:00", "09:00", "17:00", "23:30"))
    assert result.punch_count == 2 and result.first_in == at("09:00") and result.last_out == at("17:00")


def test_an_off_days_calendar_day_is_local_midnight_to_midnight() -> None:
    # 23:30 local on D is 22:30 UTC: the same local date, whatever UTC says.
    result = one_day(None, ("00:00", "23:30"))
    assert result.punch_count == 2
    assert result.window_start == at("00:00") and result.window_end == at("+1 00:00")


# --- Rule 1: rotating schedules and overrides ----------------------------------------------------

EARLY = replace(DAY, id="early", code="E", start_time=time(6), end_time=time(14))
LATE = replace(DAY, id="late", code="L", start_time=time(14), end_time=time(22))
ROTATION = CyclePlan(anchor_date=date(2020, 1, 6), days=[EARLY, EARLY, LATE, LATE, NIGHT, NIGHT, None, None])

PLANS = [
    ("the anchor date is cycle day 1", date(2020, 1, 6), {}, EARLY),
    ("cycle day 5 is the first night", date(2020, 1, 10), {}, NIGHT),
    ("the cycle repeats after its length", date(2020, 1, 14), {}, EARLY),
    # 2026-03-02 is 2247 days after the anchor: 2247 % 8 = 7, the second off day.
    ("many cycles after the anchor the position is exact", date(2026, 3, 2), {}, None),
    ("one day later a new cycle starts", date(2026, 3, 3), {}, EARLY),
    ("a date before the anchor falls in the cycle too", date(2020, 1, 5), {}, None),
    ("eight days before the anchor is cycle day 1", date(2019, 12, 29), {}, EARLY),
    ("an override wins over the schedule", date(2020, 1, 6), {date(2020, 1, 6): LATE}, LATE),
    ("an override to off wins over a planned shift", date(2020, 1, 6), {date(2020, 1, 6): None}, None),
    ("an override plans a shift on a cycle's off day", date(2020, 1, 12), {date(2020, 1, 12): DAY}, DAY),
]


@pytest.mark.parametrize(("day", "overrides", "expected"), [r[1:] for r in PLANS], ids=[r[0] for r in PLANS])
def test_rotating_schedules_and_overrides(day: date, overrides: dict[date, Any], expected: ShiftRule | None) -> None:
    plan = resolve_plan(
        assignments=[AssignmentSpan(schedule=ROTATION, start_date=date(2019, 1, 1))],
        overrides=overrides,
        date_from=day,
        date_to=day,
    )
    assert plan.get(day) == expected


def test_assignments_apply_only_within_their_dates() -> None:
    weekly = CyclePlan(anchor_date=date(2026, 1, 5), days=[DAY] * 5 + [None, None])
    spans = [
        AssignmentSpan(schedule=weekly, start_date=date(2026, 3, 1), end_date=date(2026, 3, 3)),
        AssignmentSpan(schedule=ROTATION, start_date=date(2026, 3, 5)),
    ]
    plan = resolve_plan(assignments=spans, overrides={}, date_from=date(2026, 2, 28), date_to=date(2026, 3, 5))
    assert date(2026, 2, 28) not in plan
    assert plan[date(2026, 3, 2)] == DAY and plan[date(2026, 3, 3)] == DAY
    assert date(2026, 3, 4) not in plan
    assert plan[date(2026, 3, 5)] == ROTATION.shift_on(date(2026, 3, 5))


def test_a_planned_day_in_the_engine_uses_the_resolved_plan() -> None:
    plan = resolve_plan(
        assignments=[AssignmentSpan(schedule=ROTATION, start_date=date(2019, 1, 1))],
        overrides={},
        date_from=D - timedelta(days=3),
        date_to=D + timedelta(days=3),
    )
    # D + 1 is cycle day 1 (early 06:00-14:00).
    result = one_day(None, ("05:58", "14:01"), day=D + timedelta(days=1), plan=plan)
    assert (result.shift_id, result.status, result.late_minutes) == ("early", "present", 0)


# --- Punch direction ---------------------------------------------------------------------------

DIRECTIONS: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = [
    (
        "first-in/last-out ignores the breaks in between",
        FIRST_LAST,
        ("09:00", "12:00", "13:00", "17:00"),
        {"worked_minutes": 450},
    ),
    (
        "the device's in/out states sum the pairs, less the break when they exceed its threshold",
        DEVICE_STATE,
        (("09:00", "in"), ("12:00", "out"), ("13:00", "in"), ("17:00", "out")),
        {"worked_minutes": 390},
    ),
    (
        "an unknown state is taken as the opposite of the punch before it",
        DEVICE_STATE,
        (("09:00", "in"), ("12:00", "unknown"), ("13:00", "in"), ("17:00", "unknown")),
        {"worked_minutes": 390, "punch_count": 4},
    ),
    (
        "a device reporting no states at all falls back to first-in/last-out",
        DEVICE_STATE,
        ("09:00", "12:00", "13:00", "17:00"),
        {"worked_minutes": 450},
    ),
    (
        "pairs at or under the break threshold keep every minute",
        DEVICE_STATE,
        (("09:00", "in"), ("12:00", "out"), ("13:00", "in"), ("15:00", "out")),
        {"worked_minutes": 300},
    ),
    (
        "a repeated in keeps the first one",
        DEVICE_STATE,
        (("09:00", "in"), ("09:30", "in"), ("17:00", "out")),
        {"worked_minutes": 450, "first_in": at("09:00")},
    ),
    (
        "a repeated out extends the last pair",
        DEVICE_STATE,
        (("09:00", "in"), ("16:00", "out"), ("17:00", "out")),
        {"worked_minutes": 450},
    ),
    (
        "alternating pairs by position whatever the device says",
        ALTERNATING,
        (("09:00", "out"), ("12:00", "out"), ("13:00", "out"), ("17:00", "out")),
        {"worked_minutes": 390},
    ),
    (
        "alternating leaves an odd last punch unpaired",
        ALTERNATING,
        ("09:00", "12:00", "13:00"),
        {"worked_minutes": 180, "last_out": at("13:00"), "status": "half_day"},
    ),
]


@pytest.mark.parametrize(("mode", "times", "expected"), [r[1:] for r in DIRECTIONS], ids=[r[0] for r in DIRECTIONS])
def test_punch_direction_modes(mode: str, times: tuple[Any, ...], expected: dict[str, Any]) -> None:
    check(one_day(DAY, times, direction_mode=mode), expected)


def test_a_single_out_punch_is_a_last_out_when_the_device_says_so() -> None:
    check(
        one_day(DAY, (("17:00", "out"),), direction_mode=DEVICE_STATE),
        {"first_in": None, "last_out": at("17:00"), "status": "missing_punch", "late_minutes": 0},
    )


def test_a_devices_rule_wins_over_the_locations() -> None:
    device = "clock-1"
    facts = [
        PunchFact(at("09:00"), "in", device),
        PunchFact(at("12:00"), "out", device),
        PunchFact(at("13:00"), "in", device),
        PunchFact(at("17:00"), "out", device),
    ]
    by_location = one_day(DAY, facts=facts, direction_mode=FIRST_LAST)
    by_device = one_day(DAY, facts=facts, direction_mode=FIRST_LAST, device_modes={device: DEVICE_STATE})
    assert (by_location.worked_minutes, by_device.worked_minutes) == (450, 390)


# --- Provisional and final -----------------------------------------------------------------------

CLOSE = at("21:00")  # the standard shift's window closes at 17:00 + 4 h
K20 = DeviceSync(device_id="k20", name="Lobby K20", last_sync_at=CLOSE - timedelta(minutes=5))
SYNCED = DeviceSync(device_id="k40", name="Gate K40", last_sync_at=CLOSE + timedelta(minutes=1))

FINALITY = [
    (
        "a day is provisional while its window is open",
        CLOSE - timedelta(minutes=1),
        (),
        {"is_final": False, "waiting_for": ()},
    ),
    ("with no device serving the employee a closed day is final", CLOSE, (), {"is_final": True}),
    (
        "a device that synced after the window closed makes it final",
        CLOSE + timedelta(hours=1),
        (SYNCED,),
        {"is_final": True},
    ),
    (
        "a device that last synced before the window closed keeps it provisional",
        CLOSE + timedelta(hours=1),
        (SYNCED, K20),
        {"is_final": False, "waiting_for": (K20,)},
    ),
    (
        "a device that never synced keeps it provisional",
        CLOSE + timedelta(hours=1),
        (replace(K20, last_sync_at=None),),
        {"is_final": False},
    ),
    (
        "after the timeout the day is final even without the device",
        CLOSE + timedelta(hours=48),
        (K20,),
        {"is_final": True, "waiting_for": ()},
    ),
]


@pytest.mark.parametrize(("now", "devices", "expected"), [r[1:] for r in FINALITY], ids=[r[0] for r in FINALITY])
def test_provisional_until_every_device_has_synced_past_the_window(
    now: datetime, devices: tuple[Any, ...], expected: dict[str, Any]
) -> None:
    check(one_day(DAY, ("09:00", "17:00"), now=now, devices=devices), expected)


DUE = [
    ("a planned day before its window closes, without punches, is not due", at("20:59"), (), False),
    ("a planned day is due once its window closes", at("21:00"), (), True),
    ("a day with a punch is due at once", at("09:01"), ("09:00",), True),
]


@pytest.mark.parametrize(("now", "times", "due"), [r[1:] for r in DUE], ids=[r[0] for r in DUE])
def test_days_are_due_when_they_have_punches_or_their_window_closed(
    now: datetime, times: tuple[str, ...], due: bool
) -> None:
    assert one_day(DAY, times, now=now).due is due


def test_days_outside_the_employment_are_not_computed() -> None:
    employee = EmployeeInputs(
        employee_id="E", time_zone=ZURICH, plan={}, employed_from=D, employed_to=D + timedelta(days=1)
    )
    days = compute_days(employee, D - timedelta(days=2), D + timedelta(days=3), now=LATER, final_after=timedelta(0))
    assert [d.date for d in days] == [D, D + timedelta(days=1)]


def test_the_same_inputs_give_the_same_results() -> None:
    facts = punches("08:58", "12:00", "12:30", "17:10", "+1 09:00", "+1 17:00")
    employee = EmployeeInputs(
        employee_id="E", time_zone=ZURICH, plan={D: DAY, D + timedelta(days=1): DAY}, punches=facts
    )
    first = compute_days(employee, D, D + timedelta(days=1), now=LATER, final_after=timedelta(0))
    again = compute_days(employee, D, D + timedelta(days=1), now=LATER, final_after=timedelta(0))
    assert first == again


def test_times_in_another_zone_are_local_to_the_employee() -> None:
    result = one_day(DAY, ("09:00", "17:00"), tz="America/New_York")
    assert result.first_in == datetime(2026, 3, 2, 14, 0, tzinfo=UTC) and result.late_minutes == 0
