"""The shared approval mechanism: levels, eligibility, delegation, races, audit, API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from accounts.models import Employee
from etime.core import approvals
from etime.core.errors import ValidationFailed
from etime.core.models import ApprovalStatus, ApprovalStep, AuditEvent


@pytest.fixture
def calls() -> list[tuple[str, Any]]:
    return []


@pytest.fixture
def kind(calls: list[tuple[str, Any]]) -> Iterator[str]:
    """A kind on Employee: the employee asks; levels come from a per-test list."""
    levels: list[approvals.Level] = [approvals.MANAGER]

    approvals.register_kind(
        approvals.ApprovalKind(
            name="test_request",
            label="Test",
            model=Employee,
            levels=lambda obj: list(levels),
            requester=lambda obj: obj.user,
            on_approved=lambda obj, actor: calls.append(("approved", actor.username)),
            on_rejected=lambda obj, actor, comment: calls.append(("rejected", comment)),
            on_returned=lambda obj, actor, comment: calls.append(("returned", comment)),
            on_advanced=lambda obj, actor: calls.append(("advanced", actor.username)),
        )
    )
    kind.levels = levels  # type: ignore[attr-defined]
    yield "test_request"
    approvals._kinds.pop("test_request", None)


@pytest.fixture
def hr(people: Any) -> Any:
    group = Group.objects.create(name="HR")
    people.mona.user.groups.add(group)
    return group


def submit(people: Any, who: Any = None) -> Any:
    who = who or people.alice
    return approvals.submit(kind="test_request", obj=who, actor=who.user)


def test_the_requesters_manager_approves_and_the_app_is_called_back(people: Any, kind: str, calls: list) -> None:
    request = submit(people)
    decided = approvals.decide(request=request, actor=people.bob.user, decision="approve")
    assert decided.status == ApprovalStatus.APPROVED
    assert calls == [("approved", "bob@example.com")]
    actions = list(AuditEvent.objects.filter(object_id=str(request.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["approval.approve", "approval.submitted"]


def test_a_higher_manager_may_decide_but_another_teams_manager_may_not(people: Any, kind: str) -> None:
    request = submit(people)
    with pytest.raises(approvals.ApprovalNotAllowed):
        approvals.decide(request=request, actor=people.mona.user, decision="approve")
    with pytest.raises(approvals.ApprovalNotAllowed):
        approvals.decide(request=request, actor=people.amir.user, decision="approve")
    assert approvals.decide(request=request, actor=people.carla.user, decision="approve").status == "approved"


def test_nobody_decides_their_own_request_not_even_an_admin(people: Any, kind: str) -> None:
    request = submit(people, people.bob)
    with pytest.raises(approvals.ApprovalNotAllowed):
        approvals.decide(request=request, actor=people.bob.user, decision="approve")
    people.bob.user.role = "admin"
    people.bob.user.save()
    with pytest.raises(approvals.ApprovalNotAllowed):
        approvals.decide(request=request, actor=people.bob.user, decision="approve")
    assert approvals.decide(request=request, actor=people.admin, decision="approve").status == "approved"


def test_two_levels_level_one_alone_leaves_the_request_pending(people: Any, kind: Any, hr: Any, calls: list) -> None:
    kind_levels = approvals._kinds["test_request"].levels
    approvals._kinds["test_request"] = approvals.ApprovalKind(
        **{
            **approvals._kinds["test_request"].__dict__,
            "levels": lambda obj: [approvals.MANAGER, approvals.group("HR")],
        }
    )
    try:
        request = submit(people)
        after_one = approvals.decide(request=request, actor=people.bob.user, decision="approve")
        assert after_one.status == ApprovalStatus.PENDING and after_one.current_level == 1
        assert calls == [("advanced", "bob@example.com")]
        # The manager level is done: a manager who is not in HR cannot decide level 2.
        with pytest.raises(approvals.ApprovalNotAllowed):
            approvals.decide(request=request, actor=people.carla.user, decision="approve")
        assert approvals.approvers_for(after_one) == [people.mona.user]
        done = approvals.decide(request=request, actor=people.mona.user, decision="approve")
        assert done.status == ApprovalStatus.APPROVED
        assert calls[-1] == ("approved", "mona@example.com")
        assert list(ApprovalStep.objects.filter(request=request).values_list("level", "decision")) == [
            (0, "approve"),
            (1, "approve"),
        ]
    finally:
        approvals._kinds["test_request"] = approvals.ApprovalKind(
            **{**approvals._kinds["test_request"].__dict__, "levels": kind_levels}
        )


def test_reject_and_return_end_the_request_and_return_needs_a_comment(people: Any, kind: str, calls: list) -> None:
    request = submit(people)
    with pytest.raises(ValidationFailed):
        approvals.decide(request=request, actor=people.bob.user, decision="return", comment="  ")
    returned = approvals.decide(request=request, actor=people.bob.user, decision="return", comment="Fix Tuesday")
    assert returned.status == ApprovalStatus.RETURNED and calls == [("returned", "Fix Tuesday")]
    with pytest.raises(approvals.ApprovalAlreadyDecided):
        approvals.decide(request=request, actor=people.bob.user, decision="approve")
    again = submit(people)  # resubmitted after the fix
    assert approvals.decide(request=again, actor=people.bob.user, decision="reject", comment="No").status == "rejected"


def test_one_pending_request_per_object(people: Any, kind: str) -> None:
    submit(people)
    with pytest.raises(approvals.ApprovalPending):
        submit(people)


def test_a_delegate_decides_while_the_manager_is_away_and_is_recorded_as_such(people: Any, kind: str) -> None:
    request = submit(people)
    today = timezone.localdate()
    approvals.delegate(
        delegator=people.bob.user,
        delegate_to=people.mona.user,
        starts_on=today,
        ends_on=today + timedelta(days=7),
        actor=people.bob.user,
    )
    assert list(approvals.pending_for(people.mona.user)) == [request]
    approvals.decide(request=request, actor=people.mona.user, decision="approve")
    step = ApprovalStep.objects.get(request=request)
    assert step.actor == people.mona.user and step.on_behalf_of == people.bob.user


def test_an_expired_delegation_grants_nothing(people: Any, kind: str) -> None:
    request = submit(people)
    today = timezone.localdate()
    approvals.delegate(
        delegator=people.bob.user,
        delegate_to=people.mona.user,
        starts_on=today - timedelta(days=9),
        ends_on=today - timedelta(days=1),
        actor=people.bob.user,
    )
    with pytest.raises(approvals.ApprovalNotAllowed):
        approvals.decide(request=request, actor=people.mona.user, decision="approve")


def test_inboxes_show_what_each_person_may_decide(people: Any, kind: str, hr: Any) -> None:
    alice_request = submit(people)
    dave_request = submit(people, people.dave)
    assert set(approvals.pending_for(people.bob.user)) == {alice_request}
    assert set(approvals.pending_for(people.carla.user)) == {alice_request}
    assert set(approvals.pending_for(people.mona.user)) == {dave_request}
    assert set(approvals.pending_for(people.alice.user)) == set()
    assert set(approvals.pending_for(people.admin)) == {alice_request, dave_request}


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_make_exactly_one_decision(people: Any, kind: str, calls: list) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the PostgreSQL and MariaDB passes")
    request = submit(people)
    outcomes: list[str] = []

    def approve(user: Any) -> None:
        try:
            approvals.decide(request=request, actor=user, decision="approve")
            outcomes.append("decided")
        except approvals.ApprovalAlreadyDecided:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (people.bob.user, people.carla.user) * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already"] * 5 + ["decided"]
    assert ApprovalStep.objects.filter(request=request).count() == 1
    assert [c for c in calls if c[0] == "approved"].__len__() == 1


def test_api_inbox_and_decision(people: Any, kind: str, token_client: Any) -> None:
    request = submit(people)
    bob = token_client(people.bob, ["read:approvals", "write:approvals"])
    listed = bob.get("/api/v1/approvals/").json()["results"]
    assert [r["id"] for r in listed] == [str(request.pk)]
    response = bob.post(f"/api/v1/approvals/{request.pk}/decide/", {"decision": "approve"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert response.json()["steps"][0]["decision"] == "approve"
    again = bob.post(f"/api/v1/approvals/{request.pk}/decide/", {"decision": "approve"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "approval_already_decided"
    mona = token_client(people.mona)
    other = submit(people, people.amir)
    assert mona.post(f"/api/v1/approvals/{other.pk}/decide/", {"decision": "approve"}, format="json").status_code == 404
    mine = token_client(people.alice).get("/api/v1/approvals/?mine=true").json()["results"]
    assert [r["id"] for r in mine] == [str(request.pk)]
    reader = token_client(people.bob, ["read:approvals"])
    denied = reader.post(f"/api/v1/approvals/{other.pk}/decide/", {"decision": "approve"}, format="json")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "insufficient_scope"


def test_a_request_is_visible_to_its_people_only(people: Any, kind: str, token_client: Any) -> None:
    request = submit(people)
    assert token_client(people.bob).get(f"/api/v1/approvals/{request.pk}/").status_code == 200
    assert token_client(people.alice).get(f"/api/v1/approvals/{request.pk}/").status_code == 200
    assert token_client(people.mona).get(f"/api/v1/approvals/{request.pk}/").status_code == 404
    assert token_client(people.amir).get(f"/api/v1/approvals/{request.pk}/").status_code == 404
