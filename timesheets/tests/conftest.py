"""Fixtures for time tracking tests: a small catalogue (clients, projects, tasks) on top
of the shared personas (conftest.py), and helpers for times in the personas' zone.

Everyone in ``people`` works in Europe/Zurich. The weeks used are in March 2026:
Monday 2 March (CET, UTC+1) and Monday 30 March (CEST, UTC+2, after the switch).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
MONDAY = date(2026, 3, 2)


def at(day: date, hhmm: str, tz: Any = ZURICH) -> datetime:
    """An aware datetime: ``day`` at ``hhmm`` in ``tz`` (Zurich by default)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def iso(day: date, hhmm: str) -> str:
    return at(day, hhmm).isoformat()


@dataclass
class Catalog:
    acme: Any  # client, CHF, VAT 8.1
    globex: Any  # client, EUR
    website: Any  # Acme project, billable
    support: Any  # Acme project, billable, rounds up to 15 minutes
    internal: Any  # Globex project, not billable
    design: Any  # task of website
    build: Any  # task of website


@pytest.fixture
def catalog(people: Any) -> Catalog:
    from timesheets import services
    from timesheets.models import Client, Project, RoundingMode, Task

    admin = people.admin
    acme = services.client_save(
        client=Client(name="Acme AG", currency="CHF", vat_rate=Decimal("8.10"), country="CH"), actor=admin
    )
    globex = services.client_save(client=Client(name="Globex GmbH", currency="EUR", country="DE"), actor=admin)
    website = services.project_save(project=Project(client=acme, name="Website"), actor=admin)
    support = services.project_save(
        project=Project(client=acme, name="Support", rounding_minutes=15, rounding_mode=RoundingMode.UP), actor=admin
    )
    internal = services.project_save(project=Project(client=globex, name="Internal", billable=False), actor=admin)
    design = services.task_save(task=Task(project=website, name="Design"), actor=admin)
    build = services.task_save(task=Task(project=website, name="Build"), actor=admin)
    return Catalog(acme, globex, website, support, internal, design, build)


@pytest.fixture
def entry(people: Any, catalog: Catalog) -> Any:
    """make(start, end, employee=alice, project=website, **kw) -> a stored TimeEntry."""
    from timesheets import services

    def make(start: datetime, end: datetime | None, employee: Any = None, project: Any = None, **kwargs: Any) -> Any:
        person = employee or people.alice
        return services.time_entry_create(
            employee=person,
            project=project or catalog.website,
            start=start,
            end=end,
            actor=person.user,
            **kwargs,
        )

    return make


@pytest.fixture
def alice_api(people: Any, token_client: Any) -> Any:
    return token_client(people.alice)


@pytest.fixture
def bob_api(people: Any, token_client: Any) -> Any:
    return token_client(people.bob)


@pytest.fixture
def admin_api(people: Any, token_client: Any) -> Any:
    return token_client(people.admin)


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code, body
    return body["error"]
