"""/api/v1/time-entries/: writes through the services, filters, sync (updated_since and
deletions), visibility and token scopes, and the catalogue endpoints around it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from timesheets.representations import TIME_ENTRY_FIELDS
from timesheets.tests.conftest import MONDAY, at, error_of, iso

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + timedelta(days=1)


def body(
    catalog: Any, start: str = "09:00", end: str | None = "10:00", day: Any = MONDAY, **extra: Any
) -> dict[str, Any]:
    return {
        "project": str(catalog.website.pk),
        "start": iso(day, start),
        "end": iso(day, end) if end else None,
        **extra,
    }


def test_an_employee_logs_time_for_themselves_by_default(people: Any, catalog: Any, alice_api: Any) -> None:
    from etime.core.models import AuditEvent

    response = alice_api.post(
        "/api/v1/time-entries/", body(catalog, task=str(catalog.design.pk), description=" mockups ")
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["employee"] == str(people.alice.pk) and created["client"] == str(catalog.acme.pk)
    assert created["description"] == "mockups" and created["status"] == "draft" and created["billable"] is True
    assert created["date"] == "2026-03-02" and created["start"] == "2026-03-02T08:00:00Z"
    assert set(created) == set(TIME_ENTRY_FIELDS)
    event = AuditEvent.objects.get(action="time_entry.created")
    assert event.after is not None
    assert event.object_id == created["id"] and event.after["description"] == "mockups"


def test_a_time_without_utc_offset_is_refused(catalog: Any, alice_api: Any) -> None:
    payload = {"project": str(catalog.website.pk), "start": "2026-03-02T09:00:00", "end": "2026-03-02T10:00:00"}
    details = error_of(alice_api.post("/api/v1/time-entries/", payload), 400, "validation_error")["details"]
    assert set(details) == {"start", "end"}


def test_the_end_must_be_after_the_start(catalog: Any, alice_api: Any) -> None:
    details = error_of(
        alice_api.post("/api/v1/time-entries/", body(catalog, "10:00", "10:00")), 400, "validation_error"
    )
    assert "end" in details["details"]


def test_a_task_of_another_project_is_refused(catalog: Any, alice_api: Any) -> None:
    payload = body(catalog, project=str(catalog.support.pk), task=str(catalog.design.pk))
    assert "task" in error_of(alice_api.post("/api/v1/time-entries/", payload), 400, "validation_error")["details"]


def test_a_closed_project_takes_no_new_time(people: Any, catalog: Any, alice_api: Any) -> None:
    from timesheets import services

    catalog.website.status = "completed"
    services.project_save(project=catalog.website, actor=people.admin)
    assert (
        "project"
        in error_of(alice_api.post("/api/v1/time-entries/", body(catalog)), 400, "validation_error")["details"]
    )


def test_projects_with_members_accept_time_from_members_only(
    people: Any, catalog: Any, alice_api: Any, token_client: Any
) -> None:
    from timesheets import services

    services.project_save(project=catalog.website, members=[people.alice], actor=people.admin)
    assert alice_api.post("/api/v1/time-entries/", body(catalog)).status_code == 201
    # Amir cannot even see the project; bob (alice's manager) sees it but is no member.
    assert (
        "project"
        in error_of(token_client(people.amir).post("/api/v1/time-entries/", body(catalog)), 400, "validation_error")[
            "details"
        ]
    )
    details = error_of(token_client(people.bob).post("/api/v1/time-entries/", body(catalog)), 400, "validation_error")
    assert "not a member" in details["details"]["project"][0]


def test_a_manager_logs_and_edits_time_for_a_report_but_not_for_others(people: Any, catalog: Any, bob_api: Any) -> None:
    created = bob_api.post("/api/v1/time-entries/", body(catalog, employee=str(people.alice.pk)))
    assert created.status_code == 201 and created.json()["employee"] == str(people.alice.pk)
    outsider = bob_api.post("/api/v1/time-entries/", body(catalog, employee=str(people.dave.pk)))
    assert "employee" in error_of(outsider, 400, "validation_error")["details"]
    moved = bob_api.patch(f"/api/v1/time-entries/{created.json()['id']}/", {"employee": str(people.amir.pk)})
    assert "employee" in error_of(moved, 400, "validation_error")["details"]


def test_put_replaces_the_entry_and_delete_leaves_a_tombstone(people: Any, catalog: Any, alice_api: Any) -> None:
    from etime.core.models import AuditEvent

    created = alice_api.post("/api/v1/time-entries/", body(catalog, description="a")).json()
    put = alice_api.put(f"/api/v1/time-entries/{created['id']}/", body(catalog, "09:30", "11:00", description="b"))
    assert put.status_code == 200, put.json()
    assert put.json()["description"] == "b" and put.json()["duration_seconds"] == 90 * 60
    assert alice_api.delete(f"/api/v1/time-entries/{created['id']}/").status_code == 204
    error_of(alice_api.get(f"/api/v1/time-entries/{created['id']}/"), 404, "not_found")
    deletions = alice_api.get("/api/v1/time-entries/deletions/").json()["results"]
    assert [(d["id"], d["reason"], d["employee"]) for d in deletions] == [
        (created["id"], "deleted", str(people.alice.pk))
    ]
    assert AuditEvent.objects.filter(action="time_entry.deleted", object_id=created["id"]).exists()


def test_an_integrator_syncs_changes_with_updated_since_and_deletions(
    people: Any, catalog: Any, entry: Any, alice_api: Any
) -> None:
    with time_machine.travel(at(MONDAY, "18:00"), tick=False):
        old = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
        gone = entry(at(MONDAY, "11:00"), at(MONDAY, "12:00"))
    with time_machine.travel(at(TUESDAY, "18:00"), tick=False):
        fresh = entry(at(TUESDAY, "09:00"), at(TUESDAY, "10:00"))
        alice_api.delete(f"/api/v1/time-entries/{gone.pk}/")
    since = at(TUESDAY, "00:00").isoformat()
    changed = alice_api.get("/api/v1/time-entries/", {"updated_since": since}).json()["results"]
    assert [e["id"] for e in changed] == [str(fresh.pk)]
    deleted = alice_api.get("/api/v1/time-entries/deletions/", {"deleted_since": since}).json()["results"]
    assert [d["id"] for d in deleted] == [str(gone.pk)]
    assert str(old.pk) not in {e["id"] for e in changed}
    error_of(
        alice_api.get("/api/v1/time-entries/deletions/", {"deleted_since": "2026-03-02T00:00"}), 400, "validation_error"
    )


def test_deletions_are_scoped_like_entries(people: Any, entry: Any, alice_api: Any, token_client: Any) -> None:
    gone = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    alice_api.delete(f"/api/v1/time-entries/{gone.pk}/")
    assert token_client(people.bob).get("/api/v1/time-entries/deletions/").json()["results"][0]["id"] == str(gone.pk)
    assert token_client(people.mona).get("/api/v1/time-entries/deletions/").json()["results"] == []


def test_filters_by_employee_project_client_status_and_date_range(
    people: Any, catalog: Any, entry: Any, bob_api: Any
) -> None:
    from timesheets import services

    a = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    b = entry(at(TUESDAY, "09:00"), at(TUESDAY, "10:00"), project=catalog.internal)
    c = entry(at(TUESDAY, "09:00"), at(TUESDAY, "10:00"), employee=people.amir)
    services.time_entries_approve(entries=[c], actor=people.bob.user)

    def ids(**params: Any) -> set[str]:
        response = bob_api.get("/api/v1/time-entries/", params)
        assert response.status_code == 200, response.json()
        return {e["id"] for e in response.json()["results"]}

    assert ids() == {str(a.pk), str(b.pk), str(c.pk)}
    assert ids(employee=str(people.amir.pk)) == {str(c.pk)}
    assert ids(project=str(catalog.internal.pk)) == {str(b.pk)}
    assert ids(client=str(catalog.acme.pk)) == {str(a.pk), str(c.pk)}
    assert ids(status="approved") == {str(c.pk)}
    assert ids(date_after="2026-03-03", date_before="2026-03-03") == {str(b.pk), str(c.pk)}
    assert ids(start_before=at(MONDAY, "12:00").isoformat()) == {str(a.pk)}
    assert ids(billable="false") == {str(b.pk)}


def test_the_list_is_newest_first_and_cursor_pages_walk_every_entry_once(
    people: Any, entry: Any, alice_api: Any
) -> None:
    stored = [entry(at(MONDAY, f"{h:02d}:00"), at(MONDAY, f"{h:02d}:30")) for h in range(6, 18)]
    stored += [entry(at(MONDAY, f"{h:02d}:00"), at(MONDAY, f"{h:02d}:30"), employee=people.amir) for h in range(6, 18)]
    seen: list[str] = []
    url: str | None = "/api/v1/time-entries/?limit=5"
    while url:
        page = alice_api.get(url).json()
        seen += [e["start"] for e in page["results"]]
        url = page["next"]
    assert len(seen) == 12 and seen == sorted(seen, reverse=True)
    assert len(stored) == 24


def test_entries_are_scoped_by_role_and_invisible_ones_are_not_found(
    people: Any, entry: Any, token_client: Any
) -> None:
    mine = {
        p.code: entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), employee=p)
        for p in (people.carla, people.bob, people.alice, people.amir, people.mona, people.dave)
    }
    expected = {
        "admin": set(mine),
        "carla": {"E001", "E002", "E003", "E004"},
        "bob": {"E002", "E003", "E004"},
        "alice": {"E003"},
        "mona": {"E005", "E006"},
        "dave": {"E006"},
    }
    by_id = {str(e.pk): code for code, e in mine.items()}
    for name, codes in expected.items():
        api = token_client(getattr(people, name))
        seen = {by_id[e["id"]] for e in api.get("/api/v1/time-entries/").json()["results"]}
        assert seen == codes, name
        for code, stored in mine.items():
            if code not in codes:
                error_of(api.get(f"/api/v1/time-entries/{stored.pk}/"), 404, "not_found")
                error_of(api.patch(f"/api/v1/time-entries/{stored.pk}/", {"description": "x"}), 404, "not_found")


def test_token_scopes_gate_reads_and_writes(people: Any, catalog: Any, token_client: Any) -> None:
    reader = token_client(people.alice, scopes=["read:time_entries"])
    assert reader.get("/api/v1/time-entries/").status_code == 200
    assert reader.get("/api/v1/timer/").status_code == 200
    error = error_of(reader.post("/api/v1/time-entries/", body(catalog)), 403, "insufficient_scope")
    assert error["details"]["required_scope"] == "write:time_entries"
    error_of(reader.post("/api/v1/timer/start/", {"project": str(catalog.website.pk)}), 403, "insufficient_scope")
    error_of(reader.get("/api/v1/projects/"), 403, "insufficient_scope")
    writer = token_client(people.alice, scopes=["write:time_entries"])
    assert writer.post("/api/v1/time-entries/", body(catalog)).status_code == 201


def test_rounding_keeps_the_raw_duration_and_bills_the_rounded_one(people: Any, catalog: Any, alice_api: Any) -> None:
    from datetime import date
    from decimal import Decimal

    from timesheets import services

    services.rate_create(
        level="project",
        target_id=catalog.support.pk,
        amount=Decimal("100.00"),
        effective_from=date(2026, 1, 1),
        actor=people.admin,
    )
    created = alice_api.post("/api/v1/time-entries/", body(catalog, "09:00", "09:16", project=str(catalog.support.pk)))
    assert created.status_code == 201, created.json()
    entry = created.json()
    assert (entry["duration_seconds"], entry["rounded_seconds"], entry["amount"]) == (16 * 60, 30 * 60, "50.00")


@pytest.mark.parametrize(
    ("minutes", "mode", "expected"),
    [(16, "up", 30), (15, "up", 15), (22, "nearest", 15), (23, "nearest", 30), (29, "down", 15), (0, "up", 0)],
)
def test_project_rounding_rules(catalog: Any, minutes: int, mode: str, expected: int) -> None:
    catalog.support.rounding_mode = mode
    assert catalog.support.rounded(minutes * 60) == expected * 60
    catalog.support.rounding_minutes = 0
    assert catalog.support.rounded(minutes * 60 + 7) == minutes * 60 + 7


# --- catalogue -------------------------------------------------------------------------------


def test_admins_manage_clients_projects_and_tasks_and_everyone_reads_them(
    people: Any, admin_api: Any, alice_api: Any
) -> None:
    from etime.core.models import AuditEvent

    client = admin_api.post(
        "/api/v1/clients/",
        {"name": "Initech", "currency": "usd", "vat_rate": "0.00", "country": "us", "payment_terms_days": 45},
    )
    assert client.status_code == 201, client.json()
    assert client.json()["currency"] == "USD" and client.json()["country"] == "US"
    project = admin_api.post(
        "/api/v1/projects/",
        {"client": client.json()["id"], "name": "TPS", "budget_hours": "100", "members": [str(people.alice.pk)]},
    )
    assert project.status_code == 201, project.json()
    assert project.json()["members"] == [str(people.alice.pk)] and project.json()["status"] == "active"
    task = admin_api.post("/api/v1/tasks/", {"project": project.json()["id"], "name": "Reports"})
    assert task.status_code == 201, task.json()
    assert [p["name"] for p in alice_api.get("/api/v1/projects/").json()["results"]] == ["TPS"]
    assert alice_api.get("/api/v1/clients/").json()["results"][0]["name"] == "Initech"
    error_of(alice_api.post("/api/v1/clients/", {"name": "Nope", "currency": "CHF"}), 403, "permission_denied")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"client.created", "project.created", "task.created"} <= actions
    error_of(admin_api.post("/api/v1/clients/", {"name": "Initech", "currency": "CHF"}), 400, "validation_error")
    error_of(admin_api.post("/api/v1/clients/", {"name": "Bad", "currency": "francs"}), 400, "validation_error")


def test_projects_are_visible_when_open_to_all_or_a_visible_person_is_a_member(
    people: Any, catalog: Any, token_client: Any
) -> None:
    from timesheets import services

    services.project_save(project=catalog.support, members=[people.amir], actor=people.admin)
    names = {
        n: {p["name"] for p in token_client(getattr(people, n)).get("/api/v1/projects/").json()["results"]}
        for n in ("alice", "amir", "bob", "dave", "admin")
    }
    assert names["alice"] == names["dave"] == {"Website", "Internal"}
    assert names["amir"] == names["bob"] == names["admin"] == {"Website", "Internal", "Support"}
    error_of(token_client(people.alice).get(f"/api/v1/projects/{catalog.support.pk}/"), 404, "not_found")


def test_a_client_with_projects_cannot_be_deleted(people: Any, catalog: Any, admin_api: Any) -> None:
    error_of(admin_api.delete(f"/api/v1/clients/{catalog.acme.pk}/"), 400, "validation_error")
    assert admin_api.delete(f"/api/v1/tasks/{catalog.build.pk}/").status_code == 204


def test_unknown_ids_are_validation_errors_not_server_errors(catalog: Any, alice_api: Any) -> None:
    payload = body(catalog, project=str(uuid.uuid4()))
    assert "project" in error_of(alice_api.post("/api/v1/time-entries/", payload), 400, "validation_error")["details"]
    payload = body(catalog, task=str(uuid.uuid4()))
    assert "task" in error_of(alice_api.post("/api/v1/time-entries/", payload), 400, "validation_error")["details"]


def test_put_resets_what_it_leaves_out_and_patch_keeps_it(people: Any, catalog: Any, alice_api: Any) -> None:
    created = alice_api.post(
        "/api/v1/time-entries/", body(catalog, task=str(catalog.design.pk), description="keep?", billable=False)
    ).json()
    patched = alice_api.patch(f"/api/v1/time-entries/{created['id']}/", {"start": iso(MONDAY, "08:45")}).json()
    assert (patched["task"], patched["description"], patched["billable"]) == (str(catalog.design.pk), "keep?", False)
    put = alice_api.put(f"/api/v1/time-entries/{created['id']}/", body(catalog, "09:00", "10:00")).json()
    assert (put["task"], put["description"], put["billable"]) == (None, "", True)
