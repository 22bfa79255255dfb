"""Demo leave: the six leave types, policies per location, this year's grants and some
requests in every state. Idempotent: does nothing once the demo leave types exist."""

from __future__ import annotations

import contextlib
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Employee, Location
from etime.core.demo import demo_today
from etime.core.errors import DomainError
from leave import services
from leave.models import GrantMode, LeavePolicy, LeaveType

HR_GROUP = "HR"

TYPES: list[dict[str, Any]] = [
    {
        "code": "vacation",
        "name": "Vacation",
        "color": "#2e86de",
        "min_notice_days": 7,
        "approval_levels": [{"type": "manager"}],
    },
    {
        "code": "sick",
        "name": "Sick leave",
        "color": "#e17055",
        "allow_negative": True,
        "attachment_required_after_days": Decimal(3),
        "approval_levels": [],
    },
    {
        "code": "emergency",
        "name": "Emergency leave",
        "color": "#d63031",
        "max_consecutive_days": Decimal(3),
        "approval_levels": [{"type": "manager"}],
    },
    {
        "code": "urgent",
        "name": "Urgent personal leave",
        "color": "#fdcb6e",
        "max_consecutive_days": Decimal(2),
        "allow_half_days": True,
        "approval_levels": [{"type": "manager"}],
    },
    {
        "code": "unpaid",
        "name": "Unpaid leave",
        "color": "#636e72",
        "paid": False,
        "allow_negative": True,
        "min_notice_days": 14,
        "approval_levels": [{"type": "manager"}, {"type": "group", "group": HR_GROUP}],
    },
    {
        "code": "compensatory",
        "name": "Compensatory time off",
        "color": "#00b894",
        "approval_levels": [{"type": "manager"}],
    },
]

# yearly days of vacation by country (statutory minimum plus a little), the rest everywhere.
VACATION_DAYS = {"CH": Decimal(25), "DE": Decimal(28), "GB": Decimal(25)}


def seed_leave(*, rng: random.Random, stdout: Any) -> None:
    if LeaveType.objects.filter(code="vacation").exists():
        stdout.write("Demo leave exists; skipping leave.")
        return
    from accounts.demo import DEMO_ADMIN
    from accounts.models import User

    admin = User.objects.filter(username=DEMO_ADMIN).first()
    today = demo_today()
    year = today.year
    with transaction.atomic():
        hr, _ = Group.objects.get_or_create(name=HR_GROUP)
        people_dept = Employee.objects.filter(department__code="HR").select_related("user")
        for member in people_dept:
            if member.user is not None:
                member.user.groups.add(hr)
        types = {}
        for spec in TYPES:
            types[spec["code"]] = services.leave_type_save(leave_type=LeaveType(**spec), actor=admin)
        for location in Location.objects.all():
            days = VACATION_DAYS.get(location.country, Decimal(20))
            vacation = services.leave_policy_save(
                policy=LeavePolicy(
                    name=f"Vacation {location.name}",
                    leave_type=types["vacation"],
                    yearly_days=days,
                    grant=GrantMode.MONTHLY if location.country == "GB" else GrantMode.UPFRONT,
                    carry_forward_max_days=Decimal(5),
                    carry_forward_expires_after_months=3,
                ),
                actor=admin,
            )
            services.leave_policy_assign(policy=vacation, location=location, actor=admin)
        for code, yearly in (("sick", 10), ("emergency", 3), ("urgent", 2), ("compensatory", 0)):
            policy = services.leave_policy_save(
                policy=LeavePolicy(
                    name=f"{types[code].name} (everyone)",
                    leave_type=types[code],
                    yearly_days=Decimal(yearly),
                    grant=GrantMode.UPFRONT,
                    prorate=code != "sick",
                ),
                actor=admin,
            )
            for location in Location.objects.all():
                services.leave_policy_assign(policy=policy, location=location, actor=admin)
        for month in range(1, today.month + 1):
            services.entitlements_post(year=year, through_month=month, actor=admin)
    _seed_requests(rng=rng, today=today, types=types, admin=admin)
    stdout.write("Created leave types, policies, this year's grants and some requests.")


def _seed_requests(*, rng: random.Random, today: date, types: dict[str, LeaveType], admin: Any) -> None:
    employees = list(
        Employee.objects.filter(user__isnull=False).select_related("user", "manager__user").order_by("code")
    )
    rng.shuffle(employees)
    decided = 0
    for employee in employees[:24]:
        start = today + timedelta(days=rng.randrange(-30, 60))
        while start.weekday() >= 5:
            start += timedelta(days=1)
        end = start + timedelta(days=rng.choice([0, 1, 2, 4]))
        if end.year != start.year:
            continue
        code = rng.choice(["vacation", "vacation", "vacation", "sick", "compensatory", "urgent"])
        leave_type = types[code]
        if code == "compensatory":
            services.allocation_create(
                employee=employee,
                leave_type=leave_type,
                year=start.year,
                days=Decimal(2),
                actor=admin,
                note="Overtime last quarter",
            )
        try:
            # Demo history: requests in the past are booked by the admin, so notice does not apply.
            request = services.leave_request_submit(
                employee=employee,
                leave_type=leave_type,
                start_date=start,
                end_date=end,
                end_half=code == "urgent" and start == end,
                reason=rng.choice(["", "Family", "Trip", "Appointment"]),
                actor=admin,
                today=start - timedelta(days=30),
            )
        except DomainError:
            continue
        approver = employee.manager.user if employee.manager and employee.manager.user else admin
        if request.status == "pending" and decided % 3 != 2 and approver is not None:
            with contextlib.suppress(DomainError):  # e.g. a top manager: only admins may decide
                services.leave_request_decide(request=request, actor=approver, decision="approve")
        decided += 1


def seed_leave_more(*, rng: random.Random, stdout: Any) -> None:
    """Leave decided every way (a refusal, a cancellation) and calendar feeds (personal,
    team, one revoked). Idempotent: does nothing once a demo feed exists."""
    from accounts.models import Role
    from etime.core.demo import demo_admin
    from leave.models import CalendarFeed, FeedKind

    if CalendarFeed.objects.exists() or not LeaveType.objects.filter(code="vacation").exists():
        stdout.write("Demo leave feeds exist; skipping more leave.")
        return
    admin = demo_admin()
    people = list(
        Employee.objects.filter(code__startswith="D", user__role=Role.EMPLOYEE, manager__user__isnull=False)
        .select_related("user", "manager__user")
        .order_by("-code")[:6]
    )
    if admin is None or len(people) < 2:
        return
    vacation = LeaveType.objects.get(code="vacation")
    today = demo_today()
    outcomes = {}
    for decision, employee in zip(("reject", "cancel"), people, strict=False):
        for weeks in range(3, 9):
            start = today + timedelta(weeks=weeks)
            start -= timedelta(days=start.weekday())  # a Monday...
            end = start + timedelta(days=2)  # ...to Wednesday
            if end.year != start.year:
                continue
            try:
                with transaction.atomic():
                    request = services.leave_request_submit(
                        employee=employee,
                        leave_type=vacation,
                        start_date=start,
                        end_date=end,
                        reason="Trip",
                        actor=employee.user,
                    )
                    if decision == "reject":
                        approver = employee.manager.user if employee.manager and employee.manager.user else admin
                        services.leave_request_decide(
                            request=request,
                            actor=approver,
                            decision="reject",
                            comment="The team is short that week; please pick another.",
                        )
                    else:
                        services.leave_request_cancel(request=request, actor=employee.user)
            except DomainError:
                continue
            outcomes[decision] = request
            break
    owner = people[0].user
    manager = people[0].manager.user if people[0].manager else None
    if owner is None or manager is None:
        return
    with transaction.atomic():
        services.calendar_feed_create(owner=owner, kind=FeedKind.EMPLOYEE, actor=owner)
        services.calendar_feed_create(owner=manager, kind=FeedKind.TEAM, name="My team", actor=manager)
        old, _raw = services.calendar_feed_create(owner=manager, kind=FeedKind.TEAM, name="Old phone", actor=manager)
        services.calendar_feed_revoke(feed=old, actor=manager)
    stdout.write(f"Leave: {len(outcomes)} more requests (refused, cancelled) and 3 calendar feeds.")
