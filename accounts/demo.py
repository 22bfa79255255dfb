"""The demo company: departments, locations and ~50 employees with a management chain.

Deterministic (seeded random), idempotent (does nothing when the demo company exists).
Demo logins share DEMO_PASSWORD; the admin's is flagged as an initial password, so a
production boot (DEBUG off) refuses while it is unchanged. Hire dates are relative to the
day the demo is loaded.

``seed_access`` (after every app's data) adds what the back office shows about access:
API tokens (active, expiring, revoked), an approval delegation, and the sign-in records
django-axes keeps (a failed attempt by an unknown name, a successful sign-in).
"""

from __future__ import annotations

import random
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest

from accounts.models import ApiToken, Department, Employee, Location, Role, User
from accounts.services import api_token_create, api_token_revoke, employee_create
from etime.core import approvals
from etime.core.demo import DEMO_ADMIN, DEMO_PASSWORD, demo_now, demo_today

__all__ = ["DEMO_ADMIN", "DEMO_PASSWORD", "personas", "seed_access", "seed_company"]

DEMO_EMAIL_DOMAIN = "demo.etime.test"

FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elena",
    "Felix",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Katrin",
    "Luca",
    "Maya",
    "Noah",
    "Olga",
    "Paul",
    "Quentin",
    "Rosa",
    "Simon",
    "Tara",
    "Urs",
    "Vera",
    "Walter",
    "Xenia",
    "Yannick",
    "Zoe",
    "Amira",
    "Bruno",
    "Chiara",
    "Dario",
    "Eva",
    "Fabio",
    "Gina",
    "Hannes",
    "Ivana",
]
LAST = [
    "Meier",
    "Schmid",
    "Keller",
    "Weber",
    "Huber",
    "Müller",
    "Fischer",
    "Brunner",
    "Baumann",
    "Frei",
    "Gerber",
    "Moser",
    "Widmer",
    "Wyss",
    "Graf",
    "Roth",
    "Suter",
    "Bianchi",
    "Rossi",
    "Novak",
    "Dubois",
    "Lehmann",
    "Koch",
    "Zimmermann",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Schäfer",
    "Kovač",
    "Jovanović",
]
DEPARTMENTS = [
    ("Engineering", "ENG", 14),
    ("Operations", "OPS", 12),
    ("Sales", "SAL", 9),
    ("Support", "SUP", 8),
    ("Finance", "FIN", 4),
    ("People", "HR", 3),
]


def seed_company(*, rng: random.Random, stdout: Any) -> list[Employee]:
    if Employee.objects.filter(code="D0001").exists():
        stdout.write("Demo company exists; skipping people.")
        return list(Employee.objects.filter(code__startswith="D").order_by("code"))
    with transaction.atomic():
        admin = User.objects.filter(username=DEMO_ADMIN).first()
        if admin is None:
            admin = User(
                username=DEMO_ADMIN,
                email=f"admin@{DEMO_EMAIL_DOMAIN}",
                role=Role.ADMIN,
                is_staff=True,
                is_superuser=True,
                first_name="Demo",
                last_name="Admin",
            )
            admin.set_password(DEMO_PASSWORD)
            admin.password_change_required = True
            admin.save()
        zurich = Location.objects.create(
            name="Zurich HQ",
            time_zone="Europe/Zurich",
            country="CH",
            subdivision="ZH",
            address="Bahnhofstrasse 1, 8001 Zürich",
        )
        munich = Location.objects.create(
            name="Munich Plant",
            time_zone="Europe/Berlin",
            country="DE",
            subdivision="BY",
            address="Leopoldstraße 10, 80802 München",
        )
        london = Location.objects.create(
            name="London Office",
            time_zone="Europe/London",
            country="GB",
            subdivision="ENG",
            address="1 Poultry, London EC2R 8EJ",
        )
        names = [(first, last) for first in FIRST for last in LAST]
        rng.shuffle(names)
        employees: list[Employee] = []
        number = 0
        today = demo_today()

        def add(
            first: str, last: str, dept: Department, location: Location, manager: Employee | None, role: str
        ) -> Employee:
            nonlocal number
            number += 1
            hire = today - timedelta(days=400 + rng.randrange(0, 8 * 365 - 400))
            employee = employee_create(
                actor=admin,
                role=role,
                invite=False,
                code=f"D{number:04d}",
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{last.lower()}@{DEMO_EMAIL_DOMAIN}".replace("ü", "ue")
                .replace("ä", "ae")
                .replace("č", "c")
                .replace("ć", "c"),
                department=dept,
                manager=manager,
                location=location,
                hire_date=hire,
                device_user_id=str(number),
                card_number=f"{1000 + number:08d}",
            )
            employees.append(employee)
            return employee

        ceo_first, ceo_last = names.pop()
        ceo = add(
            ceo_first, ceo_last, Department.objects.create(name="Management", code="MGT"), zurich, None, Role.MANAGER
        )
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


def personas() -> dict[str, str]:
    """The demo's employee, manager (a department head with a team) and admin logins."""
    found = {}
    demo = Employee.objects.filter(code__startswith="D", user__isnull=False).select_related("user").order_by("code")
    employee = demo.filter(user__role=Role.EMPLOYEE).first()
    manager = demo.filter(user__role=Role.MANAGER, manager__isnull=False).first()
    for name, person in (("employee", employee), ("manager", manager)):
        if person is not None and person.user is not None:
            found[name] = person.user.username
    if User.objects.filter(username=DEMO_ADMIN).exists():
        found["admin"] = DEMO_ADMIN
    return found


DEMO_TOKENS = ("Payroll export", "Reporting dashboard", "Old integration")


def seed_access(*, rng: random.Random, stdout: Any) -> None:
    if ApiToken.objects.filter(name=DEMO_TOKENS[0]).exists():
        stdout.write("Demo access records exist; skipping tokens, delegation and sign-ins.")
        return
    admin = User.objects.filter(username=DEMO_ADMIN).first()
    heads = list(
        User.objects.filter(
            role=Role.MANAGER, employee__code__startswith="D", employee__manager__isnull=False
        ).order_by("employee__code")[:2]
    )
    if admin is None or len(heads) < 2:
        return
    today = demo_today()
    with transaction.atomic():
        api_token_create(user=admin, name=DEMO_TOKENS[0], scopes_requested=["read:all"], actor=admin)
        api_token_create(
            user=heads[0],
            name=DEMO_TOKENS[1],
            scopes_requested=["read:attendance", "read:leave"],
            expires_at=demo_now() + timedelta(days=90),
            actor=heads[0],
        )
        old, _ = api_token_create(user=admin, name=DEMO_TOKENS[2], scopes_requested=["write:all"], actor=admin)
        api_token_revoke(token=old, actor=admin)
        # The first department head is away for two weeks; the second decides for them.
        approvals.delegate(
            delegator=heads[0],
            delegate_to=heads[1],
            starts_on=today + timedelta(days=7),
            ends_on=today + timedelta(days=20),
            actor=heads[0],
        )
    _sign_ins(admin)
    stdout.write("Created demo API tokens, an approval delegation and sign-in records.")


def _sign_in_request() -> HttpRequest:
    request = HttpRequest()
    request.method = "POST"
    request.path = request.path_info = "/accounts/login/"
    request.META = {
        "REMOTE_ADDR": "192.0.2.10",
        "HTTP_USER_AGENT": "Mozilla/5.0 (etime demo)",
        "HTTP_ACCEPT": "text/html",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "PATH_INFO": request.path,
    }
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = AnonymousUser()
    return request


def _sign_ins(admin: User) -> None:
    """Real sign-ins through the authentication backends, so django-axes records them as it
    would for the login page: one failure by an unknown name, one success. axes writes its
    failure log only with AXES_ENABLE_ACCESS_FAILURE_LOG (off), so that row is written here,
    as axes would write it."""
    from axes.models import AccessFailureLog

    failed = _sign_in_request()
    authenticate(request=failed, username="intruder", password="guess-1234")  # noqa: S106  (a demo failure)
    AccessFailureLog.objects.create(
        user_agent=failed.META["HTTP_USER_AGENT"],
        ip_address=failed.META["REMOTE_ADDR"],
        username="intruder",
        http_accept=failed.META["HTTP_ACCEPT"],
        path_info=failed.path_info,
        locked_out=False,
    )
    ok = _sign_in_request()
    user = authenticate(request=ok, username=admin.username, password=DEMO_PASSWORD)
    if user is not None:
        login(ok, user)
