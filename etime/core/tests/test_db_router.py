"""Read-only reports from the replica: a second PostgreSQL database stands in for it
(settings_test: its own test database), so a report that reads the replica shows what only
the replica holds, and a write lands on the primary alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import Department, Employee, User
from etime.core.db_router import ReportsReplicaRouter, report_reads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(databases=["default", "replica"])]
SUMMARY = "/api/v1/attendance/summary/?month=2027-03"


@pytest.fixture(autouse=True)
def _replica_defined() -> None:
    if "replica" not in connections.settings:
        pytest.skip("the replica stand-in needs PostgreSQL (PostgreSQL pass)")


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["employee"]["code"] for row in response.json()["results"]]


def replicate() -> None:
    """Copy the org chart to the replica, as streaming replication would."""
    from accounts.models import Location

    models: list[Any] = [Location, Department, User, Employee]
    for model in models:
        model.objects.using("replica").bulk_create(list(model.objects.using("default").order_by("pk")))


def test_without_a_replica_reports_read_the_primary(people: Any, token_client: Any) -> None:
    client = token_client(people.admin)
    assert codes(client.get(SUMMARY)) == ["E001", "E002", "E003", "E004", "E005", "E006"]


@override_settings(ETIME_REPORTS_DATABASE="replica")
def test_a_report_reads_the_replica_and_only_reads_it(people: Any, token_client: Any) -> None:
    client = token_client(people.admin)  # the token and its user live on the primary only
    assert codes(client.get(SUMMARY)) == []  # the replica has no employees yet
    replicate()
    Employee.objects.using("replica").filter(code="E003").update(code="R003")  # only the replica says so
    with CaptureQueriesContext(connections["replica"]) as replica_queries:
        assert codes(client.get(SUMMARY)) == ["E001", "E002", "E004", "E005", "E006", "R003"]
    statements = [q["sql"].lstrip().split()[0].upper() for q in replica_queries.captured_queries]
    assert statements and set(statements) <= {"SELECT"}, statements


@override_settings(ETIME_REPORTS_DATABASE="replica")
def test_other_pages_and_every_write_use_the_primary(people: Any, token_client: Any) -> None:
    client = token_client(people.admin)
    # Not a report view: the primary's six employees.
    replicate()
    Employee.objects.using("replica").filter(code="E003").update(code="R003")
    listed = client.get("/api/v1/employees/")
    assert listed.status_code == 200, listed.content
    assert "E003" in listed.content.decode() and "R003" not in listed.content.decode()
    # A write in a report request (the object was read from the replica) goes to the primary.
    with report_reads():
        alice = Employee.objects.get(code="R003")
        assert alice._state.db == "replica"
        alice.first_name = "Alicia"
        alice.save()
    assert Employee.objects.using("default").get(pk=alice.pk).first_name == "Alicia"
    assert Employee.objects.using("replica").get(pk=alice.pk).first_name == "Alice"
    # Sign-in data is never read from the replica, even inside a report.
    with report_reads():
        assert ReportsReplicaRouter().db_for_read(User) is None
        assert ReportsReplicaRouter().db_for_read(Department) == "replica"
    department = Department(name="Ops", code="OPS")
    department.save()
    assert Department.objects.using("default").filter(code="OPS").exists()
    assert not Department.objects.using("replica").filter(code="OPS").exists()
