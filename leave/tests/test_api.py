"""/api/v1/ leave resources: types, policies, holiday calendars, requests, allocations, balances, ledger."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Employee
from leave.models import LeaveRequest, RequestStatus
from leave.tests.factories import make_leave_type


def test_an_employee_asks_for_leave_and_the_manager_approves_through_the_api(
    people: Any, vacation: Any, grant: Any, today: date, token_client: Any
) -> None:
    grant(people.alice, vacation, 10)
    alice = token_client(people.alice, ["write:leave"])
    created = alice.post(
        "/api/v1/leave-requests/",
        {"leave_type": "vacation", "start_date": "2026-06-01", "end_date": "2026-06-03", "end_half": True},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["days"] == "2.5" and body["status"] == "pending" and body["approval"]["current_level"] == 0
    again = alice.post(
        "/api/v1/leave-requests/",
        {"leave_type": "vacation", "start_date": "2026-06-02", "end_date": "2026-06-02"},
        format="json",
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "leave_overlap"
    too_much = alice.post(
        "/api/v1/leave-requests/",
        {"leave_type": "vacation", "start_date": "2026-07-01", "end_date": "2026-07-31"},
        format="json",
    )
    assert too_much.status_code == 409 and too_much.json()["error"]["code"] == "insufficient_balance"
    assert alice.post(f"/api/v1/leave-requests/{body['id']}/approve/", {}, format="json").status_code == 403

    bob = token_client(people.bob, ["write:leave"])
    approved = bob.post(f"/api/v1/leave-requests/{body['id']}/approve/", {"comment": "Enjoy"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    balances = alice.get("/api/v1/leave-balances/?year=2026").json()["results"]
    assert balances == [
        {
            "employee": str(people.alice.pk),
            "year": 2026,
            "balances": [
                {
                    "leave_type": str(vacation.pk),
                    "leave_type_code": "vacation",
                    "balance": "7.50",
                    "pending": "0.00",
                    "available": "7.50",
                }
            ],
        }
    ]
    ledger = alice.get("/api/v1/leave-ledger/").json()["results"]
    assert sorted((e["kind"], e["days"]) for e in ledger) == [("allocation", "10.00"), ("taken", "-2.50")]


def test_validation_codes_come_back_in_the_error_envelope(
    people: Any, grant: Any, today: date, token_client: Any
) -> None:
    make_leave_type("vacation", min_notice_days=30)
    make_leave_type("urgent", max_consecutive_days=1)
    make_leave_type("sick", allow_negative=True, attachment_required_after_days=2)
    alice = token_client(people.alice)
    cases = [
        ({"leave_type": "vacation", "start_date": "2026-03-09", "end_date": "2026-03-09"}, 400, "notice_too_short"),
        (
            {"leave_type": "urgent", "start_date": "2026-03-09", "end_date": "2026-03-10"},
            400,
            "too_many_consecutive_days",
        ),
        ({"leave_type": "sick", "start_date": "2026-03-02", "end_date": "2026-03-06"}, 400, "attachment_required"),
        ({"leave_type": "sick", "start_date": "2026-03-06", "end_date": "2026-03-02"}, 400, "validation_error"),
        ({"leave_type": "nope", "start_date": "2026-03-02", "end_date": "2026-03-02"}, 400, "validation_error"),
    ]
    for payload, status_code, code in cases:
        response = alice.post("/api/v1/leave-requests/", payload, format="json")
        assert (response.status_code, response.json()["error"]["code"]) == (status_code, code), payload


def test_a_sick_note_is_uploaded_with_the_request(people: Any, today: date, token_client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    make_leave_type("sick", allow_negative=True, attachment_required_after_days=2, approval_levels=[])
    alice = token_client(people.alice)
    response = alice.post(
        "/api/v1/leave-requests/",
        {
            "leave_type": "sick",
            "start_date": "2026-03-02",
            "end_date": "2026-03-06",
            "attachment": SimpleUploadedFile("note.pdf", b"%PDF-1.4", content_type="application/pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "approved" and response.json()["attachment"]


def test_people_see_only_the_leave_they_may_see(
    people: Any, vacation: Any, grant: Any, today: date, token_client: Any
) -> None:
    from leave.tests.factories import submit

    for person in (people.alice, people.dave):
        grant(person, vacation, 10)
    alice_request = submit(people.alice, vacation, date(2026, 6, 1))
    dave_request = submit(people.dave, vacation, date(2026, 6, 1))
    ids = {r["id"] for r in token_client(people.bob).get("/api/v1/leave-requests/").json()["results"]}
    assert ids == {str(alice_request.pk)}
    assert token_client(people.bob).get(f"/api/v1/leave-requests/{dave_request.pk}/").status_code == 404
    assert token_client(people.amir).get(f"/api/v1/leave-requests/{alice_request.pk}/").status_code == 404
    assert token_client(people.mona).post(f"/api/v1/leave-requests/{alice_request.pk}/approve/").status_code == 404
    admin_ids = {r["id"] for r in token_client(people.admin).get("/api/v1/leave-requests/").json()["results"]}
    assert admin_ids == {str(alice_request.pk), str(dave_request.pk)}
    balances = token_client(people.dave).get(f"/api/v1/leave-balances/?employee={people.alice.pk}").json()["results"]
    assert balances == []
    assert (
        token_client(people.alice, ["read:employees"]).get("/api/v1/leave-requests/").json()["error"]["code"]
        == "insufficient_scope"
    )


def test_an_hr_approver_sees_and_decides_the_second_level(
    people: Any, grant: Any, today: date, token_client: Any
) -> None:
    from leave.tests.factories import submit

    hr = Group.objects.create(name="HR")
    people.dave.user.groups.add(hr)  # an employee in HR, who may not otherwise see Alice
    vacation = make_leave_type("vacation", approval_levels=[{"type": "manager"}, {"type": "group", "group": "HR"}])
    grant(people.alice, vacation, 10)
    request = submit(people.alice, vacation, date(2026, 6, 1))
    dave = token_client(people.dave)
    assert dave.get("/api/v1/leave-requests/").json()["results"] == []  # not yet at HR
    assert token_client(people.bob).post(f"/api/v1/leave-requests/{request.pk}/approve/").json()["status"] == "pending"
    assert [r["id"] for r in dave.get("/api/v1/leave-requests/").json()["results"]] == [str(request.pk)]
    assert dave.post(f"/api/v1/leave-requests/{request.pk}/approve/").json()["status"] == "approved"


def test_cancel_and_withdraw_through_the_api(
    people: Any, vacation: Any, grant: Any, today: date, token_client: Any
) -> None:
    from leave.tests.factories import submit

    grant(people.alice, vacation, 10)
    future = submit(people.alice, vacation, date(2026, 6, 1))
    started = submit(people.alice, vacation, date(2026, 3, 2))
    bob = token_client(people.bob)
    for r in (future, started):
        approve = bob.post(f"/api/v1/leave-requests/{r.pk}/approve/")
        assert approve.status_code == 200 and approve.json()["status"] == "approved", approve.content
    alice = token_client(people.alice)
    assert alice.post(f"/api/v1/leave-requests/{future.pk}/cancel/").json()["status"] == "cancelled"
    refused = alice.post(f"/api/v1/leave-requests/{started.pk}/cancel/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "leave_not_cancellable"
    assert alice.post(f"/api/v1/leave-requests/{started.pk}/withdraw/").status_code == 403
    withdrawn = bob.post(f"/api/v1/leave-requests/{started.pk}/withdraw/", {"comment": "Worked"}, format="json")
    assert withdrawn.json()["status"] == "withdrawn"
    assert LeaveRequest.objects.filter(status=RequestStatus.APPROVED).count() == 0


def test_admins_allocate_and_adjust_days_and_others_may_not(people: Any, vacation: Any, token_client: Any) -> None:
    admin = token_client(people.admin)
    payload = {
        "employee": str(people.alice.pk),
        "leave_type": "vacation",
        "year": 2026,
        "days": "12.50",
        "note": "Start",
    }
    created = admin.post("/api/v1/leave-allocations/", payload, format="json")
    assert created.status_code == 201 and created.json()["kind"] == "allocation" and created.json()["days"] == "12.50"
    adjust = admin.post("/api/v1/leave-allocations/", {**payload, "days": "-20", "kind": "adjustment"}, format="json")
    assert adjust.status_code == 409 and adjust.json()["error"]["code"] == "insufficient_balance"
    assert token_client(people.bob).post("/api/v1/leave-allocations/", payload, format="json").status_code == 403
    assert len(admin.get("/api/v1/leave-allocations/").json()["results"]) == 1


def test_leave_types_and_policies_are_reference_data_admins_write(people: Any, token_client: Any) -> None:
    admin = token_client(people.admin)
    created = admin.post(
        "/api/v1/leave-types/",
        {
            "code": "vacation",
            "name": "Vacation",
            "approval_levels": [{"type": "manager"}, {"type": "group", "group": "HR"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    bad = admin.post(
        "/api/v1/leave-types/", {"code": "x", "name": "X", "approval_levels": [{"type": "boss"}]}, format="json"
    )
    assert bad.status_code == 400 and "approval_levels" in bad.json()["error"]["details"]
    policy = admin.post(
        "/api/v1/leave-policies/",
        {
            "name": "Zurich",
            "leave_type": created.json()["id"],
            "yearly_days": "25",
            "grant": "monthly",
            "carry_forward_max_days": "5",
            "carry_forward_expires_after_months": 3,
        },
        format="json",
    )
    assert policy.status_code == 201, policy.content
    assigned = admin.post(
        "/api/v1/leave-policy-assignments/",
        {"policy": policy.json()["id"], "location": str(people.alice.location_id)},
        format="json",
    )
    assert assigned.status_code == 201, assigned.content
    twice = admin.post(
        "/api/v1/leave-policy-assignments/",
        {"policy": policy.json()["id"], "location": str(people.alice.location_id)},
        format="json",
    )
    assert twice.status_code == 400
    alice = token_client(people.alice)
    assert [t["code"] for t in alice.get("/api/v1/leave-types/").json()["results"]] == ["vacation"]
    assert alice.get("/api/v1/leave-policies/").json()["results"][0]["assignments"][0]["location"] == str(
        people.alice.location_id
    )
    assert alice.post("/api/v1/leave-types/", {"code": "y", "name": "Y"}, format="json").status_code == 403


def test_holiday_calendars_and_their_days(people: Any, token_client: Any) -> None:
    admin = token_client(people.admin)
    created = admin.post("/api/v1/holiday-calendars/", {"country": "DE", "subdivision": "BY"}, format="json")
    assert created.status_code == 201, created.content
    calendar_id = created.json()["id"]
    days = admin.get(f"/api/v1/holiday-calendars/{calendar_id}/days/?year=2026").json()
    assert {"date": "2026-06-04", "name": "Corpus Christi"}.items() <= next(
        d for d in days if d["date"] == "2026-06-04"
    ).items()
    added = admin.post(
        f"/api/v1/holiday-calendars/{calendar_id}/days/", {"date": "2026-12-24", "name": "Company"}, format="json"
    )
    assert added.status_code == 201 and added.json()["source"] == "company"
    ranged = (
        token_client(people.alice)
        .get(f"/api/v1/holiday-calendars/{calendar_id}/days/?date_after=2026-12-20&date_before=2026-12-31")
        .json()
    )
    assert [d["date"] for d in ranged] == ["2026-12-24", "2026-12-25", "2026-12-26"]
    bad = admin.post("/api/v1/holiday-calendars/", {"country": "DE", "subdivision": "XX"}, format="json")
    assert bad.status_code == 400
    assert (
        token_client(people.alice)
        .post(f"/api/v1/holiday-calendars/{calendar_id}/days/", {"date": "2026-12-24", "name": "x"}, format="json")
        .status_code
        == 403
    )


def test_balance_queries_do_not_grow_with_employees(people: Any, vacation: Any, grant: Any, token_client: Any) -> None:
    make_leave_type("sick")
    admin = token_client(people.admin)

    def count(limit: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = admin.get(f"/api/v1/leave-balances/?year=2026&limit={limit}")
        assert response.status_code == 200 and len(response.json()["results"]) == min(limit, Employee.objects.count())
        return len(queries)

    for person in (people.alice, people.amir, people.dave):
        grant(person, vacation, 5)
    count(1)  # the token's first use records last_used_at
    few = count(2)
    for n in range(40):
        employee = Employee.objects.create(code=f"Z{n:03d}", first_name="Z", last_name=str(n))
        grant(employee, vacation, n + 1)
    assert count(46) == few


@pytest.mark.embedded
def test_the_leave_api_is_in_the_schema(people: Any, token_client: Any) -> None:
    schema = token_client(people.admin).get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/leave-types/",
        "/api/v1/leave-requests/{id}/approve/",
        "/api/v1/leave-balances/",
        "/api/v1/holiday-calendars/{id}/days/",
        "/api/v1/leave-ledger/",
        "/api/v1/leave-allocations/",
    ):
        assert path in schema["paths"], path


def test_the_request_list_takes_the_same_queries_for_two_or_twenty_requests(
    people: Any, grant: Any, today: date, token_client: Any
) -> None:
    from datetime import timedelta

    from leave.tests.factories import submit

    vacation = make_leave_type("vacation")
    grant(people.alice, vacation, 100)
    admin = token_client(people.admin)
    admin.get("/api/v1/leave-requests/")  # the token's first use records last_used_at

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin.get("/api/v1/leave-requests/").status_code == 200
        return len(queries)

    monday = date(2026, 6, 1)
    for week in range(2):
        submit(people.alice, vacation, monday + timedelta(weeks=week))
    few = count()
    for week in range(2, 20):
        submit(people.alice, vacation, monday + timedelta(weeks=week))
    assert count() == few
