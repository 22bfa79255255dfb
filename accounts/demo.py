"""The demo company: departments, locations and ~50 employees with a management chain.

Deterministic (seeded random), idempotent (does nothing when the demo company exists).
Demo logins share DEMO_PASSWORD; the admin's is flagged as an initial password, so a
production boot (DEBUG off) refuses while it is unchanged.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import Department, Employee, Location, Role, User
from accounts.services import employee_create

DEMO_PASSWORD = "etime-demo-2026"  # noqa: S105  (printed by seed_demo; demo only)
DEMO_ADMIN = "admin"
DEMO_EMAIL_DOMAIN = "demo.etime.test"

FIRST = [
    "Anna", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Katrin", "Luca",
    "Maya", "Noah", "Olga", "Paul", "Quentin", "Rosa", "Simon", "Tara", "Urs", "Vera", "Walter", "Xenia",
    "Yannick", "Zoe", "Amira", "Bruno", "Chiara", "Dario", "Eva", "Fabio", "Gina", "Hannes", "Ivana",
]
LAST = [
    "Meier", "Schmid", "Keller", "Weber", "Huber", "Müller", "Fischer", "Brunner", "Baumann", "Frei",
    "Gerber", "Moser", "Widmer", "Wyss", "Graf", "Roth", "Suter", "Bianchi", "Rossi", "Novak", "Dubois",
    "Lehmann", "Koch", "Zimmermann", "Wagner", "Becker", "Hoffmann", "Schäfer", "Kovač", "Jovanović",
]
DEPARTMENTS = [("Engineering", "ENG", 14), ("Operations", "OPS", 12), ("Sales", "SAL", 9),
               ("Support", "SUP", 8), ("Finance", "FIN", 4), ("People", "HR", 3)]


def seed_company(*, rng: random.Random, stdout: Any) -> list[Employee]:
    if Employee.objects.filter(code="D0001").exists():
        stdout.write("Demo company exists; skipping people.")
        return list(Employee.objects.filter(code__startswith="D").order_by("code"))
    with transaction.atomic():
        admin = User.objects.filter(username=DEMO_ADMIN).first()
        if admin is None:
            admin = User(username=DEMO_ADMIN, email=f"admin@{DEMO_EMAIL_DOMAIN}", role=Role.ADMIN,
                         is_staff=True, is_superuser=True, first_name="Demo", last_name="Admin")
            admin.set_password(DEMO_PASSWORD)
            admin.password_change_required = True
            admin.save()
        zurich = Location.objects.create(name="Zurich HQ", time_zone="Europe/Zurich", country="CH", subdivision="ZH",
                                         address="Bahnhofstrasse 1, 8001 Zürich")
        munich = Location.objects.create(name="Munich Plant", time_zone="Europe/Berlin", country="DE", subdivision="BY",
                                         address="Leopoldstraße 10, 80802 München")
        london = Location.objects.create(name="London Office", time_zone="Europe/London", country="GB",
                                         subdivision="ENG", address="1 Poultry, London EC2R 8EJ")
        names = [(first, last) for first in FIRST for last in LAST]
        rng.shuffle(names)
        employees: list[Employee] = []
        number = 0

        def add(first: str, last: str, dept: Department, location: Location, manager: Employee | None, role: str) -> Employee:
            nonlocal number
            number += 1
            hire = date(2018, 1, 1) + timedelta(days=rng.randrange(0, 8 * 365 - 400))
            employee = employee_create(
                actor=admin, role=role, invite=False,
                code=f"D{number:04d}", first_name=first, last_name=last,
                email=f"{first.lower()}.{last.lower()}@{DEMO_EMAIL_DOMAIN}".replace("ü", "ue").replace("ä", "ae")
                .replace("č", "c").replace("ć", "c"),
                department=dept, manager=manager, location=location, hire_date=hire,
                device_user_id=str(number), card_number=f"{1000 + number:08d}",
            )
            employees.append(employee)
            return employee

        ceo_first, ceo_last = names.pop()
        ceo = add(ceo_first, ceo_last, Department.objects.create(name="Management", code="MGT"), zurich, None, Role.MANAGER)
        for name, code, size in DEPARTMENTS:
            dept = Department.objects.create(name=name, code=code)
            location = {"OPS": munich, "SAL": london}.get(code, zurich)
            head = add(*names.pop(), dept, location, ceo, Role.MANAGER)
            team_lead = add(*names.pop(), dept, location, head, Role.MANAGER) if size > 8 else None
            for i in range(size - 1 - (1 if team_lead else 0)):
                manager = team_lead if team_lead and i % 2 else head
                add(*names.pop(), dept, location, manager, Role.EMPLOYEE)
        # One hash for every demo login: hashing 50 times would take most of a minute.
        User.objects.filter(employee__in=employees).update(password=make_password(DEMO_PASSWORD))
    stdout.write(f"Created {len(employees)} employees in {len(DEPARTMENTS) + 1} departments.")
    return employees
