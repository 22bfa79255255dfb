"""The inbox opens each request on its own page (accounts.views.inbox_detail): what the
approver needs to decide (the leave days, the balance before and after, who of the team is
off; the punches a correction changes), the decision itself, and nothing for anyone who may
not see the request. Bulk rejection needs a reason."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from attendance.models import Regularisation
from etime.core.models import ApprovalRequest
from leave.models import RequestStatus
from leave.tests.factories import submit

ZURICH = ZoneInfo("Europe/Zurich")


def login(person: Any) -> Client:
    client = Client()
    client.force_login(person.user if hasattr(person, "user") else person)
    return client


def _approval(obj: Any) -> ApprovalRequest:
    return ApprovalRequest.objects.get(object_id=str(obj.pk))


def test_a_row_links_to_its_page_which_shows_days_balance_and_who_else_is_off(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 10)
    grant(people.amir, vacation, 10)
    grant(people.dave, vacation, 10)
    leave = submit(people.alice, vacation, date(2026, 6, 1), date(2026, 6, 3))  # Mon–Wed: 3 days
    submit(people.amir, vacation, date(2026, 6, 3), date(2026, 6, 5))  # same team, overlapping
    submit(people.dave, vacation, date(2026, 6, 2))  # another team (Sales): not listed
    approval = _approval(leave)
    inbox = login(people.bob).get("/inbox/").content.decode()
    assert f'href="/inbox/{approval.pk}/"' in inbox

    page = login(people.bob).get(f"/inbox/{approval.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    detail = page.context["detail"]["context"]
    assert (detail["before"], detail["after"]) == (10, 7)  # her 3 pending days held apart
    assert [r.employee.code for r in detail["team"]] == ["E004"]
    assert "Amir Adept" in html and "Dave Deal" not in html
    assert 'data-testid="detail-approve"' in html


@pytest.mark.embedded
def test_the_manager_approves_from_the_page_and_lands_back_in_the_inbox(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 10)
    leave = submit(people.alice, vacation, date(2026, 6, 1))
    approval = _approval(leave)
    response = login(people.bob).post(f"/inbox/{approval.pk}/", {"decision": "approve", "comment": "Enjoy"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    leave.refresh_from_db()
    assert leave.status == RequestStatus.APPROVED
    assert list(approval.steps.values_list("comment", flat=True)) == ["Enjoy"]


def test_returning_from_the_page_needs_a_comment(people: Any, vacation: Any, grant: Any, today: date) -> None:
    grant(people.alice, vacation, 10)
    leave = submit(people.alice, vacation, date(2026, 6, 1))
    response = login(people.bob).post(f"/inbox/{_approval(leave).pk}/", {"decision": "return", "comment": " "})
    assert response.status_code == 400 and "Say what to change" in response.content.decode()
    leave.refresh_from_db()
    assert leave.status == RequestStatus.PENDING


def test_a_manager_cannot_open_another_teams_request_and_the_requester_cannot_decide_it(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 10)
    leave = submit(people.alice, vacation, date(2026, 6, 1))
    url = f"/inbox/{_approval(leave).pk}/"
    assert login(people.mona).get(url).status_code == 404  # another team's manager
    assert login(people.amir).get(url).status_code == 404  # a colleague
    assert login(people.mona).post(url, {"decision": "approve"}).status_code == 404
    own = login(people.alice).get(url)
    assert own.status_code == 200 and 'data-testid="detail-approve"' not in own.content.decode()
    assert login(people.alice).post(url, {"decision": "approve"}).status_code == 403
    assert login(people.carla).get(url).status_code == 200  # the manager above may decide too
    assert login(people.bob).get("/inbox/00000000-0000-0000-0000-000000000000/").status_code == 404
    leave.refresh_from_db()
    assert leave.status == RequestStatus.PENDING


def test_a_correction_shows_the_punches_it_voids_and_those_it_adds_in_the_employees_zone(
    people: Any, today: date
) -> None:
    from attendance.models import PunchSource
    from attendance.services import punch_create

    stored = punch_create(
        employee=people.amir,
        timestamp=datetime(2026, 3, 2, 8, 47, tzinfo=ZURICH),
        source=PunchSource.API,
        actor=people.admin,
        direction="in",
    )
    response = login(people.amir).post(
        "/attendance/corrections/new/",
        {"date": "2026-03-02", "kind": "day", "first_in": "08:00", "last_out": "17:00", "reason": "Forgot to punch"},
    )
    assert response.status_code == 302
    correction = Regularisation.objects.get(employee=people.amir)
    page = login(people.bob).get(f"/inbox/{_approval(correction).pk}/")
    assert page.status_code == 200
    detail = page.context["detail"]["context"]
    assert [(row["punch"].pk, row["replaced"]) for row in detail["stored"]] == [(stored.pk, True)]
    assert [a["direction"] for a in detail["added"]] == ["in", "out"]
    html = page.content.decode()
    # Times in the employee's zone (Zurich, UTC+1 in March), not the server's (UTC).
    assert "8:47" in html and "voided by this correction" in html
    assert "7:47" not in html


def test_rejecting_in_bulk_needs_a_reason_and_rejects_nothing_without_one(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 10)
    leave = submit(people.alice, vacation, date(2026, 6, 1))
    approval = _approval(leave)
    refused = login(people.bob).post("/inbox/", {"ids": [str(approval.pk)], "decision": "reject", "comment": ""})
    assert refused.status_code == 400 and "Say why when rejecting" in refused.content.decode()
    leave.refresh_from_db()
    assert leave.status == RequestStatus.PENDING
    login(people.bob).post("/inbox/", {"ids": [str(approval.pk)], "decision": "reject", "comment": "Team trip"})
    leave.refresh_from_db()
    assert leave.status == RequestStatus.REJECTED
    html = login(people.bob).get("/inbox/").content.decode()
    assert 'data-testid="inbox-empty"' in html


def test_a_request_decided_meanwhile_says_so_instead_of_deciding_twice(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 10)
    leave = submit(people.alice, vacation, date(2026, 6, 1))
    url = f"/inbox/{_approval(leave).pk}/"
    login(people.carla).post(url, {"decision": "approve"})  # the manager above was quicker
    response = login(people.bob).post(url, {"decision": "reject", "comment": "No"}, follow=True)
    assert "already been decided" in response.content.decode()
    leave.refresh_from_db()
    assert leave.status == RequestStatus.APPROVED
    assert 'data-testid="detail-approve"' not in response.content.decode()
