"""The hand-built employee representation (a hot path) must equal DRF's generic one."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.db.models import F
from rest_framework.renderers import JSONRenderer

from accounts.api import EmployeeSerializer
from accounts.models import Employee


def rendered(data: dict[str, Any]) -> dict[str, Any]:
    """What a client receives (UUIDs and dates as the JSON renderer writes them)."""
    return json.loads(JSONRenderer().render(data))


@pytest.mark.embedded
def test_employee_representation_matches_drf_for_full_and_sparse_records(people: Any) -> None:
    Employee.objects.filter(pk=people.alice.pk).update(
        hire_date=date(2020, 2, 29),
        end_date=date(2030, 1, 1),
        device_user_id="17",
        card_number="00001017",
        time_zone="Asia/Kolkata",
    )
    sparse = Employee.objects.create(code="S1", first_name="No", last_name="Login")
    serializer = EmployeeSerializer()
    for employee in [*Employee.objects.select_related("user"), sparse]:
        assert rendered(serializer.to_representation(employee)) == rendered(serializer.drf_representation(employee))
    # The list path annotates the role instead of loading the user; same output.
    for employee in Employee.objects.annotate(user_role=F("user__role")):
        reference = serializer.drf_representation(Employee.objects.select_related("user").get(pk=employee.pk))
        assert rendered(serializer.to_representation(employee)) == rendered(reference)


@pytest.mark.embedded
def test_employee_list_and_detail_agree(people: Any, token_client: Any) -> None:
    client = token_client(people.admin)
    listed = {row["id"]: row for row in client.get("/api/v1/employees/").json()["results"]}
    for employee_id, row in listed.items():
        assert client.get(f"/api/v1/employees/{employee_id}/").json() == row
