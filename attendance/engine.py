"""The attendance engine: DESIGN §6 as one pure function.

``compute_days(inputs, date_from, date_to, now=..., final_after=...)`` turns one employee's
plan, punches, absences, holidays and device sync state into one ``DayResult`` per business
date. It touches no database and no clock (``now`` is an argument), so every rule is a
table-driven test away (attendance/tests/test_engine.py). ``attendance.services.recompute``
loads the inputs for many employees in a few queries and writes the results in bulk.

Rules, in the order DESIGN §6 gives them (E = the employee, D = the business date, the
date a shift starts in E's time zone):

1. planned shift = override for D, else the assignment's cycle day, else none (resolved by
   the loader into ``EmployeeInputs.plan``).
2. window = [start(D) − checkin_window_before, end(D) + checkout_window_after] as aware
   instants in E's zone. All durations are taken between UTC instants, never wall clocks,
   so a 22:00–06:00 shift is 7 hours on the spring-forward night and 9 on the fall-back one.
3. a punch inside planned windows belongs to exactly one shift (see ``_owner``); punches
   of a local calendar day that no window claims belong to that day if it has no planned
   shift. Repeats within 2 minutes (≤ 120 s) of the previous kept punch are ignored.
4. worked, break, late, early exit, overtime (``_metrics``), in whole minutes (seconds are
   truncated before any comparison with a threshold).
5. status: the first match of on_leave, holiday, weekly_off, absent (no punches),
   missing_punch, absent (below absent_below_hours), half_day, present; work on an off
   day or holiday is present with all of it overtime.

Decisions where DESIGN §6 is silent are marked "Decision:" below and listed in
docs/ATTENDANCE.md.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# Statuses (attendance.models.DayStatus values; repeated here so the engine imports no Django).
PRESENT = "present"
ABSENT = "absent"
HALF_DAY = "half_day"
MISSING_PUNCH = "missing_punch"
ON_LEAVE = "on_leave"
HOLIDAY = "holiday"
WEEKLY_OFF = "weekly_off"

# Punch directions and pairing modes (models.PunchDirection / models.DirectionMode values).
IN, OUT, UNKNOWN = "in", "out", "unknown"
FIRST_LAST, DEVICE_STATE, ALTERNATING = "first_last", "device_state", "alternating"
# First IN to last OUT by the punches' directions (Frappe HR's "strictly based on log type").
IN_OUT = "in_out"

# What a shift does with work on a public holiday (models.HolidayWork values).
HOLIDAY_OVERTIME, HOLIDAY_NORMAL, HOLIDAY_IGNORED = "overtime", "normal", "ignored"

DUPLICATE_SECONDS = 120
# Plans this many days either side of the range are needed: a window reaches at most
# 12 h before its start and 24 h + 12 h after it (models.MAX_WINDOW_MINUTES).
PLAN_MARGIN_DAYS = 2


@dataclass(frozen=True, slots=True)
class ShiftRule:
    id: Any
    start_time: time
    end_time: time
    code: str = ""
    unpaid_break_minutes: int = 0
    break_after_minutes: int = 360
    late_grace_minutes: int = 0
    early_exit_grace_minutes: int = 0
    checkin_window_before_minutes: int = 120
    checkout_window_after_minutes: int = 240
    half_day_below_minutes: int = 240
    absent_below_minutes: int = 120
    overtime_after_minutes: int = 0
    holiday_work: str = HOLIDAY_OVERTIME


@dataclass(frozen=True, slots=True)
class PunchFact:
    timestamp: datetime  # aware
    direction: str = UNKNOWN
    device_id: Any = None


@dataclass(frozen=True, slots=True)
class Absence:
    """Approved leave on a date (from the absence provider)."""

    kind: str
    full_day: bool = True


@dataclass(frozen=True, slots=True)
class DeviceSync:
    """A time clock that serves the employee and when it last synced successfully."""

    device_id: Any
    name: str
    last_sync_at: datetime | None


@dataclass(frozen=True, slots=True)
class ManualStatus:
    """A status an admin or manager set by hand for a date (models.ManualDayStatus); it wins
    over the computed one until it is cleared. ``set_by`` is opaque (a user id)."""

    status: str
    reason: str = ""
    set_by: Any = None


# What a date plans: one shift, several (a split shift, in planned order), or none.
Planned = ShiftRule | tuple[ShiftRule, ...] | None


def shifts_of(planned: Planned) -> tuple[ShiftRule, ...]:
    """The shifts a plan entry holds, in planned order (empty: no shift)."""
    if planned is None:
        return ()
    if isinstance(planned, ShiftRule):
        return (planned,)
    return planned


def planned_value(shifts: Sequence[ShiftRule]) -> Planned:
    """The plan entry for ``shifts``: None, the one shift, or a tuple of several."""
    if not shifts:
        return None
    if len(shifts) == 1:
        return shifts[0]
    return tuple(shifts)


@dataclass
class EmployeeInputs:
    employee_id: Any
    time_zone: str
    # business date -> planned shift(s); a missing date or None means no planned shift.
    plan: Mapping[date, Planned] = field(default_factory=dict)
    punches: Sequence[PunchFact] = ()
    absences: Mapping[date, Absence] = field(default_factory=dict)
    holidays: frozenset[date] | set[date] = frozenset()
    direction_mode: str = FIRST_LAST  # the employee's location's rule
    device_modes: Mapping[Any, str] = field(default_factory=dict)  # per-device rules (win)
    devices: Sequence[DeviceSync] = ()
    employed_from: date | None = None
    employed_to: date | None = None
    manual: Mapping[date, ManualStatus] = field(default_factory=dict)


@dataclass(slots=True)
class PartResult:
    """One shift's result on a day with several shifts. ``status`` is None while the part
    is not due (no punches and its window still open): a shift that has not started is
    not an absence."""

    shift_id: Any
    code: str
    start: datetime  # planned start and end
    end: datetime
    status: str | None
    first_in: datetime | None
    last_out: datetime | None
    worked_minutes: int
    late_minutes: int
    early_exit_minutes: int
    overtime_minutes: int
    punch_count: int
    is_final: bool


@dataclass(slots=True)
class DayResult:
    employee_id: Any
    date: date
    shift_id: Any
    status: str
    first_in: datetime | None
    last_out: datetime | None
    worked_minutes: int
    late_minutes: int
    early_exit_minutes: int
    overtime_minutes: int
    is_off_day: bool
    is_holiday: bool
    leave_kind: str
    punch_count: int
    is_final: bool
    waiting_for: tuple[DeviceSync, ...]
    window_start: datetime
    window_end: datetime
    # False while the day has neither punches nor an ended window: nothing to store yet
    # (a shift that has not started is not an absence).
    due: bool
    manual: ManualStatus | None = None
    # Days with several shifts: one part per shift in planned order; empty otherwise.
    parts: tuple[PartResult, ...] = ()


@dataclass(slots=True)
class _Window:
    day: date
    index: int  # the shift's position among the day's shifts
    shift: ShiftRule
    start: float  # epoch seconds of the planned start
    end: float
    open: float  # window bounds
    close: float


# --- Rule 1: the plan ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CyclePlan:
    """A schedule: ``days[i]`` is the shift (or shifts) of cycle day i (None = off), day 0
    on ``anchor_date``."""

    anchor_date: date
    days: Sequence[Planned]

    def shift_on(self, day: date) -> Planned:
        # Python's % is never negative, so dates before the anchor fall in the cycle too.
        return self.days[(day - self.anchor_date).days % len(self.days)] if self.days else None


@dataclass(frozen=True, slots=True)
class AssignmentSpan:
    schedule: CyclePlan
    start_date: date
    end_date: date | None = None
    # An additional assignment adds its cycle day's shifts beside the main plan.
    additional: bool = False

    def covers(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


def resolve_plan(
    *,
    assignments: Sequence[AssignmentSpan],
    overrides: Mapping[date, Planned],
    date_from: date,
    date_to: date,
    additions: Mapping[date, Sequence[ShiftRule]] | None = None,
) -> dict[date, Planned]:
    """Planned shift(s) per date: the override, else the covering (main) assignment's cycle
    day; then the shifts of covering additional assignments and of adding overrides
    (``additions``) beside them. Several shifts come in order of their start time; a
    shift planned twice counts once. A date that no main assignment or override covers
    has no key unless something adds a shift to it."""
    plan: dict[date, Planned] = {}
    extra_spans = [span for span in assignments if span.additional]
    main_spans = [span for span in assignments if not span.additional]
    for day in _date_range(date_from, date_to):
        if day in overrides:
            plan[day] = overrides[day]
        else:
            for span in main_spans:
                if span.covers(day):
                    plan[day] = span.schedule.shift_on(day)
                    break
        added: list[ShiftRule] = []
        for span in extra_spans:
            if span.covers(day):
                added.extend(shifts_of(span.schedule.shift_on(day)))
        if additions and day in additions:
            added.extend(additions[day])
        if added:
            shifts = list(shifts_of(plan.get(day)))
            for shift in added:
                if all(shift.id != s.id for s in shifts):
                    shifts.append(shift)
            shifts.sort(key=lambda s: s.start_time)
            plan[day] = planned_value(shifts)
    return plan


def _span_minutes(shift: ShiftRule) -> tuple[int, int]:
    start = shift.start_time.hour * 60 + shift.start_time.minute
    end = shift.end_time.hour * 60 + shift.end_time.minute
    return start, end if end > start else end + 24 * 60


def overlapping(shifts: Sequence[ShiftRule]) -> tuple[ShiftRule, ShiftRule] | None:
    """Two shifts of one date whose planned times overlap, or None. Decision: planned
    start to end on the same business date (a night shift's end runs into the next day);
    touching is fine (08:00–12:00 beside 12:00–16:00); check-in windows may overlap (the
    punch owner rule settles them). Shifts of different dates are not compared."""
    spans = sorted((_span_minutes(s), i) for i, s in enumerate(shifts))
    for ((_s1, e1), i), ((s2, _e2), j) in zip(spans, spans[1:], strict=False):
        if s2 < e1:
            return shifts[i], shifts[j]
    return None


# --- Rules 2-5 -------------------------------------------------------------------------------


def _epoch(day: date, at: time, tz: ZoneInfo) -> float:
    # An aware datetime's timestamp() goes through its UTC offset, so a local time that
    # does not exist (spring forward) or exists twice (fall back) still maps to one instant
    # (fold=0: the offset in force before the transition).
    return datetime.combine(day, at, tzinfo=tz).timestamp()


def shift_bounds(day: date, shift: ShiftRule, tz: ZoneInfo) -> tuple[float, float]:
    """Planned start and end of ``shift`` on business date ``day``, as epoch seconds."""
    start = _epoch(day, shift.start_time, tz)
    end_day = day if shift.end_time > shift.start_time else day + timedelta(days=1)
    return start, _epoch(end_day, shift.end_time, tz)


def planned_net_minutes(day: date, shift: ShiftRule, tz: ZoneInfo) -> int:
    """Scheduled minutes of ``shift`` on ``day`` (DST-correct) minus the break where due."""
    start, end = shift_bounds(day, shift, tz)
    scheduled = int(end - start) // 60
    # Decision: the break is planned only when the shift is long enough to earn it, the
    # same threshold rule 4 applies to worked time (a 4 h shift has no 30 min break).
    return scheduled - shift.unpaid_break_minutes if scheduled > shift.break_after_minutes else scheduled


def _window(day: date, shift: ShiftRule, tz: ZoneInfo, index: int = 0) -> _Window:
    start, end = shift_bounds(day, shift, tz)
    return _Window(
        day=day,
        index=index,
        shift=shift,
        start=start,
        end=end,
        open=start - shift.checkin_window_before_minutes * 60,
        close=end + shift.checkout_window_after_minutes * 60,
    )


def _owner(candidates: list[_Window], t: float) -> _Window:
    """Decision: a punch inside one window belongs to that shift; inside several, to the
    shift whose planned span is nearest (0 inside it). On a tie (Frappe HR's rule), a punch
    at or after the earlier shift's planned end goes to the later shift — at 12:00:00
    between 08:00–12:00 and 12:00–16:00, or halfway between two shifts, it is the later
    shift's check-in — and a punch before that end (inside two overlapping shifts of
    different dates) to the earlier one."""
    best = candidates[0]
    best_distance = _distance(best, t)
    for window in candidates[1:]:
        distance = _distance(window, t)
        if distance < best_distance:
            best, best_distance = window, distance
        elif distance == best_distance:
            earlier, later = (best, window) if (best.start, best.day) <= (window.start, window.day) else (window, best)
            best = later if t >= earlier.end else earlier
    return best


def _distance(window: _Window, t: float) -> float:
    if t < window.start:
        return window.start - t
    if t > window.end:
        return t - window.end
    return 0.0


def _dedupe(punches: list[tuple[float, PunchFact]]) -> list[tuple[float, PunchFact]]:
    kept: list[tuple[float, PunchFact]] = []
    last = None
    for item in punches:
        if last is not None and item[0] - last <= DUPLICATE_SECONDS:
            continue
        kept.append(item)
        last = item[0]
    return kept


def _effective_directions(punches: list[tuple[float, PunchFact]], mode: str) -> list[str] | None:
    """In/out per punch for the pairing modes; None means first-in/last-out."""
    if mode == ALTERNATING:
        return [IN if i % 2 == 0 else OUT for i in range(len(punches))]
    if mode == DEVICE_STATE:
        if all(p.direction not in (IN, OUT) for _t, p in punches):
            return None  # the device said nothing usable: first-in/last-out
        # Unknown states (ZK's 255) are never dropped: such a punch is taken as the
        # opposite of the one before it (the first as an in).
        directions: list[str] = []
        previous = OUT
        for _t, p in punches:
            direction = p.direction if p.direction in (IN, OUT) else (IN if previous == OUT else OUT)
            directions.append(direction)
            previous = direction
        return directions
    return None


def _paired_seconds(punches: list[tuple[float, PunchFact]], directions: list[str]) -> float:
    """Sum of in→out pairs. A repeated in keeps the first; an out after a closed pair
    extends that pair (a second tap on the way out); an in never closed adds nothing."""
    total = 0.0
    open_at: float | None = None
    last_pair_end: float | None = None
    for (t, _p), direction in zip(punches, directions, strict=True):
        if direction == IN:
            if open_at is None:
                open_at = t
        elif open_at is not None:
            total += t - open_at
            open_at, last_pair_end = None, t
        elif last_pair_end is not None:
            total += t - last_pair_end
            last_pair_end = t
    return total


def _day_mode(punches: list[tuple[float, PunchFact]], inputs: EmployeeInputs) -> str:
    # Decision: the rule of the first device (in time order) that has one; else the
    # location's; else first-in/last-out.
    if inputs.device_modes:
        for _t, p in punches:
            mode = inputs.device_modes.get(p.device_id)
            if mode:
                return mode
    return inputs.direction_mode or FIRST_LAST


def _aware(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def _date_range(first: date, last: date) -> Iterable[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def compute_days(
    inputs: EmployeeInputs,
    date_from: date,
    date_to: date,
    *,
    now: datetime,
    final_after: timedelta,
    absent_after: timedelta = timedelta(0),
) -> list[DayResult]:
    """One result per date in [date_from, date_to] within the employment period.

    ``absent_after``: a day without punches that would be absent becomes due this long
    after its window closes (CompanySettings.absent_after_hours; 0: at the close)."""
    tz = ZoneInfo(inputs.time_zone)
    now_epoch = now.timestamp()
    final_after_s = final_after.total_seconds()
    absent_after_s = absent_after.total_seconds()

    # Windows of every planned shift near the range, ordered by opening time.
    windows: list[_Window] = []
    for day in _date_range(date_from - timedelta(days=PLAN_MARGIN_DAYS), date_to + timedelta(days=PLAN_MARGIN_DAYS)):
        planned = inputs.plan.get(day)
        if planned is None:
            continue
        if isinstance(planned, ShiftRule):
            windows.append(_window(day, planned, tz))
        else:
            windows.extend(_window(day, shift, tz, index) for index, shift in enumerate(planned))
    by_part = {(w.day, w.index): w for w in windows}
    windows.sort(key=lambda w: w.open)
    opens = [w.open for w in windows]

    # Rule 3: give each punch to one shift of one day (index 0 on a day without a shift).
    by_day: dict[tuple[date, int], list[tuple[float, PunchFact]]] = {}
    for punch in inputs.punches:
        t = punch.timestamp.timestamp()
        # Only windows opened before t can hold it, and a window spans at most 48 h.
        hi = bisect.bisect_right(opens, t)
        lo = bisect.bisect_left(opens, t - _MAX_WINDOW_SECONDS, 0, hi)
        candidates = [w for w in windows[lo:hi] if w.close >= t]
        if candidates:
            owner = _owner(candidates, t) if len(candidates) > 1 else candidates[0]
            key = (owner.day, owner.index)
        else:
            day = datetime.fromtimestamp(t, tz=tz).date()
            if inputs.plan.get(day) is not None:
                continue  # outside every window on a planned day: belongs to no day
            key = (day, 0)
        by_day.setdefault(key, []).append((t, punch))

    results: list[DayResult] = []
    for day in _date_range(date_from, date_to):
        if inputs.employed_from is not None and day < inputs.employed_from:
            continue
        if inputs.employed_to is not None and day > inputs.employed_to:
            continue
        planned = inputs.plan.get(day)
        if planned is None or isinstance(planned, ShiftRule):
            punches = by_day.get((day, 0), [])
            punches.sort(key=lambda item: item[0])
            results.append(
                _compute_day(
                    inputs,
                    tz,
                    day,
                    planned,
                    by_part.get((day, 0)),
                    _dedupe(punches),
                    now_epoch,
                    final_after_s,
                    absent_after_s,
                )
            )
            continue
        parts = []
        for index, shift in enumerate(planned):
            punches = by_day.get((day, index), [])
            punches.sort(key=lambda item: item[0])
            parts.append(
                _compute_day(
                    inputs,
                    tz,
                    day,
                    shift,
                    by_part[(day, index)],
                    _dedupe(punches),
                    now_epoch,
                    final_after_s,
                    absent_after_s,
                    part=True,
                )
            )
        results.append(_combine(inputs, day, parts))
    return results


# A window reaches at most 12 h before a shift's start and 12 h after its end, and a shift
# lasts at most 24 h (models.MAX_WINDOW_MINUTES).
_MAX_WINDOW_SECONDS = 48 * 3600 + 60


def _combine(inputs: EmployeeInputs, day: date, parts: list[DayResult]) -> DayResult:
    """A day with several shifts: its status and totals derived from its parts.

    Decision: the day is due as soon as one part is; its status is taken from the parts
    that are due — all alike: that status; any missing punch: missing_punch; holiday parts
    (a shift whose holiday rule ignores or keeps the day) aside, all alike: that status;
    otherwise (some worked, some not, or a half day among them) half_day. Leave, a manual
    status and an off day decide for the whole day as with one shift. Minutes and punches
    are the parts' sums; first in is the earliest, last out the latest; the day is final
    when every part is; its window runs from the first part's opening to the last's close.
    """
    due_parts = [p for p in parts if p.due]
    statuses = [p.status for p in due_parts]
    absence = inputs.absences.get(day)
    manual = inputs.manual.get(day)
    if manual is not None:
        status = manual.status
    elif absence is not None and absence.full_day:
        status = ON_LEAVE
    elif not statuses:
        status = parts[0].status  # nothing due yet: the row is not written
    elif len(set(statuses)) == 1:
        status = statuses[0]
    elif MISSING_PUNCH in statuses:
        status = MISSING_PUNCH
    else:
        worked = {s for s in statuses if s != HOLIDAY}
        status = worked.pop() if len(worked) == 1 else HALF_DAY
    firsts = [p.first_in for p in parts if p.first_in is not None]
    lasts = [p.last_out for p in parts if p.last_out is not None]
    waiting: dict[Any, DeviceSync] = {}
    for p in parts:
        for device in p.waiting_for:
            waiting.setdefault(device.device_id, device)
    first = parts[0]
    return DayResult(
        employee_id=inputs.employee_id,
        date=day,
        shift_id=first.shift_id,
        status=status,
        first_in=min(firsts) if firsts else None,
        last_out=max(lasts) if lasts else None,
        worked_minutes=sum(p.worked_minutes for p in parts),
        late_minutes=sum(p.late_minutes for p in parts),
        early_exit_minutes=sum(p.early_exit_minutes for p in parts),
        overtime_minutes=sum(p.overtime_minutes for p in parts),
        is_off_day=first.is_off_day,
        is_holiday=first.is_holiday,
        leave_kind=first.leave_kind,
        punch_count=sum(p.punch_count for p in parts),
        is_final=all(p.is_final for p in parts),
        waiting_for=tuple(waiting.values()),
        window_start=min(p.window_start for p in parts),
        window_end=max(p.window_end for p in parts),
        due=bool(due_parts) or manual is not None,
        manual=manual,
        parts=tuple(
            PartResult(
                shift_id=p.shift_id,
                code=p.parts[0].code,
                start=p.parts[0].start,
                end=p.parts[0].end,
                status=p.status if p.due else None,
                first_in=p.first_in,
                last_out=p.last_out,
                worked_minutes=p.worked_minutes,
                late_minutes=p.late_minutes,
                early_exit_minutes=p.early_exit_minutes,
                overtime_minutes=p.overtime_minutes,
                punch_count=p.punch_count,
                is_final=p.is_final,
            )
            for p in parts
        ),
    )


def _first_in_last_out(
    punches: list[tuple[float, PunchFact]], directions: list[str]
) -> tuple[float | None, float | None]:
    """Mode ``in_out``: the first IN and the last OUT after it. Decision: a punch of unknown
    direction stands in only for a side with no known punch, by position — the earliest
    punch for a missing IN, the latest for a missing OUT. An OUT before the first IN is
    not a last out (the day then misses its out punch)."""
    ins = [t for (t, _p), d in zip(punches, directions, strict=True) if d == IN]
    outs = [t for (t, _p), d in zip(punches, directions, strict=True) if d == OUT]
    unknown = [t for (t, _p), d in zip(punches, directions, strict=True) if d not in (IN, OUT)]
    first_in = ins[0] if ins else (unknown[0] if unknown else None)
    if outs:
        last_out: float | None = outs[-1]
    else:
        rest = [t for t in unknown if first_in is None or t > first_in]
        last_out = rest[-1] if rest else None
    if first_in is not None and last_out is not None and last_out <= first_in:
        last_out = None
    return first_in, last_out


def _compute_day(
    inputs: EmployeeInputs,
    tz: ZoneInfo,
    day: date,
    shift: ShiftRule | None,
    window: _Window | None,
    punches: list[tuple[float, PunchFact]],
    now: float,
    final_after: float,
    absent_after: float = 0.0,
    *,
    part: bool = False,
) -> DayResult:
    """One shift's day (or a day without a shift). With ``part`` it is one of several
    shifts of the day (``_combine`` derives the day): no manual status, and ``parts``
    carries the shift's code and planned times for the combined result."""
    if shift is not None and window is not None:
        start, end, window_open, window_close = window.start, window.end, window.open, window.close
    else:
        start = end = 0.0
        window_open = _epoch(day, time(0), tz)
        window_close = _epoch(day + timedelta(days=1), time(0), tz)
    absence = inputs.absences.get(day)
    is_holiday = day in inputs.holidays
    holiday_work = shift.holiday_work if shift is not None else HOLIDAY_OVERTIME
    # Decision: a shift's holiday rule applies only on a holiday the shift is planned on;
    # work on a day without a shift is always overtime.
    off_day_work = shift is None or (is_holiday and holiday_work == HOLIDAY_OVERTIME)
    punch_count = count = len(punches)
    if is_holiday and holiday_work == HOLIDAY_IGNORED:
        # The punches stay stored and counted in punch_count; the day stays a holiday.
        count = 0

    first_in: float | None = None
    last_out: float | None = None
    worked = late = early = overtime = 0
    one_sided = False  # in_out mode: punches, but no OUT after the first IN (or no IN)
    if count:
        mode = _day_mode(punches, inputs)
        directions = _effective_directions(punches, mode)
        if mode == IN_OUT:
            given = [p.direction for _t, p in punches]
            first_in, last_out = _first_in_last_out(punches, given)
            if count == 1:
                # One punch: as in every mode, an out is a last_out only, else a first_in.
                first_in, last_out = (None, punches[0][0]) if given[0] == OUT else (punches[0][0], None)
            one_sided = first_in is None or last_out is None
            if not one_sided:
                raw = int(last_out - first_in) // 60  # type: ignore[operator]
                if shift is not None and raw > shift.break_after_minutes:
                    worked = max(0, raw - shift.unpaid_break_minutes)
                else:
                    worked = raw
        elif count == 1:
            # One punch: an out (by the device or the pairing mode) is a last_out only.
            if directions is not None and directions[0] == OUT:
                last_out = punches[0][0]
            else:
                first_in = punches[0][0]
        else:
            first, last = punches[0][0], punches[-1][0]
            first_in, last_out = first, last
            raw_seconds = (last - first) if directions is None else _paired_seconds(punches, directions)
            raw = int(raw_seconds) // 60
            if shift is not None and raw > shift.break_after_minutes:
                worked = max(0, raw - shift.unpaid_break_minutes)
            else:
                worked = raw
        if off_day_work:
            overtime = worked
        elif shift is not None:
            if first_in is not None and first_in > start:
                minutes = int(first_in - start) // 60
                late = minutes if minutes > shift.late_grace_minutes else 0
            if last_out is not None and last_out < end:
                minutes = int(end - last_out) // 60
                early = minutes if minutes > shift.early_exit_grace_minutes else 0
            scheduled = int(end - start) // 60
            planned = scheduled - shift.unpaid_break_minutes if scheduled > shift.break_after_minutes else scheduled
            excess = worked - planned
            overtime = excess if excess > 0 and excess >= shift.overtime_after_minutes else 0

    if absence is not None and absence.full_day:
        status = ON_LEAVE
    elif is_holiday and count == 0:
        status = HOLIDAY
    elif shift is None and count == 0:
        status = WEEKLY_OFF
    elif count == 0:
        status = ABSENT
    elif count == 1 or one_sided:
        status = MISSING_PUNCH
    elif off_day_work:
        status = PRESENT
    elif shift is not None and worked < shift.absent_below_minutes:
        status = ABSENT
    elif shift is not None and worked < shift.half_day_below_minutes:
        status = HALF_DAY
    else:
        status = PRESENT

    manual = None if part else inputs.manual.get(day)
    if manual is not None:
        # Set by hand (an admin or the manager): it wins until cleared; the metrics stay
        # what the punches say.
        status = manual.status

    waiting: tuple[DeviceSync, ...] = ()
    if now < window_close:
        is_final = False  # the day is still open
    else:
        lagging = tuple(
            d for d in inputs.devices if d.last_sync_at is None or d.last_sync_at.timestamp() < window_close
        )
        is_final = not lagging or now >= window_close + final_after
        waiting = () if is_final else lagging

    return DayResult(
        employee_id=inputs.employee_id,
        date=day,
        shift_id=shift.id if shift is not None else None,
        status=status,
        first_in=_aware(first_in) if first_in is not None else None,
        last_out=_aware(last_out) if last_out is not None else None,
        worked_minutes=worked,
        late_minutes=late,
        early_exit_minutes=early,
        overtime_minutes=overtime,
        is_off_day=shift is None or is_holiday,
        is_holiday=is_holiday,
        leave_kind=absence.kind if absence is not None else "",
        punch_count=punch_count,
        is_final=is_final,
        waiting_for=waiting,
        window_start=_aware(window_open),
        window_end=_aware(window_close),
        due=_due(status, count, manual, now, window_close, absent_after),
        manual=manual,
        parts=(
            PartResult(
                shift_id=shift.id,
                code=shift.code,
                start=_aware(start),
                end=_aware(end),
                status=status,
                first_in=None,
                last_out=None,
                worked_minutes=0,
                late_minutes=0,
                early_exit_minutes=0,
                overtime_minutes=0,
                punch_count=0,
                is_final=False,
            ),
        )
        if part and shift is not None
        else (),
    )


def _due(status: str, count: int, manual: ManualStatus | None, now: float, close: float, absent_after: float) -> bool:
    """Does the day have a row yet? Decision: a day with punches or a manual status at once;
    otherwise when its window has closed — an absence without punches only ``absent_after``
    later (the company's setting), while off days, holidays and leave appear at the close."""
    if count > 0 or manual is not None:
        return True
    if status == ABSENT:
        return now >= close + absent_after
    return now >= close
