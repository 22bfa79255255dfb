"""Billing fixtures on top of the timesheets catalogue (Acme AG: CHF, VAT 8.1 %; Globex
GmbH: EUR, VAT 0) and the shared personas. ``billed(...)`` stores approved entries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from timesheets.tests.conftest import MONDAY, ZURICH, Catalog, at, catalog, entry, error_of  # noqa: F401

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    """Receipts and PDFs go to this test's own directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def rate(people: Any) -> Any:
    """rate(level, target, amount, effective_from=1 Jan 2026, currency=None) -> Rate."""
    from timesheets import services

    def make(
        level: str, target: Any, amount: str, effective_from: date = date(2026, 1, 1), currency: str | None = None
    ) -> Any:
        return services.rate_create(
            level=level,
            target_id=target.pk,
            amount=Decimal(amount),
            effective_from=effective_from,
            actor=people.admin,
            currency=currency,
        )

    return make


@pytest.fixture
def billed(people: Any, catalog: Catalog) -> Any:  # noqa: F811 - the imported fixture
    """billed(day, minutes, project=website, task=None, employee=alice, start="08:00") -> an approved entry."""
    from timesheets import services

    def make(
        day: date, minutes: int, project: Any = None, task: Any = None, employee: Any = None, start: str = "08:00"
    ) -> Any:
        person = employee or people.alice
        begin: datetime = at(day, start)
        created = services.time_entry_create(
            employee=person,
            project=project or catalog.website,
            task=task,
            start=begin,
            end=begin + timedelta(minutes=minutes),
            actor=person.user,
        )
        services.time_entries_approve(entries=[created], actor=people.admin)
        created.refresh_from_db()
        return created

    return make


@pytest.fixture
def finance_api(people: Any, token_client: Any) -> Any:
    return token_client(people.admin)
