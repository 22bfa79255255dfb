"""The manager inbox (accounts.views.inbox): every registered approval kind in one list,
decided one at a time or in bulk, with a comment; nothing of anyone else's team."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.test import Client

from attendance.models import Regularisation
from etime.core.models import ApprovalRequest
from leave.models import RequestStatus
from leave.tests.factories import submit


def login(person: Any) -> Client:
    client = Client()
    client.force_login(person.user if hasattr(person, "user") else person)
    return client


def _waiting(people: Any, vacation: Any, grant: Any) -> tuple[Any, Any, Any]:
    grant(people.alice, vacation, 10)
    grant(people.dave, vacation, 10)
    leave = submit(people.alice, vacation, date(2026, 6, 1))
    response = login(people.amir).post(
        "/attendance/corrections/new/",
        {"date": "2026-03-02", "kind": "punch", "first_in": "08:00", "reason": "Forgot to punch"},
    )
    assert response.status_code == 302
    correction = Regularisation.objects.get(employee=people.amir)
    other_team = submit(people.dave, vacation, date(2026, 6, 1))
    return leave, correction, other_team


def test_the_inbox_lists_every_kind_waiting_for_me_and_nothing_else(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    leave, correction, other_team = _waiting(people, vacation, grant)
    page = login(people.bob).get("/inbox/")
    assert page.status_code == 200
    kinds = sorted(row["approval"].kind for row in page.context["rows"])
    assert kinds == ["leave_request", "regularisation"]
    assert str(other_team.pk) not in {row["approval"].object_id for row in page.context["rows"]}
    html = page.content.decode()
    assert "Leave request" in html and "Attendance correction" in html
    only_leave = login(people.bob).get("/inbox/", {"kind": "leave_request"})
    assert [row["approval"].kind for row in only_leave.context["rows"]] == ["leave_request"]
    assert login(people.alice).get("/inbox/").context["rows"] == []


def test_a_manager_approves_two_kinds_at_once_with_one_comment(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    leave, correction, _other = _waiting(people, vacation, grant)
    ids = list(
        ApprovalRequest.objects.filter(requester__in=[people.alice.user, people.amir.user]).values_list("pk", flat=True)
    )
    response = login(people.bob).post(
        "/inbox/", {"ids": [str(pk) for pk in ids], "decision": "approve", "comment": "Fine"}
    )
    assert response.status_code == 302
    leave.refresh_from_db()
    correction.refresh_from_db()
    assert leave.status == RequestStatus.APPROVED and correction.status == "approved"
    assert set(ApprovalRequest.objects.filter(pk__in=ids).values_list("steps__comment", flat=True)) == {"Fine"}
    assert login(people.bob).get("/inbox/").context["rows"] == []


def test_returning_needs_a_comment_and_decides_nothing_without_one(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    leave, _correction, _other = _waiting(people, vacation, grant)
    approval = ApprovalRequest.objects.get(object_id=str(leave.pk))
    response = login(people.bob).post("/inbox/", {"ids": [str(approval.pk)], "decision": "return", "comment": ""})
    assert response.status_code == 400 and "Say what to change" in response.content.decode()
    approval.refresh_from_db()
    assert approval.status == "pending"
    login(people.bob).post("/inbox/", {"ids": [str(approval.pk)], "decision": "return", "comment": "Pick other dates"})
    leave.refresh_from_db()
    assert leave.status == RequestStatus.RETURNED


def test_a_request_of_another_team_cannot_be_slipped_into_the_bulk_form(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    leave, _correction, other_team = _waiting(people, vacation, grant)
    mine = ApprovalRequest.objects.get(object_id=str(leave.pk))
    foreign = ApprovalRequest.objects.get(object_id=str(other_team.pk))
    response = login(people.bob).post("/inbox/", {"ids": [str(mine.pk), str(foreign.pk)], "decision": "approve"})
    assert response.status_code == 400
    assert set(ApprovalRequest.objects.filter(pk__in=[mine.pk, foreign.pk]).values_list("status", flat=True)) == {
        "pending"
    }


def test_the_home_page_tells_a_manager_how_many_requests_wait(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    _waiting(people, vacation, grant)
    html = login(people.bob).get("/").content.decode()
    assert 'data-testid="home-waiting"' in html and "2 requests are waiting" in html
    assert 'data-testid="home-waiting"' not in login(people.alice).get("/").content.decode()
