"""Demo attendance for the demo company (accounts.demo): shifts, schedules (office hours, a
three-shift rotation, a night shift), assignments, and the last month of realistic punches
(late arrivals, missing punches, overtime, lunch breaks, the odd weekend), then the days.

Idempotent: shifts and schedules are found by name, employees with an assignment keep it,
and every punch comes from a random generator seeded by (employee code, date), stored
through the idempotent device ingestion, so a second run adds nothing and a run on a later
day only adds the new days.
"""

from __future__ import annotations

import contextlib
import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from accounts.models import Employee, Location
from attendance import engine, selectors, services
from attendance.models import (
    DirectionMode,
    PunchDirectionRule,
    Regularisation,
    Schedule,
    ScheduleAssignment,
    Shift,
)
from etime.core.demo import demo_admin, demo_today
from etime.core.errors import DomainError

# The demo's imaginary clock at the Zurich entrance (no devices row: attendance does not
# know devices; the id only keeps the demo's punches idempotent).
DEMO_DEVICE = uuid.uuid5(uuid.NAMESPACE_URL, "https://etime.test/demo/k20")
DAYS_OF_PUNCHES = 30


def _anchor() -> date:
    """Rotations start on the Monday two years before the demo was loaded."""
    start = demo_today() - timedelta(days=2 * 364)
    return start - timedelta(days=start.weekday())


SHIFTS = [
    # name, code, start, end, break, grace, colour
    ("Office hours", "O", time(8, 30), time(17, 30), 60, 10, "#1f6feb"),
    ("Early", "E", time(6), time(14), 30, 5, "#2e9e5b"),
    ("Late", "L", time(14), time(22), 30, 5, "#d98e04"),
    ("Night", "N", time(22), time(6), 30, 5, "#6b3fa0"),
]
SCHEDULES = [
    # name, anchor offset (days), pattern
    ("Office week (Mon–Fri)", 0, "O O O O O - -"),
    ("Three-shift rotation A", 0, "E E L L N N - - -"),
    ("Three-shift rotation B", 3, "E E L L N N - - -"),
    ("Three-shift rotation C", 6, "E E L L N N - - -"),
    ("Night shift (Mon–Fri)", 0, "N N N N N - -"),
]


def _ensure_plans(admin: Any, anchor: date) -> dict[str, Schedule]:
    shifts = {s.code: s for s in Shift.objects.all()}
    for name, code, start, end, break_minutes, grace, color in SHIFTS:
        if code not in shifts and not Shift.objects.filter(name=name).exists():
            shifts[code] = services.shift_save(
                shift=Shift(
                    name=name,
                    code=code,
                    start_time=start,
                    end_time=end,
                    unpaid_break_minutes=break_minutes,
                    late_grace_minutes=grace,
                    early_exit_grace_minutes=grace,
                    color=color,
                ),
                actor=admin,
            )
    schedules: dict[str, Schedule] = {}
    for name, offset, pattern in SCHEDULES:
        existing = Schedule.objects.filter(name=name).first()
        if existing is None:
            days = [None if code == "-" else shifts[code] for code in pattern.split()]
            existing = services.schedule_save(
                schedule=Schedule(name=name, cycle_length=len(days), anchor_date=anchor + timedelta(days=offset)),
                days=days,
                actor=admin,
            )
        schedules[name] = existing
    return schedules


def _schedule_for(employee: Employee, index: int, schedules: dict[str, Schedule]) -> Schedule:
    department = employee.department.code if employee.department else ""
    if department == "OPS":
        return schedules[("Three-shift rotation A", "Three-shift rotation B", "Three-shift rotation C")[index % 3]]
    if department == "SUP" and index % 3 == 0:
        return schedules["Night shift (Mon–Fri)"]
    return schedules["Office week (Mon–Fri)"]


def _day_punches(employee: Employee, day: date, shift: Any, tz: ZoneInfo) -> list[datetime]:
    rng = random.Random(f"{employee.code}:{day.isoformat()}")  # noqa: S311  (demo data)
    roll = rng.random()
    if shift is None:
        if roll < 0.015:  # the odd Saturday in the office
            start = datetime.combine(day, time(10, rng.randrange(60)), tzinfo=tz)
            return [start, start + timedelta(hours=3, minutes=rng.randrange(90))]
        return []
    start = datetime.combine(day, shift.start_time, tzinfo=tz)
    end_day = day if shift.end_time > shift.start_time else day + timedelta(days=1)
    end = datetime.combine(end_day, shift.end_time, tzinfo=tz)
    if roll < 0.04:
        return []  # absent
    arrive = start - timedelta(minutes=rng.randrange(2, 16))
    leave = end + timedelta(minutes=rng.randrange(0, 13))
    if roll < 0.16:
        arrive = start + timedelta(minutes=rng.randrange(8, 46))  # late
    if rng.random() < 0.15:
        leave = end + timedelta(minutes=rng.randrange(30, 121))  # overtime
    elif rng.random() < 0.05:
        leave = end - timedelta(minutes=rng.randrange(20, 90))  # early exit
    punches = [arrive, leave]
    if shift.start_time == time(8, 30) and rng.random() < 0.3:
        lunch = datetime.combine(day, time(12, rng.randrange(0, 45)), tzinfo=tz)
        punches += [lunch, lunch + timedelta(minutes=rng.randrange(30, 60))]
    if rng.random() < 0.04:
        punches.append(arrive + timedelta(seconds=rng.randrange(5, 60)))  # a double tap
    if rng.random() < 0.04:
        punches = [arrive]  # forgot to punch out
    return sorted(punches)


def seed_attendance(*, rng: random.Random, stdout: Any, today: date | None = None) -> None:
    """Runs after the demo company exists (etime.core.registry demo seeder)."""
    employees = list(
        Employee.objects.filter(code__startswith="D", device_user_id__isnull=False)
        .select_related("department", "location")
        .order_by("code")
    )
    if not employees:
        return
    from accounts.models import User

    admin = User.objects.filter(username="admin").first()
    with transaction.atomic():
        anchor = _anchor()
        schedules = _ensure_plans(admin, anchor)
        assigned = set(ScheduleAssignment.objects.filter(employee__in=employees).values_list("employee_id", flat=True))
        for index, employee in enumerate(employees):
            if employee.pk not in assigned:
                services.assignment_save(
                    assignment=ScheduleAssignment(
                        employee=employee,
                        schedule=_schedule_for(employee, index, schedules),
                        start_date=max(employee.hire_date or anchor, anchor),
                    ),
                    actor=admin,
                )
    today = today or demo_today()
    first, last = today - timedelta(days=DAYS_OF_PUNCHES), today - timedelta(days=1)
    plans = selectors.plans_for([e.pk for e in employees], first, last)
    created = 0
    for employee in employees:
        tz = ZoneInfo(employee.effective_time_zone)
        records = [
            services.PunchInput(device_user_id=str(employee.device_user_id), timestamp=moment.astimezone(UTC))
            for day in selectors.date_range(first, last)
            if employee.hire_date is None or day >= employee.hire_date
            for shift in (engine.shifts_of(plans[employee.pk].get(day)) or (None,))
            for moment in _day_punches(employee, day, shift, tz)
        ]
        created += services.punches_ingest(device_id=DEMO_DEVICE, records=records).created
    result = services.recompute(employee_ids=[e.pk for e in employees], date_from=first, date_to=last)
    stdout.write(
        f"Attendance: {len(schedules)} schedules, {created} new punches, {result.written} days computed "
        f"({first.isoformat()} to {last.isoformat()})."
    )


def seed_corrections(*, rng: random.Random, stdout: Any) -> None:
    """After every app's data: correction requests in each state, a planned override, a day
    status set by hand, shift swaps (one waiting, one approved), a direction rule and a
    closed payroll period."""
    from etime.core import approvals

    if Regularisation.objects.exists():
        stdout.write("Demo corrections exist; skipping corrections, swaps and the period lock.")
        return
    admin = demo_admin()
    office = list(
        Employee.objects.filter(
            code__startswith="D", department__code="ENG", user__isnull=False, manager__user__isnull=False
        )
        .select_related("user", "manager__user", "location")
        .order_by("code")[:3]
    )
    rotation = list(
        Employee.objects.filter(
            code__startswith="D", department__code="OPS", user__isnull=False, manager__user__isnull=False
        )
        .select_related("user", "manager__user")
        .order_by("code")
    )
    if admin is None or len(office) < 3 or len(rotation) < 4:
        return
    today = demo_today()
    workdays = [d for d in (today - timedelta(days=n) for n in range(2, 12)) if d.weekday() < 5]

    def at(employee: Employee, day: date, hour: int, minute: int = 0) -> str:
        return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(employee.effective_time_zone)).isoformat()

    with transaction.atomic():
        waiting, applied, refused = office
        services.regularisation_request(
            employee=waiting,
            day=workdays[0],
            reason="Forgot to punch out after the release",
            actor=waiting.user,
            items=[{"timestamp": at(waiting, workdays[0], 18, 5), "direction": "out"}],
        )
        services.regularisation_request(
            employee=applied,
            day=workdays[1],
            kind="day",
            reason="Worked at the customer's site all day",
            actor=applied.manager.user if applied.manager else admin,
            apply_directly=True,
            items=[
                {"timestamp": at(applied, workdays[1], 8, 30), "direction": "in"},
                {"timestamp": at(applied, workdays[1], 17, 15), "direction": "out"},
            ],
        )
        refused_request = services.regularisation_request(
            employee=refused,
            day=workdays[2],
            reason="Left early for an appointment",
            actor=refused.user,
            items=[{"timestamp": at(refused, workdays[2], 17, 30), "direction": "out"}],
        )
        approval = approvals.request_for(refused_request)
        if approval is not None:
            approvals.decide(
                request=approval,
                actor=refused.manager.user if refused.manager else admin,
                decision="reject",
                comment="The badge log shows you left at 15:10; please correct the time.",
            )

        shifts = {s.code: s for s in Shift.objects.all()}
        services.override_set(
            employee=rotation[0],
            day=today + timedelta(days=3),
            shift=shifts.get("E"),
            reason="Covers the early shift for the inventory count",
            actor=admin,
        )
        # A day the punches cannot tell, set by hand as a manager would (outside the person's
        # employment or in a closed period the demo goes on without it).
        with contextlib.suppress(DomainError):
            services.day_status_set(
                employee=office[1],
                day=workdays[3],
                status="present",
                actor=admin,
                reason="Business trip to the Geneva customer; no clock there",
            )
        swaps = 0
        for requester, counterpart, decide in ((rotation[1], rotation[2], False), (rotation[3], rotation[1], True)):
            for ahead in range(4, 14):
                try:
                    swap = services.swap_request(
                        requester=requester,
                        counterpart=counterpart,
                        day=today + timedelta(days=ahead),
                        reason="Family event",
                        actor=requester.user,
                    )
                except DomainError:
                    continue  # the same plan that day, or already a swap: try the next day
                swaps += 1
                swap_approval = approvals.request_for(swap)
                # The counterpart consents, then the manager(s) approve: each level's own approver.
                while decide and swap_approval is not None and swap_approval.status == "pending":
                    approvers = approvals.approvers_for(swap_approval)
                    if not approvers:
                        break
                    swap_approval = approvals.decide(request=swap_approval, actor=approvers[0], decision="approve")
                break
        zurich = Location.objects.filter(name="Zurich HQ").first()
        if zurich is not None and not PunchDirectionRule.objects.filter(location=zurich).exists():
            services.direction_rule_save(
                rule=PunchDirectionRule(location=zurich, mode=DirectionMode.FIRST_LAST), actor=admin
            )
        # Payroll for the month before last is closed: nothing in it may change any more.
        last_month_end = today.replace(day=1) - timedelta(days=1)
        closed_end = last_month_end.replace(day=1) - timedelta(days=1)
        services.period_lock_create(
            date_from=closed_end.replace(day=1), date_to=closed_end, note="Payroll closed", actor=admin
        )
    stdout.write(
        f"Attendance: 3 corrections (waiting, applied, refused), 1 override, {swaps} shift swaps, "
        f"payroll closed through {closed_end.isoformat()}."
    )
