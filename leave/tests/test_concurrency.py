"""Concurrent submissions cannot overdraw a balance (real threads, real PostgreSQL or MariaDB)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from leave import services
from leave.models import LeaveRequest
from leave.selectors import balance_of
from leave.tests.factories import make_leave_type, submit


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_that_together_exceed_the_balance_one_is_refused(people: Any, today: date) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the PostgreSQL and MariaDB passes")
    vacation = make_leave_type("vacation")
    services.allocation_create(
        employee=people.alice, leave_type=vacation, year=2026, days=Decimal(5), actor=people.admin
    )
    ranges = [(date(2026, 6, 1), date(2026, 6, 3)), (date(2026, 6, 8), date(2026, 6, 10))]  # 3 + 3 > 5
    start = threading.Barrier(len(ranges))
    outcomes: list[str] = []

    def ask(first: date, last: date) -> None:
        try:
            start.wait()
            submit(people.alice, vacation, first, last)
            outcomes.append("submitted")
        except services.InsufficientBalance:
            outcomes.append("insufficient_balance")
        finally:
            connection.close()

    for _round in range(3):
        LeaveRequest.objects.filter(employee=people.alice).update(status="cancelled")
        outcomes.clear()
        threads = [threading.Thread(target=ask, args=r) for r in ranges]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["insufficient_balance", "submitted"]
        current = balance_of(employee_id=people.alice.pk, leave_type_id=vacation.pk, year=2026)
        assert current.pending == 3 and current.available == 2
        start.reset()
