"""Leave fixtures on top of the shared personas (root conftest.py `people`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from leave.models import LeaveType
from leave.tests.factories import make_leave_type


@pytest.fixture
def today() -> Any:
    """Freeze the clock on Monday 2 March 2026 (business dates in tests are in 2026)."""
    with time_machine.travel(date(2026, 3, 2), tick=False):
        yield date(2026, 3, 2)


@pytest.fixture
def vacation(db: Any) -> LeaveType:
    return make_leave_type("vacation", "Vacation")


@pytest.fixture
def grant(people: Any) -> Callable[..., Any]:
    """grant(employee, leave_type, days, year=2026): an admin allocation."""
    from leave.services import allocation_create

    def make(employee: Any, leave_type: LeaveType, days: str | int | Decimal, year: int = 2026) -> Any:
        return allocation_create(
            employee=employee, leave_type=leave_type, year=year, days=Decimal(str(days)), actor=people.admin
        )

    return make
