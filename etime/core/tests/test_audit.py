"""The audit trail: every employee change through the API leaves an event with actor,
action, before/after and request id; admins (only) read it, filtered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient


@pytest.fixture
def admin_api(people: Any, token_client: Any) -> APIClient:
    return token_client(people.admin)


def _event(**filters: Any) -> Any:
    from etime.core.models import AuditEvent

    events = list(AuditEvent.objects.filter(**filters))
    assert len(events) == 1, events
    return events[0]


def test_creating_an_employee_writes_an_audit_event(people: Any, admin_api: APIClient) -> None:
    response = admin_api.post(
        "/api/v1/employees/",
        {"code": "E700", "first_name": "Ada", "last_name": "Audit", "department": None},
        HTTP_X_REQUEST_ID="audit-create-1",
    )
    assert response.status_code == 201
    new_id = response.json()["id"]
    event = _event(action="employee.created", object_id=new_id)
    assert event.actor == people.admin
    assert event.actor_repr == "olivia@example.com"
    assert event.object_type == "accounts.employee"
    assert event.before is None
    assert event.after["code"] == "E700"
    assert event.after["first_name"] == "Ada"
    assert event.request_id == "audit-create-1"


def test_updating_an_employee_records_before_and_after(people: Any, admin_api: APIClient) -> None:
    response = admin_api.patch(
        f"/api/v1/employees/{people.dave.pk}/",
        {"first_name": "David", "hire_date": "2024-02-01"},
        HTTP_X_REQUEST_ID="audit-update-1",
    )
    assert response.status_code == 200
    event = _event(action="employee.updated", object_id=str(people.dave.pk))
    assert event.actor == people.admin
    assert event.before["first_name"] == "Dave"
    assert event.before["hire_date"] is None
    assert event.after["first_name"] == "David"
    assert event.after["hire_date"] == "2024-02-01"
    assert event.request_id == "audit-update-1"


def test_an_update_that_changes_nothing_writes_no_event(people: Any, admin_api: APIClient) -> None:
    from etime.core.models import AuditEvent

    assert admin_api.patch(f"/api/v1/employees/{people.dave.pk}/", {"first_name": "Dave"}).status_code == 200
    assert not AuditEvent.objects.filter(action="employee.updated").exists()


def test_deleting_an_employee_records_what_was_deleted(people: Any, admin_api: APIClient) -> None:
    response = admin_api.delete(f"/api/v1/employees/{people.dave.pk}/", HTTP_X_REQUEST_ID="audit-delete-1")
    assert response.status_code == 204
    event = _event(action="employee.deleted", object_id=str(people.dave.pk))
    assert event.actor == people.admin
    assert event.before["code"] == "E006"
    assert event.after is None
    assert event.request_id == "audit-delete-1"


def test_a_refused_change_leaves_no_audit_event(people: Any, admin_api: APIClient) -> None:
    from etime.core.models import AuditEvent

    before = AuditEvent.objects.count()
    response = admin_api.patch(f"/api/v1/employees/{people.dave.pk}/", {"time_zone": "Nowhere/Land"})
    assert response.status_code == 400
    assert AuditEvent.objects.count() == before


def test_audit_events_never_contain_passwords_or_token_hashes(people: Any, admin_api: APIClient) -> None:
    from etime.core.models import AuditEvent

    admin_api.post(
        "/api/v1/employees/",
        {
            "code": "E701",
            "first_name": "Sam",
            "last_name": "Secret",
            "email": "sam@example.com",
            "password": "a-very-long-secret-pass",
        },
    )
    for event in AuditEvent.objects.all():
        text = f"{event.before} {event.after}"
        assert "a-very-long-secret-pass" not in text
        assert "password" not in (event.after or {})
        assert "key_hash" not in (event.after or {})


# --- Reading the trail ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["carla", "bob", "alice", "dave"])
def test_audit_events_are_admin_only(people: Any, token_client: Any, name: str) -> None:
    response = token_client(getattr(people, name), scopes=["read:all"]).get("/api/v1/audit-events/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_audit_event_detail_is_admin_only_too(people: Any, token_client: Any) -> None:
    from etime.core.models import AuditEvent

    event = AuditEvent.objects.filter(object_id=str(people.bob.pk)).first()
    assert event is not None
    assert token_client(people.bob).get(f"/api/v1/audit-events/{event.pk}/").status_code == 403
    response = token_client(people.admin).get(f"/api/v1/audit-events/{event.pk}/")
    assert response.status_code == 200
    assert response.json()["action"] == "employee.created"


def test_manager_session_cannot_read_audit_events(people: Any) -> None:
    client = APIClient()
    client.force_login(people.carla.user)
    assert client.get("/api/v1/audit-events/").status_code == 403


def test_audit_events_need_the_audit_scope(people: Any, token_client: Any) -> None:
    response = token_client(people.admin, scopes=["read:employees"]).get("/api/v1/audit-events/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert token_client(people.admin, scopes=["read:audit_events"]).get("/api/v1/audit-events/").status_code == 200


def test_audit_events_are_read_only(people: Any, admin_api: APIClient) -> None:
    response = admin_api.post("/api/v1/audit-events/", {"action": "forged"})
    assert response.status_code == 405


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def trail(people: Any) -> dict[str, Any]:
    """Three dated changes by two actors on top of the personas' creation events."""
    from accounts.services import employee_update
    from etime.core.models import AuditEvent

    t1 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    t2 = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
    t3 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    with time_machine.travel(t1, tick=False):
        employee_update(employee=people.alice, actor=people.admin, first_name="Alicia")
    with time_machine.travel(t2, tick=False):
        employee_update(employee=people.amir, actor=people.carla.user, first_name="Amira")
    with time_machine.travel(t3, tick=False):
        employee_update(employee=people.alice, actor=people.carla.user, last_name="Abel")
    events = {e.occurred_at: e for e in AuditEvent.objects.filter(action="employee.updated")}
    return {"t1": t1, "t2": t2, "t3": t3, "e1": events[t1], "e2": events[t2], "e3": events[t3]}


def test_filter_audit_events_by_action(trail: dict[str, Any], admin_api: APIClient) -> None:
    ids = _ids(admin_api.get("/api/v1/audit-events/", {"action": "employee.updated"}))
    assert ids == [str(trail["e3"].pk), str(trail["e2"].pk), str(trail["e1"].pk)]  # newest first


def test_filter_audit_events_by_object(people: Any, trail: dict[str, Any], admin_api: APIClient) -> None:
    ids = _ids(
        admin_api.get("/api/v1/audit-events/", {"object_type": "accounts.employee", "object_id": str(people.alice.pk)})
    )
    created = _ids(
        admin_api.get("/api/v1/audit-events/", {"object_id": str(people.alice.pk), "action": "employee.created"})
    )
    assert len(created) == 1
    assert set(ids) == {str(trail["e1"].pk), str(trail["e3"].pk), created[0]}
    assert _ids(admin_api.get("/api/v1/audit-events/", {"object_type": "accounts.location"})) == []


def test_filter_audit_events_by_actor(people: Any, trail: dict[str, Any], admin_api: APIClient) -> None:
    ids = _ids(admin_api.get("/api/v1/audit-events/", {"actor": str(people.carla.user.pk)}))
    assert ids == [str(trail["e3"].pk), str(trail["e2"].pk)]


def test_filter_audit_events_by_time(trail: dict[str, Any], admin_api: APIClient) -> None:
    url = "/api/v1/audit-events/"
    window = {
        "occurred_at_after": (trail["t2"] - timedelta(minutes=1)).isoformat(),
        "occurred_at_before": (trail["t2"] + timedelta(minutes=1)).isoformat(),
    }
    assert _ids(admin_api.get(url, window)) == [str(trail["e2"].pk)]
    ids = _ids(admin_api.get(url, {"occurred_at_before": trail["t2"].isoformat(), "action": "employee.updated"}))
    assert ids == [str(trail["e2"].pk), str(trail["e1"].pk)]
    ids = _ids(admin_api.get(url, {"occurred_at_after": "2025-03-02T12:00:00+02:00", "action": "employee.updated"}))
    assert ids == [str(trail["e3"].pk)]


def test_combined_audit_filters(people: Any, trail: dict[str, Any], admin_api: APIClient) -> None:
    ids = _ids(
        admin_api.get(
            "/api/v1/audit-events/",
            {"actor": str(people.carla.user.pk), "object_id": str(people.alice.pk), "action": "employee.updated"},
        )
    )
    assert ids == [str(trail["e3"].pk)]


def test_bad_audit_filter_values_are_validation_errors(trail: dict[str, Any], admin_api: APIClient) -> None:
    for params in ({"actor": "not-a-uuid"}, {"occurred_at_after": "yesterday-ish"}):
        response = admin_api.get("/api/v1/audit-events/", params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "validation_error"
