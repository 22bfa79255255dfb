"""Demo time tracking: three clients, their projects, tasks and rates, and two weeks of
entries for part of the demo company (the last full week submitted and approved).

Deterministic (seeded random) and idempotent (does nothing once the demo clients exist).
Entries go through the services, so rates, overlap rules and audit events are real.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal
from random import Random
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Employee, User
from etime.core.demo import demo_today
from timesheets import services
from timesheets.models import Client, Project, RateKind, RateLevel, RoundingMode, Task, week_start_of

CLIENTS = [
    ("Alpenbank AG", "CHF", Decimal("8.10"), "CH", "Paradeplatz 8\n8001 Zürich", 30),
    ("Nordwind GmbH", "EUR", Decimal("19.00"), "DE", "Speicherstadt 1\n20457 Hamburg", 14),
    ("Thames Digital Ltd", "GBP", Decimal("0.00"), "GB", "10 Fleet Street\nLondon EC4Y 1AA", 30),
]
PROJECTS = [
    (
        0,
        "Online banking relaunch",
        True,
        Decimal("1200"),
        Decimal("180000.00"),
        15,
        ["Design", "Development", "Testing"],
    ),
    (0, "Internal audit support", False, None, None, 0, ["Meetings"]),
    (1, "Fleet tracking app", True, Decimal("600"), Decimal("72000.00"), 6, ["Backend", "Mobile", "Support"]),
    (2, "Data platform migration", True, Decimal("400"), None, 0, ["Analysis", "Migration"]),
]
DESCRIPTIONS = [
    "Standup and planning",
    "Implementation",
    "Code review",
    "Customer call",
    "Bug fixing",
    "Documentation",
    "Workshop",
    "Deployment",
    "Research",
    "Testing",
]


def seed_timesheets(*, rng: Random, stdout: Any) -> None:
    if Client.objects.filter(name=CLIENTS[0][0]).exists():
        stdout.write("Demo clients exist; skipping time tracking.")
        return
    admin = User.objects.filter(is_superuser=True).order_by("date_joined").first()
    workers = _demo_workers()
    today = demo_today()
    # Rates in force since two years (clients) and one year (projects, a task) before the demo.
    two_years_ago, a_year_ago = today - timedelta(days=2 * 365), today - timedelta(days=365)
    with transaction.atomic():
        clients = []
        for name, currency, vat, country, address, terms in CLIENTS:
            client = services.client_save(
                client=Client(
                    name=name,
                    currency=currency,
                    vat_rate=vat,
                    country=country,
                    billing_address=address,
                    payment_terms_days=terms,
                ),
                actor=admin,
            )
            clients.append(client)
            services.rate_create(
                level=RateLevel.CLIENT,
                target_id=client.pk,
                amount=Decimal("140.00"),
                effective_from=two_years_ago,
                actor=admin,
            )
        tasks: list[Task] = []
        for index, name, billable, budget_h, budget_amount, rounding, task_names in PROJECTS:
            project = services.project_save(
                project=Project(
                    client=clients[index],
                    name=name,
                    billable=billable,
                    budget_hours=budget_h,
                    budget_amount=budget_amount,
                    rounding_minutes=rounding,
                    rounding_mode=RoundingMode.UP,
                ),
                actor=admin,
            )
            if billable:
                services.rate_create(
                    level=RateLevel.PROJECT,
                    target_id=project.pk,
                    amount=Decimal(rng.choice([150, 165, 180])),
                    effective_from=a_year_ago,
                    actor=admin,
                )
            for task_name in task_names:
                tasks.append(
                    services.task_save(task=Task(project=project, name=task_name, billable=billable), actor=admin)
                )
        services.rate_create(
            level=RateLevel.TASK,
            target_id=tasks[0].pk,
            amount=Decimal("195.00"),
            effective_from=a_year_ago,
            actor=admin,
        )
        for worker in workers:
            services.rate_create(
                level=RateLevel.EMPLOYEE,
                kind=RateKind.COST,
                target_id=worker.pk,
                currency="CHF",
                amount=Decimal(rng.choice([65, 72, 80, 95])),
                effective_from=two_years_ago,
                actor=admin,
            )

    this_monday = week_start_of(today)
    last_monday = this_monday - timedelta(days=7)
    days = [last_monday + timedelta(days=i) for i in range(5)] + [
        this_monday + timedelta(days=i) for i in range(min(today.weekday(), 5))
    ]
    created = 0
    for worker in workers:
        zone = zoneinfo.ZoneInfo(worker.effective_time_zone)
        for day in days:
            moment = datetime.combine(day, time(8, rng.choice([0, 15, 30])), tzinfo=zone)
            for _ in range(rng.randint(2, 4)):
                task = rng.choice(tasks)
                length = timedelta(minutes=rng.choice([45, 60, 90, 120, 150]))
                services.time_entry_create(
                    employee=worker,
                    project=task.project,
                    task=task,
                    start=moment,
                    end=moment + length,
                    description=rng.choice(DESCRIPTIONS),
                    actor=worker.user,
                )
                created += 1
                moment += length + timedelta(minutes=rng.choice([0, 15, 30]))
    approved = 0
    for worker in workers[: len(workers) // 2]:
        timesheet = services.timesheet_submit(employee=worker, week=last_monday, actor=worker.user)
        approver = worker.manager.user if worker.manager and worker.manager.user else admin
        if approver is not None:
            services.timesheet_approve(timesheet=timesheet, actor=approver)
            approved += 1
    stdout.write(
        f"Created {len(clients)} clients, {len(PROJECTS)} projects, {created} time entries; "
        f"{approved} timesheets approved."
    )


def _demo_workers() -> list[Employee]:
    return list(
        Employee.objects.filter(code__startswith="D", user__isnull=False, department__code__in=["ENG", "SAL", "SUP"])
        .select_related("user", "location", "manager__user")
        .order_by("code")[:12]
    )


def seed_timesheets_more(*, rng: Random, stdout: Any) -> None:
    """After billing: last week waiting for approval (and the reminder its approver got), a
    week returned for changes, a running timer and a deleted entry. Idempotent: does
    nothing once a demo entry was deleted."""
    from timesheets.models import TimeEntryDeletion

    if TimeEntryDeletion.objects.exists() or not Client.objects.filter(name=CLIENTS[0][0]).exists():
        stdout.write("Demo timesheet states exist; skipping them.")
        return
    workers = _demo_workers()
    rest = workers[len(workers) // 2 :]  # their last week is still open
    tasks = list(
        Task.objects.filter(project__client__name=CLIENTS[0][0], project__billable=True).select_related("project")
    )
    if len(rest) < 4 or not tasks:
        return
    admin = User.objects.filter(is_superuser=True).order_by("date_joined").first()
    today = demo_today()
    last_monday = week_start_of(today) - timedelta(days=7)
    with transaction.atomic():
        services.timesheet_submit(employee=rest[0], week=last_monday, actor=rest[0].user)
        returned = services.timesheet_submit(employee=rest[1], week=last_monday, actor=rest[1].user)
        approver = rest[1].manager.user if rest[1].manager and rest[1].manager.user else admin
        services.timesheet_return(timesheet=returned, actor=approver, comment="Please split the workshop by task.")
        zone = zoneinfo.ZoneInfo(rest[2].effective_time_zone)
        evening = datetime.combine(today - timedelta(days=1), time(21), tzinfo=zone)
        mistake = services.time_entry_create(
            employee=rest[2],
            project=tasks[0].project,
            task=tasks[0],
            start=evening,
            end=evening + timedelta(minutes=30),
            description="Entered twice",
            actor=rest[2].user,
        )
        services.time_entry_delete(entry=mistake, actor=rest[2].user)
        services.timer_start(
            employee=rest[3], project=tasks[-1].project, task=tasks[-1], description="Sprint review", actor=rest[3].user
        )
    reminded = services.reminders_send_approvals(now=timezone.now())
    alerts = _budget_alerts(admin)
    stdout.write(
        f"Timesheets: one week waiting, one returned, a running timer; {reminded} approval reminder(s); "
        f"{alerts} budget alert(s)."
    )


def _budget_alerts(admin: Any) -> int:
    """The budgeted projects get a project manager (the first demo worker's manager), and
    the smallest hours budget is set to what its project has used, so the demo shows a
    project at 100 % and the alert its manager was sent."""
    from timesheets import budgets, selectors

    manager = next((w.manager for w in _demo_workers() if w.manager is not None), None)
    budgeted = list(Project.objects.filter(budget_hours__isnull=False).order_by("budget_hours"))
    if manager is None or not budgeted:
        return 0
    with transaction.atomic():
        for project in budgeted:
            services.project_save(project=project, managers=[manager], actor=admin)
        smallest = budgeted[0]
        used = Decimal(selectors.budget_usage(projects=Project.objects.filter(pk=smallest.pk))[0]["used_hours"])
        if used > 0:
            smallest.budget_hours = used
            services.project_save(project=smallest, actor=admin)
    return budgets.budget_alerts_send()
