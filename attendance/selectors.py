"""Reads for attendance, including who may see what (one place for pages, API and exports).

Visibility follows the people rule (accounts.selectors.employee_list_visible): admins see
everyone's attendance, managers their own and their reports' (transitively), employees
their own. Shifts and schedules are reference data every signed-in user may read.

Also the plan (rule 1 of DESIGN §6) for many employees at once, and ``planned_minutes``,
which timesheets (expected hours) and leave (working days) read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from accounts.models import Employee, User
from accounts.selectors import employee_for_user, employee_list_visible
from attendance import engine
from attendance.models import (
    AttendanceDay,
    ManualDayStatus,
    PeriodLock,
    Punch,
    Regularisation,
    RegularisationKind,
    Schedule,
    ScheduleAssignment,
    ScheduleDay,
    Shift,
    ShiftOverride,
    ShiftSwapRequest,
)
from etime.core import zones

# --- Who may see and change what ---------------------------------------------------------------


def employees_visible(*, user: User | AnonymousUser) -> QuerySet[Employee]:
    return employee_list_visible(user=user)


def attendance_days_visible(*, user: User | AnonymousUser) -> QuerySet[AttendanceDay]:
    return AttendanceDay.objects.filter(employee__in=employee_list_visible(user=user))


def punches_visible(*, user: User | AnonymousUser) -> QuerySet[Punch]:
    return Punch.objects.filter(employee__in=employee_list_visible(user=user))


def assignments_visible(*, user: User | AnonymousUser) -> QuerySet[ScheduleAssignment]:
    return ScheduleAssignment.objects.filter(employee__in=employee_list_visible(user=user))


def overrides_visible(*, user: User | AnonymousUser) -> QuerySet[ShiftOverride]:
    return ShiftOverride.objects.filter(employee__in=employee_list_visible(user=user))


def swaps_visible(*, user: User | AnonymousUser) -> QuerySet[ShiftSwapRequest]:
    """Swaps where the caller can see either employee: both parties see it, and so do
    their managers and admins."""
    visible = employee_list_visible(user=user)
    return ShiftSwapRequest.objects.filter(Q(requester__in=visible) | Q(counterpart__in=visible))


def regularisations_visible(*, user: User | AnonymousUser) -> QuerySet[Regularisation]:
    return Regularisation.objects.filter(employee__in=employee_list_visible(user=user))


def manual_statuses_visible(*, user: User | AnonymousUser) -> QuerySet[ManualDayStatus]:
    return ManualDayStatus.objects.filter(employee__in=employee_list_visible(user=user))


def shift_list(*, user: User | AnonymousUser) -> QuerySet[Shift]:
    return Shift.objects.all()


def schedule_list(*, user: User | AnonymousUser) -> QuerySet[Schedule]:
    return Schedule.objects.prefetch_related("days")


def swap_scope() -> str:
    """The company's rule for whom an employee may offer a swap (CompanySettings.swap_scope)."""
    from etime.ops.company import company_settings

    return company_settings().swap_scope


def swap_colleagues(*, employee: Employee, scope: str | None = None) -> QuerySet[Employee]:
    """The people ``employee`` could swap shifts with under the company's swap scope
    (themselves excluded): the one place that rule lives, for the picker and the service."""
    from etime.ops.models import CompanySettings

    Scope = CompanySettings.SwapScope
    scope = scope or swap_scope()
    others = Employee.objects.exclude(pk=employee.pk)
    if scope == Scope.COMPANY:
        return others
    key = {Scope.TEAM: "manager_id", Scope.DEPARTMENT: "department_id", Scope.LOCATION: "location_id"}.get(Scope(scope))
    if key is None or getattr(employee, key) is None:  # no swaps, or no team/department/location to share
        return others.none()
    value = getattr(employee, key)
    return others.filter(**{key: value})


def swap_partners(*, user: User | AnonymousUser) -> QuerySet[Employee]:
    """Whom a user may offer a shift swap: their colleagues under the company's swap scope
    (names only are shown), plus everyone they may already see; nobody when swaps are off."""
    from django.utils import timezone

    from etime.ops.models import CompanySettings

    scope = swap_scope()
    if scope == CompanySettings.SwapScope.NONE:
        return Employee.objects.none()
    me = employee_for_user(user)
    visible = employee_list_visible(user=user)
    today = timezone.localdate()
    if me is None:  # an admin without an employee record: whom they may see
        return visible.filter(Q(end_date__isnull=True) | Q(end_date__gte=today)).order_by("last_name", "first_name")
    colleagues = swap_colleagues(employee=me, scope=scope)
    return (
        Employee.objects.filter(Q(pk__in=colleagues.values("pk")) | Q(pk__in=visible.values("pk")))
        .exclude(pk=me.pk)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("last_name", "first_name")
    )


def own_employee(*, user: User | AnonymousUser) -> Employee | None:
    return employee_for_user(user)


# --- Locks -----------------------------------------------------------------------------------------


def locked_ranges() -> list[tuple[date, date]]:
    return list(PeriodLock.objects.order_by("date_from").values_list("date_from", "date_to"))


def lock_covering(day_from: date, day_to: date | None = None) -> PeriodLock | None:
    """The first lock that overlaps [day_from, day_to] (day_to None: open-ended)."""
    day_to = day_to or day_from
    return PeriodLock.objects.filter(date_from__lte=day_to, date_to__gte=day_from).order_by("date_from").first()


def is_locked(day: date, ranges: Sequence[tuple[date, date]]) -> bool:
    return any(start <= day <= end for start, end in ranges)


# --- The plan -----------------------------------------------------------------------------------


def shift_rule(shift: Shift) -> engine.ShiftRule:
    def minutes(hours: Decimal) -> int:
        return int(Decimal(hours) * 60)

    return engine.ShiftRule(
        id=shift.id,
        code=shift.code,
        start_time=shift.start_time,
        end_time=shift.end_time,
        unpaid_break_minutes=shift.unpaid_break_minutes,
        break_after_minutes=shift.break_after_minutes,
        late_grace_minutes=shift.late_grace_minutes,
        early_exit_grace_minutes=shift.early_exit_grace_minutes,
        checkin_window_before_minutes=shift.checkin_window_before_minutes,
        checkout_window_after_minutes=shift.checkout_window_after_minutes,
        half_day_below_minutes=minutes(shift.half_day_below_hours),
        absent_below_minutes=minutes(shift.absent_below_hours),
        overtime_after_minutes=shift.overtime_after_minutes,
        holiday_work=shift.holiday_work,
    )


class PlanCache:
    """Shifts and schedules (small reference tables) read once per recompute run."""

    def __init__(self) -> None:
        self._shifts: dict[Any, engine.ShiftRule] | None = None
        self._schedules: dict[Any, engine.CyclePlan] = {}

    def shifts(self) -> dict[Any, engine.ShiftRule]:
        if self._shifts is None:
            self._shifts = {shift.id: shift_rule(shift) for shift in Shift.objects.all()}
        return self._shifts

    def schedules(self, ids: Iterable[Any]) -> dict[Any, engine.CyclePlan]:
        missing = set(ids) - set(self._schedules)
        if missing:
            shifts = self.shifts()
            days: dict[Any, dict[int, list[engine.ShiftRule]]] = defaultdict(lambda: defaultdict(list))
            for schedule_id, index, shift_id in (
                ScheduleDay.objects.filter(schedule_id__in=missing, shift__isnull=False)
                .order_by("day_index", "position")
                .values_list("schedule_id", "day_index", "shift_id")
            ):
                if shift_id in shifts:
                    days[schedule_id][index].append(shifts[shift_id])
            for schedule_id, length, anchor in Schedule.objects.filter(id__in=missing).values_list(
                "id", "cycle_length", "anchor_date"
            ):
                cycle = [
                    engine.planned_value(sorted(days[schedule_id].get(i, ()), key=lambda r: r.start_time))
                    for i in range(length)
                ]
                self._schedules[schedule_id] = engine.CyclePlan(anchor_date=anchor, days=cycle)
        return self._schedules


def plans_for(
    employee_ids: Sequence[Any],
    date_from: date,
    date_to: date,
    *,
    cache: PlanCache | None = None,
    keep_off_days: bool = False,
) -> dict[Any, dict[date, engine.Planned]]:
    """Rule 1 for many employees in three queries: planned shift per employee and date —
    one ``ShiftRule``, or a tuple of them on a day with several shifts (``engine.shifts_of``
    reads both). Dates without a planned shift are absent from the inner dict; with
    ``keep_off_days`` a planned day off is kept as None, so it differs from a day no
    schedule covers."""
    cache = cache or PlanCache()
    spans: dict[Any, list[tuple[Any, date, date | None, bool]]] = defaultdict(list)
    for employee_id, schedule_id, start, end, additional in (
        ScheduleAssignment.objects.filter(employee_id__in=employee_ids, start_date__lte=date_to)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=date_from))
        .values_list("employee_id", "schedule_id", "start_date", "end_date", "additional")
    ):
        spans[employee_id].append((schedule_id, start, end, additional))
    schedules = cache.schedules({row[0] for rows in spans.values() for row in rows})
    shifts = cache.shifts()
    overrides: dict[Any, dict[date, engine.Planned]] = defaultdict(dict)
    additions: dict[Any, dict[date, list[engine.ShiftRule]]] = defaultdict(lambda: defaultdict(list))
    for employee_id, day, shift_id, adds in ShiftOverride.objects.filter(
        employee_id__in=employee_ids, date__gte=date_from, date__lte=date_to
    ).values_list("employee_id", "date", "shift_id", "adds"):
        if adds:
            if shift_id in shifts:
                additions[employee_id][day].append(shifts[shift_id])
        else:
            overrides[employee_id][day] = shifts.get(shift_id) if shift_id else None
    plans: dict[Any, dict[date, engine.Planned]] = {}
    for employee_id in employee_ids:
        assignments = [
            engine.AssignmentSpan(schedule=schedules[s], start_date=start, end_date=end, additional=additional)
            for s, start, end, additional in spans.get(employee_id, ())
        ]
        plan = engine.resolve_plan(
            assignments=assignments,
            overrides=overrides.get(employee_id, {}),
            date_from=date_from,
            date_to=date_to,
            additions=additions.get(employee_id),
        )
        plans[employee_id] = {day: shift for day, shift in plan.items() if keep_off_days or shift is not None}
    return plans


def planned_shift(*, employee: Employee, day: date) -> Shift | None:
    """The first shift planned for ``employee`` on ``day`` (None: off)."""
    shifts = planned_shifts(employee=employee, day=day)
    return shifts[0] if shifts else None


def planned_shifts(*, employee: Employee, day: date) -> list[Shift]:
    """Every shift planned for ``employee`` on ``day``, in planned order."""
    plan = plans_for([employee.pk], day, day)[employee.pk]
    ids = [rule.id for rule in engine.shifts_of(plan.get(day))]
    by_id = Shift.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def time_zones(employee_ids: Sequence[Any]) -> dict[Any, str]:
    return {
        employee_id: zones.zone_name(own=own, location=location_zone)
        for employee_id, own, location_zone in Employee.objects.filter(id__in=employee_ids).values_list(
            "id", "time_zone", "location__time_zone"
        )
    }


def planned_minutes(*, employee_ids: Sequence[Any], date_from: date, date_to: date) -> dict[tuple[Any, date], int]:
    """Planned working minutes per (employee id, date) for days with a planned shift:
    the shift's (or the sum of the day's shifts') length in the employee's zone (DST-correct) minus the unpaid break where
    the shift is long enough to earn it. Days without a key have no planned shift.

    Read by timesheets (expected hours) and leave (working days = days with a key).
    """
    ids = list(employee_ids)
    zones = time_zones(ids)
    result: dict[tuple[Any, date], int] = {}
    for employee_id, plan in plans_for(ids, date_from, date_to).items():
        tz = ZoneInfo(zones.get(employee_id, "UTC"))
        for day, planned in plan.items():
            if planned is not None:
                # Several shifts a day: each earns its own break (or not) on its own length.
                result[(employee_id, day)] = sum(
                    engine.planned_net_minutes(day, shift, tz) for shift in engine.shifts_of(planned)
                )
    return result


# Minutes expected Monday to Friday of an employee no schedule covers (DESIGN §7: Mon–Fri
# when no schedule). 8 hours.
UNSCHEDULED_WEEKDAY_MINUTES = 480


def schedule_coverage(*, employee_ids: Sequence[Any], date_from: date, date_to: date) -> dict[Any, set[date]]:
    """{employee_id: the days in [date_from, date_to] that a schedule assignment covers}."""
    covered: dict[Any, set[date]] = {}
    rows = (
        ScheduleAssignment.objects.filter(employee_id__in=list(employee_ids), start_date__lte=date_to)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=date_from))
        .values_list("employee_id", "start_date", "end_date")
    )
    for employee_id, start, end in rows:
        first, last = max(start, date_from), min(end, date_to) if end else date_to
        covered.setdefault(employee_id, set()).update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return covered


def expected_minutes(*, employee_ids: Sequence[Any], date_from: date, date_to: date) -> dict[tuple[Any, date], int]:
    """Minutes each employee is expected to work each day: the planned shift's minutes
    (overrides included); 0 on a scheduled day off; and, on days no schedule covers,
    UNSCHEDULED_WEEKDAY_MINUTES Monday to Friday. Every (employee, day) has a key.

    The one answer to "is this a working day, and how long" for timesheets (expected
    hours) and leave (working days = days with minutes > 0).
    """
    ids = list(employee_ids)
    planned = planned_minutes(employee_ids=ids, date_from=date_from, date_to=date_to)
    covered = schedule_coverage(employee_ids=ids, date_from=date_from, date_to=date_to)
    days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    result: dict[tuple[Any, date], int] = {}
    for employee_id in ids:
        mine = covered.get(employee_id, set())
        for day in days:
            if (employee_id, day) in planned:
                result[employee_id, day] = planned[employee_id, day]
            elif day in mine:
                result[employee_id, day] = 0
            else:
                result[employee_id, day] = UNSCHEDULED_WEEKDAY_MINUTES if day.weekday() < 5 else 0
    return result


def roster(*, employee_ids: Sequence[Any], date_from: date, date_to: date) -> dict[Any, dict[date, engine.Planned]]:
    """Who works which shift(s) on which day (admin roster view, pages)."""
    return plans_for(list(employee_ids), date_from, date_to)


def date_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def correction_punches(*, user: User | AnonymousUser, regularisation: Regularisation) -> tuple[list[Punch], set[Any]]:
    """(the stored punches of the corrected day that ``user`` may see, the ids of those the
    correction would void): every punch of the day for kind ``day``, the named ones for kind
    ``punch``. The day is the attendance day's window when it was computed, else the local
    calendar day (as the correction's approval does)."""
    from datetime import datetime, time

    row = AttendanceDay.objects.filter(employee_id=regularisation.employee_id, date=regularisation.date).first()
    if row is not None:
        start, end = row.window_start, row.window_end
    else:
        tz = ZoneInfo(regularisation.employee.effective_time_zone)
        start = datetime.combine(regularisation.date, time(0), tzinfo=tz)
        end = datetime.combine(regularisation.date + timedelta(days=1), time(0), tzinfo=tz)
    named = {str(pk) for pk in regularisation.replace_punch_ids}
    punches = list(
        punches_visible(user=user)
        .filter(employee_id=regularisation.employee_id)
        .filter(Q(timestamp__gte=start, timestamp__lte=end) | Q(pk__in=list(named)))
        .filter(void__isnull=True)
        .order_by("timestamp")
    )
    if regularisation.kind == RegularisationKind.DAY:
        return punches, {p.pk for p in punches}
    return punches, {p.pk for p in punches if str(p.pk) in named}
