"""Weekly timesheets through the shared approval mechanism, direct approval of entries,
and the locks that follow: submitted, approved and invoiced time refuses changes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail

from timesheets.tests.conftest import MONDAY, at, error_of, iso

pytestmark = pytest.mark.django_db

NEXT_MONDAY = MONDAY + timedelta(days=7)


@pytest.fixture
def week(entry: Any) -> list[Any]:
    """Alice's week of 2 March: three entries, Monday, Friday and Sunday night."""
    return [
        entry(at(MONDAY, "09:00"), at(MONDAY, "12:00")),
        entry(at(MONDAY + timedelta(days=4), "13:00"), at(MONDAY + timedelta(days=4), "17:30")),
        entry(at(MONDAY + timedelta(days=6), "23:00"), at(NEXT_MONDAY, "00:30")),  # counts for Sunday
    ]


def statuses(entries: list[Any]) -> list[str]:
    for e in entries:
        e.refresh_from_db()
    return [e.status for e in entries]


def submit(api: Any, day: Any = MONDAY) -> Any:
    return api.post("/api/v1/timesheets/submit/", {"week": (day + timedelta(days=2)).isoformat()})


def test_employee_submits_a_week_and_its_entries_lock(week: list[Any], entry: Any, alice_api: Any) -> None:
    outside = entry(at(NEXT_MONDAY, "09:00"), at(NEXT_MONDAY, "10:00"))
    response = submit(alice_api)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["week_start"] == "2026-03-02" and body["week_end"] == "2026-03-08" and body["status"] == "submitted"
    assert body["total_seconds"] == (3 + 4.5 + 1.5) * 3600
    assert statuses(week) == ["submitted"] * 3
    assert statuses([outside]) == ["draft"]


@pytest.mark.embedded
def test_the_manager_approves_the_week_and_its_entries_become_approved(
    people: Any, week: list[Any], alice_api: Any, bob_api: Any
) -> None:
    from etime.core.models import AuditEvent

    timesheet = submit(alice_api).json()
    pending = bob_api.get("/api/v1/timesheets/", {"awaiting_my_approval": "true"}).json()["results"]
    assert [t["id"] for t in pending] == [timesheet["id"]]
    response = bob_api.post(f"/api/v1/timesheets/{timesheet['id']}/approve/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved" and response.json()["decided_by"] == str(people.bob.user.pk)
    assert statuses(week) == ["approved"] * 3
    assert bob_api.get("/api/v1/timesheets/", {"awaiting_my_approval": "true"}).json()["results"] == []
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"timesheet.submitted", "approval.submitted", "approval.approve", "timesheet.approved"} <= actions


def test_returning_needs_a_comment_and_unlocks_the_entries_and_tells_the_employee(
    week: list[Any], alice_api: Any, bob_api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    timesheet = submit(alice_api).json()
    url = f"/api/v1/timesheets/{timesheet['id']}/return/"
    assert "comment" in error_of(bob_api.post(url, {"comment": "  "}), 400, "validation_error")["details"]
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_api.post(url, {"comment": "Friday looks long, please check."})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "returned" and response.json()["comment"] == "Friday looks long, please check."
    assert statuses(week) == ["draft"] * 3
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert "Friday looks long" in mail.outbox[0].body
    # Editable again, then submitted again through a new approval request.
    fixed = alice_api.patch(f"/api/v1/time-entries/{week[1].pk}/", {"end": iso(MONDAY + timedelta(days=4), "17:00")})
    assert fixed.status_code == 200, fixed.json()
    assert submit(alice_api).json()["status"] == "submitted"
    assert bob_api.post(f"/api/v1/timesheets/{timesheet['id']}/approve/").json()["status"] == "approved"


@pytest.mark.embedded
def test_submitted_and_approved_entries_refuse_edits_deletes_and_new_time_in_that_week(
    week: list[Any], catalog: Any, alice_api: Any, bob_api: Any
) -> None:
    timesheet = submit(alice_api).json()
    for decided in (False, True):  # locked while waiting, and still once approved
        error_of(alice_api.patch(f"/api/v1/time-entries/{week[0].pk}/", {"description": "x"}), 409, "period_locked")
        error_of(alice_api.delete(f"/api/v1/time-entries/{week[0].pk}/"), 409, "period_locked")
        new = {"project": str(catalog.website.pk), "start": iso(MONDAY, "14:00"), "end": iso(MONDAY, "15:00")}
        error = error_of(alice_api.post("/api/v1/time-entries/", new), 409, "period_locked")
        assert error["details"]["week_start"] == "2026-03-02"
        approve = bob_api.post(f"/api/v1/timesheets/{timesheet['id']}/approve/")
        if decided:
            assert error_of(approve, 409, "timesheet_not_open")["details"] == {"status": "approved"}
        else:
            assert approve.status_code == 200 and approve.json()["status"] == "approved", approve.content
    # The next week is open.
    new = {"project": str(catalog.website.pk), "start": iso(NEXT_MONDAY, "14:00"), "end": iso(NEXT_MONDAY, "15:00")}
    assert alice_api.post("/api/v1/time-entries/", new).status_code == 201


def test_a_week_cannot_be_submitted_twice_or_with_a_timer_running(entry: Any, alice_api: Any) -> None:
    entry(at(MONDAY, "09:00"), None)
    assert "week" in error_of(submit(alice_api), 400, "validation_error")["details"]
    entry_pk = alice_api.post("/api/v1/timer/stop/").json()["id"]
    assert entry_pk
    assert submit(alice_api).status_code == 200
    error_of(submit(alice_api), 409, "timesheet_not_open")


def test_a_manager_outside_the_chain_cannot_see_or_approve_the_week(
    people: Any, week: list[Any], alice_api: Any, token_client: Any
) -> None:
    timesheet = submit(alice_api).json()
    mona = token_client(people.mona)
    error_of(mona.post(f"/api/v1/timesheets/{timesheet['id']}/approve/"), 404, "not_found")
    error_of(mona.get(f"/api/v1/timesheets/{timesheet['id']}/"), 404, "not_found")


def test_the_employee_cannot_approve_their_own_week_and_a_decided_week_cannot_be_decided_again(
    week: list[Any], alice_api: Any, bob_api: Any, token_client: Any, people: Any
) -> None:
    timesheet = submit(alice_api).json()
    error_of(alice_api.post(f"/api/v1/timesheets/{timesheet['id']}/approve/"), 403, "approval_not_allowed")
    # Carla, bob's manager, is in alice's chain too; the first decision wins.
    assert token_client(people.carla).post(f"/api/v1/timesheets/{timesheet['id']}/approve/").status_code == 200
    error_of(bob_api.post(f"/api/v1/timesheets/{timesheet['id']}/approve/"), 409, "timesheet_not_open")


def test_timesheets_are_scoped_like_people(people: Any, week: list[Any], alice_api: Any, token_client: Any) -> None:
    submit(alice_api)
    for person, seen in ((people.alice, 1), (people.bob, 1), (people.carla, 1), (people.mona, 0), (people.amir, 0)):
        assert len(token_client(person).get("/api/v1/timesheets/").json()["results"]) == seen, person


# --- direct approval of entries ----------------------------------------------------------------


def test_a_manager_approves_reports_entries_directly(people: Any, week: list[Any], bob_api: Any) -> None:
    response = bob_api.post("/api/v1/time-entries/approve/", {"ids": [str(week[0].pk), str(week[1].pk)]})
    assert response.status_code == 200, response.json()
    assert [e["status"] for e in response.json()["approved"]] == ["approved", "approved"]
    assert statuses(week) == ["approved", "approved", "draft"]
    error_of(bob_api.patch(f"/api/v1/time-entries/{week[0].pk}/", {"description": "x"}), 409, "period_locked")


def test_approving_entries_of_someone_outside_ones_reports_is_not_found(
    people: Any, week: list[Any], token_client: Any
) -> None:
    mona = token_client(people.mona)
    error = error_of(mona.post("/api/v1/time-entries/approve/", {"ids": [str(week[0].pk)]}), 404, "not_found")
    assert error["details"]["ids"] == [str(week[0].pk)]
    error_of(mona.post("/api/v1/time-entries/approve/", {"ids": [str(uuid.uuid4())]}), 404, "not_found")
    assert statuses(week) == ["draft"] * 3


def test_managers_cannot_approve_their_own_entries_and_employees_none(
    people: Any, entry: Any, bob_api: Any, alice_api: Any, week: list[Any]
) -> None:
    own = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), employee=people.bob)
    error_of(bob_api.post("/api/v1/time-entries/approve/", {"ids": [str(own.pk)]}), 403, "permission_denied")
    error_of(alice_api.post("/api/v1/time-entries/approve/", {"ids": [str(week[0].pk)]}), 403, "permission_denied")


def test_invoiced_entries_are_locked_until_the_invoice_releases_them(
    people: Any, week: list[Any], alice_api: Any
) -> None:
    from timesheets import services
    from timesheets.models import TimeEntry

    invoice = uuid.uuid4()
    only_first = TimeEntry.objects.filter(pk=week[0].pk)
    # drafts are not invoiceable: nothing changes
    assert services.time_entries_mark_invoiced(entries=only_first, invoice_id=invoice) == 0
    assert statuses(week[:1]) == ["draft"]
    services.time_entries_approve(entries=week[:1], actor=people.bob.user)
    assert services.time_entries_mark_invoiced(entries=only_first, invoice_id=invoice) == 1
    # already on an invoice: not put on a second one
    assert services.time_entries_mark_invoiced(entries=only_first, invoice_id=uuid.uuid4()) == 0
    body = alice_api.get(f"/api/v1/time-entries/{week[0].pk}/").json()
    assert body["status"] == "invoiced" and body["invoice"] == str(invoice)
    error_of(alice_api.delete(f"/api/v1/time-entries/{week[0].pk}/"), 409, "period_locked")
    assert services.time_entries_release_invoice(invoice_id=invoice) == 1
    assert statuses(week[:1]) == ["approved"]
