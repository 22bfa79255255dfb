"""Issue #18, "one access helper ... every API view, page and admin action asks it": the pages
that show one person (``/people/{id}/``, ``/attendance/team/{id}/``,
``/time/people/{id}/week/``) answer through ``etime.core.access.person_for``; an id the caller
may not see gets the page a random id gets."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

PAGES = {
    "person": "/people/{}/",
    "member": "/attendance/team/{}/",
    "week": "/time/people/{}/week/",
}

# For alice's pages: who gets the page (200), who is sent to their own page (302), who gets 404.
EXPECTED = {
    "person": {"alice": 200, "bob": 200, "carla": 200, "admin": 200, "amir": 404, "mona": 404, "dave": 404},
    "member": {"alice": 302, "bob": 200, "carla": 200, "admin": 200, "amir": 404, "mona": 404, "dave": 404},
    "week": {"alice": 302, "bob": 200, "carla": 200, "admin": 200, "amir": 404, "mona": 404, "dave": 404},
}


def _login(people: Any, name: str) -> Client:
    client = Client()
    person = getattr(people, name)
    client.force_login(getattr(person, "user", person))
    return client


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("name", ["alice", "amir", "bob", "carla", "mona", "dave", "admin"])
def test_a_persons_page_answers_as_the_access_helper_says(people: Any, page: str, name: str) -> None:
    client = _login(people, name)
    response = client.get(PAGES[page].format(people.alice.pk))
    assert response.status_code == EXPECTED[page][name]
    if response.status_code == 404:
        # The same page as an id that does not exist: nothing tells "hidden" from "absent".
        unknown = client.get(PAGES[page].format(uuid.uuid4()))
        assert (unknown.status_code, unknown.content) == (404, response.content)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_manager_of_another_team_gets_404_for_each_of_their_own_reports_elsewhere(people: Any, page: str) -> None:
    # bob's report amir is hidden from mona; mona's own report dave is shown to her.
    mona = _login(people, "mona")
    assert mona.get(PAGES[page].format(people.amir.pk)).status_code == 404
    assert mona.get(PAGES[page].format(people.dave.pk)).status_code == 200


# --- Admin actions: a manager-role staff user acts only within their reach -------------------


def staff(person: Any, *perms: str) -> Client:
    """``person``'s login made staff with the model permissions ``perms`` (``app.codename``),
    signed in: a manager given the back office, as an installer might."""
    from django.contrib.auth.models import Permission

    user = person.user
    user.is_staff = True
    user.save()
    for perm in perms:
        app, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    client = Client()
    client.force_login(user)
    return client


def _act(client: Client, changelist: str, action: str, *rows: Any) -> Any:
    from django.urls import reverse

    return client.post(
        reverse(changelist), {"action": action, "_selected_action": [str(r.pk) for r in rows]}, follow=True
    )


@pytest.fixture
def alice_week(people: Any) -> Any:
    from datetime import UTC, date, datetime

    from timesheets import services as ts
    from timesheets.models import Client as Customer
    from timesheets.models import Project

    customer = ts.client_save(client=Customer(name="Acme AG", currency="CHF", country="CH"), actor=people.admin)
    project = ts.project_save(project=Project(client=customer, name="Website"), actor=people.admin)
    entry = ts.time_entry_create(
        employee=people.alice,
        project=project,
        start=datetime(2026, 2, 2, 8, tzinfo=UTC),
        end=datetime(2026, 2, 2, 10, tzinfo=UTC),
        actor=people.alice.user,
    )
    ts.time_entry_create(
        employee=people.alice,
        project=project,
        start=datetime(2026, 2, 9, 8, tzinfo=UTC),
        end=datetime(2026, 2, 9, 10, tzinfo=UTC),
        actor=people.alice.user,
    )
    timesheet = ts.timesheet_submit(employee=people.alice, week=date(2026, 2, 9), actor=people.alice.user)
    return entry, timesheet


def test_a_staff_manager_cannot_approve_time_outside_their_reach_from_the_admin(people: Any, alice_week: Any) -> None:
    entry, timesheet = alice_week
    perms = (
        "timesheets.view_timeentry",
        "timesheets.change_timeentry",
        "timesheets.view_timesheet",
        "timesheets.change_timesheet",
    )
    mona = staff(people.mona, *perms)
    response = _act(mona, "admin:timesheets_timeentry_changelist", "approve_entries", entry)
    assert response.status_code == 200 and "left unchanged" in response.content.decode()
    response = _act(mona, "admin:timesheets_timesheet_changelist", "approve_timesheets", timesheet)
    assert response.status_code == 200 and "left unchanged" in response.content.decode()
    entry.refresh_from_db()
    timesheet.refresh_from_db()
    assert (entry.status, timesheet.status) == ("draft", "submitted")

    bob = staff(people.bob, *perms)
    _act(bob, "admin:timesheets_timesheet_changelist", "approve_timesheets", timesheet)
    _act(bob, "admin:timesheets_timeentry_changelist", "approve_entries", entry)
    entry.refresh_from_db()
    timesheet.refresh_from_db()
    assert (entry.status, timesheet.status) == ("approved", "approved")


def test_a_staff_manager_cannot_revoke_someone_elses_token_or_invite_outside_their_reach(people: Any) -> None:
    from accounts.services import api_token_create

    token, _raw = api_token_create(
        user=people.alice.user, name="laptop", scopes_requested=["read:all"], actor=people.alice.user
    )
    admins_token, _raw = api_token_create(
        user=people.admin, name="ops", scopes_requested=["read:all"], actor=people.admin
    )
    bob = staff(
        people.bob,
        "accounts.view_apitoken",
        "accounts.change_apitoken",
        "accounts.view_employee",
        "accounts.change_employee",
    )
    response = _act(bob, "admin:accounts_apitoken_changelist", "revoke", token, admins_token)
    assert "2 selected rows were left unchanged" in response.content.decode()
    token.refresh_from_db()
    admins_token.refresh_from_db()
    assert token.revoked_at is None and admins_token.revoked_at is None

    response = _act(bob, "admin:accounts_employee_changelist", "send_invitation", people.dave, people.alice)
    assert "1 selected row was left unchanged" in response.content.decode()
    assert "1 invitation queued." in response.content.decode()
