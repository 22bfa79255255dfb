"""Demo time tracking: three clients, their projects, tasks and rates, and two weeks of
entries for part of the demo company (the last full week submitted and approved).

Deterministic (seeded random) and idempotent (does nothing once the demo clients exist).
Entries go through the services, so rates, overlap rules and audit events are real.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from random import Random
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Employee, User
from timesheets import services
from timesheets.models import Client, Project, RateKind, RateLevel, RoundingMode, Task, week_start_of

CLIENTS = [
    ("Alpenbank AG", "CHF", Decimal("8.10"), "CH", "Paradeplatz 8\n8001 Zürich", 30),
    ("Nordwind GmbH", "EUR", Decimal("19.00"), "DE", "Speicherstadt 1\n20457 Hamburg", 14),
    ("Thames Digital Ltd", "GBP", Decimal("0.00"), "GB", "10 Fleet Street\nLondon EC4Y 1AA", 30),
]
PROJECTS = [
    (0, "Online banking relaunch", True, Decimal("1200"), Decimal("180000.00"), 15, ["Design", "Development", "Testing"]),
    (0, "Internal audit support", False, None, None, 0, ["Meetings"]),
    (1, "Fleet tracking app", True, Decimal("600"), Decimal("72000.00"), 6, ["Backend", "Mobile", "Support"]),
    (2, "Data platform migration", True, Decimal("400"), None, 0, ["Analysis", "Migration"]),
]
DESCRIPTIONS = ["Standup and planning", "Implementation", "Code review", "Customer call", "Bug fixing",
                "Documentation", "Workshop", "Deployment", "Research", "Testing"]  # fmt: skip


def seed_timesheets(*, rng: Random, stdout: Any) -> None:
    if Client.objects.filter(name=CLIENTS[0][0]).exists():
        stdout.write("Demo clients exist; skipping time tracking.")
        return
    admin = User.objects.filter(is_superuser=True).order_by("date_joined").first()
    workers = list(
        Employee.objects.filter(code__startswith="D", user__isnull=False, department__code__in=["ENG", "SAL", "SUP"])
        .select_related("user", "location", "manager__user")
        .order_by("code")[:12]
    )
    with transaction.atomic():
        clients = []
        for name, currency, vat, country, address, terms in CLIENTS:
            client = services.client_save(
                client=Client(name=name, currency=currency, vat_rate=vat, country=country, billing_address=address,
                              payment_terms_days=terms),
                actor=admin,
            )  # fmt: skip
            clients.append(client)
            services.rate_create(level=RateLevel.CLIENT, target_id=client.pk, amount=Decimal("140.00"),
                                 effective_from=date(2024, 1, 1), actor=admin)  # fmt: skip
        tasks: list[Task] = []
        for index, name, billable, budget_h, budget_amount, rounding, task_names in PROJECTS:
            project = services.project_save(
                project=Project(client=clients[index], name=name, billable=billable, budget_hours=budget_h,
                                budget_amount=budget_amount, rounding_minutes=rounding, rounding_mode=RoundingMode.UP),
                actor=admin,
            )  # fmt: skip
            if billable:
                services.rate_create(level=RateLevel.PROJECT, target_id=project.pk, amount=Decimal(rng.choice([150, 165, 180])),
                                     effective_from=date(2025, 1, 1), actor=admin)  # fmt: skip
            for task_name in task_names:
                tasks.append(services.task_save(task=Task(project=project, name=task_name, billable=billable), actor=admin))
        services.rate_create(level=RateLevel.TASK, target_id=tasks[0].pk, amount=Decimal("195.00"),
                             effective_from=date(2025, 1, 1), actor=admin)  # fmt: skip
        for worker in workers:
            services.rate_create(level=RateLevel.EMPLOYEE, kind=RateKind.COST, target_id=worker.pk, currency="CHF",
                                 amount=Decimal(rng.choice([65, 72, 80, 95])), effective_from=date(2024, 1, 1),
                                 actor=admin)  # fmt: skip

    today = timezone.localdate()
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
                    employee=worker, project=task.project, task=task, start=moment, end=moment + length,
                    description=rng.choice(DESCRIPTIONS), actor=worker.user,
                )  # fmt: skip
                created += 1
                moment += length + timedelta(minutes=rng.choice([0, 15, 30]))
    approved = 0
    for worker in workers[: len(workers) // 2]:
        timesheet = services.timesheet_submit(employee=worker, week=last_monday, actor=worker.user)
        approver = worker.manager.user if worker.manager and worker.manager.user else admin
        if approver is not None:
            services.timesheet_approve(timesheet=timesheet, actor=approver)
            approved += 1
    stdout.write(f"Created {len(clients)} clients, {len(PROJECTS)} projects, {created} time entries; "
                 f"{approved} timesheets approved.")  # fmt: skip
