"""Concurrency drills on PostgreSQL and MariaDB/MySQL (the figures must be the same): many clients at the same instant through the real HTTP
stack (each thread its own connection), then the invariants are checked in the database:
no overlap stored, one timer, no overdraft, no duplicate punch, one decision.

The apps' own tests race one service call; these race the API the way clients do, mixing
channels (entries and timers, two decision routes, repeated device uploads).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from tests.security.world import at, build_world

pytestmark = [pytest.mark.postgres, pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]
THREADS = 12


def at_once(calls: list[Callable[..., Any]]) -> list[Any]:
    """Run the calls in threads released by one barrier; results (or exceptions) in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = calls[i]()
        except Exception as exc:  # the test asserts on it
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a drill thread hung"
    return results


def statuses(results: list[Any]) -> Counter[Any]:
    return Counter(getattr(r, "status_code", repr(r)) for r in results)


@pytest.fixture
def world(people: Any) -> dict[str, Any]:
    return build_world(people)


def test_entries_and_timers_racing_for_one_morning_never_store_an_overlap(
    world: Any, people: Any, token_client: Any
) -> None:
    from timesheets.models import TimeEntry

    if connection.vendor == "sqlite":
        pytest.skip("the PostgreSQL and MariaDB passes")
    project = str(world["project"].pk)
    day = date(2026, 2, 4)
    calls: list[Callable[..., Any]] = []
    for i in range(THREADS - 4):
        client = token_client(people.alice)
        body = {"project": project, "start": at(day, 9, i).isoformat(), "end": at(day, 11, i).isoformat()}
        calls.append(lambda c=client, b=body: c.post("/api/v1/time-entries/", b, format="json"))
    for _ in range(4):
        client = token_client(people.alice)
        calls.append(lambda c=client: c.post("/api/v1/timer/start/", {"project": project}, format="json"))
    results = at_once(calls)
    counts = statuses(results)
    assert set(counts) <= {201, 409}, counts
    assert counts[201] >= 2, counts  # one entry of the morning and one timer (now) can both win
    codes = {r.json()["error"]["code"] for r in results if getattr(r, "status_code", 0) == 409}
    assert codes <= {"time_entry_overlap", "timer_already_running"}, codes

    entries = list(TimeEntry.objects.filter(employee=people.alice).order_by("start"))
    for earlier, later in zip(entries, entries[1:], strict=False):
        assert earlier.end is None or earlier.end <= later.start, (earlier, later)
    assert sum(1 for e in entries if e.end is None) == 1


def test_leave_requests_racing_for_one_balance_never_overdraw(world: Any, people: Any, token_client: Any) -> None:
    from leave.selectors import balance_of

    if connection.vendor == "sqlite":
        pytest.skip("the PostgreSQL and MariaDB passes")
    vacation = world["leave_type"]
    from leave.services import allocation_create

    # Next year (always ahead of the notice rules): 3 days granted, 10 one-day requests at once.
    year = timezone.localdate().year + 1
    allocation_create(employee=people.alice, leave_type=vacation, year=year, days=Decimal(3), actor=people.admin)
    assert balance_of(employee_id=people.alice.pk, leave_type_id=vacation.pk, year=year).available == 3
    # Wednesdays of February to April: no public holiday in Zurich falls on one.
    first = date(year, 2, 1) + timedelta(days=(2 - date(year, 2, 1).weekday()) % 7)
    days = [first + timedelta(weeks=i) for i in range(10)]
    clients = [token_client(people.alice) for _ in days]
    results = at_once(
        [
            lambda c=c, d=d: c.post(
                "/api/v1/leave-requests/",
                {"leave_type": "VAC", "start_date": str(d), "end_date": str(d)},
                format="json",
            )
            for c, d in zip(clients, days, strict=True)
        ]
    )
    counts = statuses(results)
    assert counts == {201: 3, 409: len(days) - 3}, (counts, [r.content[:200] for r in results])
    assert {r.json()["error"]["code"] for r in results if r.status_code == 409} == {"insufficient_balance"}
    after = balance_of(employee_id=people.alice.pk, leave_type_id=vacation.pk, year=year)
    assert after.available == 0 and after.pending == 3


def test_one_request_decided_by_two_approvers_at_once_gets_one_decision(
    world: Any, people: Any, token_client: Any
) -> None:
    from etime.core.models import ApprovalRequest, ApprovalStep, AuditEvent
    from leave.models import LeaveRequest

    if connection.vendor == "sqlite":
        pytest.skip("the PostgreSQL and MariaDB passes")
    request = world["leave_request"]
    approval = ApprovalRequest.objects.get(object_id=str(request.pk))
    bob, admin = token_client(people.bob), token_client(people.admin)
    bob2, admin2 = token_client(people.bob), token_client(people.admin)
    results = at_once(
        [
            lambda: bob.post(f"/api/v1/approvals/{approval.pk}/decide/", {"decision": "approve"}, format="json"),
            lambda: admin.post(f"/api/v1/leave-requests/{request.pk}/reject/", {"comment": "no"}, format="json"),
            lambda: bob2.post(f"/api/v1/leave-requests/{request.pk}/approve/", {}, format="json"),
            lambda: admin2.post(
                f"/api/v1/approvals/{approval.pk}/decide/", {"decision": "reject", "comment": "no"}, format="json"
            ),
        ]
    )
    counts = statuses(results)
    assert counts[200] == 1 and counts[409] == 3, counts
    assert {r.json()["error"]["code"] for r in results if r.status_code == 409} == {"approval_already_decided"}
    approval.refresh_from_db()
    request.refresh_from_db()
    assert approval.status in ("approved", "rejected")
    assert request.status == approval.status
    steps = ApprovalStep.objects.filter(request=approval)
    assert steps.count() == 1, list(steps.values())
    decisions = AuditEvent.objects.filter(object_id=str(request.pk), action__startswith="leave_request.")
    assert decisions.exclude(action="leave_request.submitted").count() == 1, list(decisions.values_list("action"))
    assert LeaveRequest.objects.filter(pk=request.pk).count() == 1


def test_one_device_uploading_the_same_log_from_many_connections_stores_each_punch_once(
    world: Any, people: Any
) -> None:
    from attendance.models import Punch
    from devices import services

    if connection.vendor == "sqlite":
        pytest.skip("the PostgreSQL and MariaDB passes")
    services.device_create(
        actor=None, name="Gate", protocol="adms", serial_number="DRILL0001", time_zone="Europe/Zurich"
    )
    lines = "".join(f"101\t2026-04-{d:02d} 0{h}:00:00\t{h % 2}\t1\n" for d in range(1, 11) for h in (7, 8))
    before = Punch.objects.count()
    clients = [Client() for _ in range(THREADS)]
    results = at_once(
        [
            lambda c=c, i=i: c.post(
                f"/iclock/cdata?SN=DRILL0001&table=ATTLOG&Stamp={i}",
                data=lines[: len(lines) - 30 * (i % 3)] if i % 3 else lines,
                content_type="text/plain",
            )
            for i, c in enumerate(clients)
        ]
    )
    assert statuses(results) == {200: THREADS}, [getattr(r, "content", r) for r in results]
    stored = list(Punch.objects.filter(device_user_id="101", source="adms").values_list("timestamp", flat=True))
    assert len(stored) == len(set(stored)) == 20
    assert Punch.objects.count() - before == 20
