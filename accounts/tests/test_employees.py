"""Creating and changing employees through the API: logins, invitations, and the rules
that keep the org chart sound."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

NEW_PASSWORD = "my-own-fresh-password-42"


@pytest.fixture
def admin_api(people: Any, token_client: Any) -> APIClient:
    return token_client(people.admin)


def _payload(**overrides: Any) -> dict[str, Any]:
    return {"code": "E800", "first_name": "Nina", "last_name": "Invite", **overrides}


def _error(response: Any, status: int = 400, code: str = "validation_error") -> dict[str, Any]:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code, error
    return error


def _invitation_path(message: Any) -> str:
    match = re.search(r"https?://\S+/accounts/set-password/\S+/\S+/", message.body)
    assert match, message.body
    assert match.group(0).startswith(settings.ETIME_BASE_URL)
    return urlsplit(match.group(0)).path


def _logs_in(username: str, password: str) -> bool:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302 and client.get("/profile/").status_code == 200


def _nothing_written(code: str, email: str | None = None) -> None:
    from accounts.models import Employee, User
    from etime.core.models import AuditEvent

    assert not Employee.objects.filter(code=code).exists()
    assert not AuditEvent.objects.filter(action="employee.created", after__code=code).exists()
    if email:
        assert not Employee.objects.filter(email=email).exists()
        assert not User.objects.filter(username=email).exists()


# --- Logins and invitations -----------------------------------------------------------


def test_employee_with_email_gets_a_login_named_by_the_email_and_an_invitation(
    people: Any, admin_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    from accounts.models import Employee, Role

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(
            "/api/v1/employees/",
            _payload(email="Nina.Invite@Example.com", manager=str(people.bob.pk), role="manager"),
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["has_login"] is True
    assert body["role"] == "manager"
    assert body["email"] == "nina.invite@example.com"
    assert "password" not in body

    user = Employee.objects.get(pk=body["id"]).user
    assert user is not None
    assert user.username == "nina.invite@example.com"
    assert user.role == Role.MANAGER
    assert not user.has_usable_password()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina.invite@example.com"]
    assert "nina.invite@example.com" in message.body  # tells them their login
    _invitation_path(message)


def test_invitation_link_sets_a_password_that_logs_in(
    people: Any, admin_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_api.post("/api/v1/employees/", _payload(email="nina@example.com")).status_code == 201
    path = _invitation_path(mail.outbox[0])
    assert not _logs_in("nina@example.com", NEW_PASSWORD)

    client = Client()
    landing = client.get(path)
    assert landing.status_code == 302  # Django hides the token from the address bar
    form_url = landing["Location"]
    form = client.get(form_url)
    assert form.status_code == 200
    assert 'name="new_password1"' in form.content.decode()

    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get(done["Location"]).status_code == 200

    assert _logs_in("nina@example.com", NEW_PASSWORD)
    # The link is single-use.
    reused = Client().get(path, follow=True)
    assert "invalid or has expired" in reused.content.decode()


def test_accepting_an_invitation_is_audited(
    people: Any, admin_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    """Setting the password from the invitation link wrote no audit row, while the invite
    and a password reset do: now it is ``invitation.accepted`` by the user, with the client."""
    from accounts.models import User
    from etime.core.models import AuditEvent

    with django_capture_on_commit_callbacks(execute=True):
        assert admin_api.post("/api/v1/employees/", _payload(email="nina@example.com")).status_code == 201
    client = Client(REMOTE_ADDR="10.4.0.9")
    form_url = client.get(_invitation_path(mail.outbox[0]))["Location"]
    assert not AuditEvent.objects.filter(action="invitation.accepted").exists()

    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302 and done["Location"] == "/accounts/set-password/done/"
    nina = User.objects.get(username="nina@example.com")
    accepted = AuditEvent.objects.get(action="invitation.accepted")
    assert accepted.after is not None
    assert (accepted.actor_id, accepted.object_id, accepted.after["client"]) == (nina.pk, str(nina.pk), "10.4.0.9")
    assert NEW_PASSWORD not in str(accepted.after)
    assert _logs_in("nina@example.com", NEW_PASSWORD)


def test_invitation_link_expires(people: Any, admin_api: APIClient, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_api.post("/api/v1/employees/", _payload(email="nina@example.com")).status_code == 201
    path = _invitation_path(mail.outbox[0])
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 3600)
    with time_machine.travel(later):
        page = Client().get(path, follow=True)
    assert page.status_code == 200
    assert "invalid or has expired" in page.content.decode()
    assert 'name="new_password1"' not in page.content.decode()


def test_invitation_is_not_sent_when_the_create_fails(
    people: Any, admin_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post("/api/v1/employees/", _payload(email="nina@example.com", time_zone="Bad/Zone"))
    _error(response)
    assert mail.outbox == []


def test_admin_can_set_a_password_instead_of_inviting(
    people: Any, admin_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    from etime.core.models import AuditEvent

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post("/api/v1/employees/", _payload(email="nina@example.com", password=NEW_PASSWORD))
    assert response.status_code == 201, response.json()
    assert "password" not in response.json()
    assert mail.outbox == []
    assert _logs_in("nina@example.com", NEW_PASSWORD)
    for event in AuditEvent.objects.all():
        assert NEW_PASSWORD not in f"{event.before} {event.after}"


def test_admin_can_reset_a_password_later(people: Any, admin_api: APIClient) -> None:
    response = admin_api.patch(f"/api/v1/employees/{people.dave.pk}/", {"password": NEW_PASSWORD})
    assert response.status_code == 200
    assert _logs_in("dave@example.com", NEW_PASSWORD)


def test_a_weak_password_is_refused_and_nothing_is_created(people: Any, admin_api: APIClient) -> None:
    error = _error(admin_api.post("/api/v1/employees/", _payload(email="nina@example.com", password="12345")))
    assert "password" in error["details"]
    _nothing_written("E800", "nina@example.com")


def test_employee_without_email_has_no_login_and_no_mail(
    people: Any, admin_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post("/api/v1/employees/", _payload())
    assert response.status_code == 201
    assert response.json()["has_login"] is False
    assert response.json()["role"] is None
    assert mail.outbox == []


def test_invite_endpoint_resends_the_invitation(
    people: Any, admin_api: APIClient, token_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(f"/api/v1/employees/{people.dave.pk}/invite/")
    assert response.status_code == 202
    assert [m.to for m in mail.outbox] == [["dave@example.com"]]
    with django_capture_on_commit_callbacks(execute=True):
        refused = token_client(people.mona).post(f"/api/v1/employees/{people.dave.pk}/invite/")
    assert refused.status_code == 403
    assert len(mail.outbox) == 1


def test_changing_the_email_changes_the_login(people: Any, admin_api: APIClient) -> None:
    from conftest import PASSWORD

    response = admin_api.patch(f"/api/v1/employees/{people.alice.pk}/", {"email": "Alice.Able@Example.com"})
    assert response.status_code == 200
    assert _logs_in("alice.able@example.com", PASSWORD)
    assert not _logs_in("alice@example.com", PASSWORD)


# --- Nothing half-written -------------------------------------------------------------


def test_duplicate_code_is_refused_and_nothing_is_half_written(
    people: Any, admin_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    from accounts.models import Employee, User

    employees, users = Employee.objects.count(), User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post("/api/v1/employees/", _payload(code="E003", email="nina@example.com"))
    error = _error(response)
    assert "code" in error["details"]
    assert Employee.objects.count() == employees
    assert User.objects.count() == users
    assert not User.objects.filter(username="nina@example.com").exists()
    assert mail.outbox == []


def test_email_already_used_by_a_login_is_refused_and_the_employee_is_not_kept(
    people: Any, admin_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    from accounts.models import Employee, User

    # olivia has a login but no employee record: the employee row is written first,
    # then the login clashes; the employee must roll back with it.
    users = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post("/api/v1/employees/", _payload(email="OLIVIA@example.com"))
    error = _error(response)
    assert "email" in error["details"]
    assert not Employee.objects.filter(code="E800").exists()
    assert User.objects.count() == users
    _nothing_written("E800")
    assert mail.outbox == []


def test_duplicate_employee_email_is_refused(people: Any, admin_api: APIClient) -> None:
    error = _error(admin_api.post("/api/v1/employees/", _payload(email="alice@example.com")))
    assert "email" in error["details"]
    _nothing_written("E800")


def test_duplicate_device_user_id_is_refused(people: Any, admin_api: APIClient) -> None:
    assert admin_api.patch(f"/api/v1/employees/{people.dave.pk}/", {"device_user_id": "77"}).status_code == 200
    error = _error(admin_api.post("/api/v1/employees/", _payload(device_user_id="77")))
    assert "device_user_id" in error["details"]
    _nothing_written("E800")


def test_blank_optional_identifiers_do_not_collide(people: Any, admin_api: APIClient) -> None:
    first = admin_api.post("/api/v1/employees/", _payload(code="E801", device_user_id="", card_number=""))
    second = admin_api.post("/api/v1/employees/", _payload(code="E802", device_user_id="", card_number=""))
    assert first.status_code == 201 and second.status_code == 201


# --- Org chart and dates --------------------------------------------------------------


def test_a_manager_cycle_is_refused(people: Any, admin_api: APIClient) -> None:
    # alice reports to bob, who reports to carla: carla cannot report to alice.
    error = _error(admin_api.patch(f"/api/v1/employees/{people.carla.pk}/", {"manager": str(people.alice.pk)}))
    assert "manager" in error["details"]
    people.carla.refresh_from_db()
    assert people.carla.manager is None


def test_a_direct_two_person_cycle_is_refused(people: Any, admin_api: APIClient) -> None:
    error = _error(admin_api.patch(f"/api/v1/employees/{people.mona.pk}/", {"manager": str(people.dave.pk)}))
    assert "manager" in error["details"]


def test_nobody_can_be_their_own_manager(people: Any, admin_api: APIClient) -> None:
    error = _error(admin_api.patch(f"/api/v1/employees/{people.bob.pk}/", {"manager": str(people.bob.pk)}))
    assert "manager" in error["details"]
    people.bob.refresh_from_db()
    assert people.bob.manager == people.carla


def test_moving_a_team_under_another_manager_is_allowed(people: Any, admin_api: APIClient) -> None:
    response = admin_api.patch(f"/api/v1/employees/{people.bob.pk}/", {"manager": str(people.mona.pk)})
    assert response.status_code == 200
    people.bob.refresh_from_db()
    assert people.bob.manager == people.mona


def test_end_date_before_hire_date_is_refused(people: Any, admin_api: APIClient) -> None:
    error = _error(admin_api.post("/api/v1/employees/", _payload(hire_date="2024-05-01", end_date="2024-04-30")))
    assert "end_date" in error["details"]
    _nothing_written("E800")
    error = _error(
        admin_api.patch(f"/api/v1/employees/{people.dave.pk}/", {"hire_date": "2024-05-01", "end_date": "2024-01-01"})
    )
    assert "end_date" in error["details"]
    people.dave.refresh_from_db()
    assert people.dave.hire_date is None


def test_end_date_on_the_hire_date_is_allowed(people: Any, admin_api: APIClient) -> None:
    response = admin_api.post("/api/v1/employees/", _payload(hire_date="2024-05-01", end_date="2024-05-01"))
    assert response.status_code == 201


def test_unknown_time_zone_is_refused(people: Any, admin_api: APIClient) -> None:
    error = _error(admin_api.post("/api/v1/employees/", _payload(time_zone="Mars/Olympus_Mons")))
    assert "time_zone" in error["details"]
    _nothing_written("E800")
    error = _error(admin_api.patch(f"/api/v1/employees/{people.dave.pk}/", {"time_zone": "Europe/Atlantis"}))
    assert "time_zone" in error["details"]


def test_a_real_time_zone_is_accepted_and_wins_over_the_location(people: Any, admin_api: APIClient) -> None:
    response = admin_api.patch(f"/api/v1/employees/{people.dave.pk}/", {"time_zone": "America/New_York"})
    assert response.status_code == 200
    people.dave.refresh_from_db()
    assert people.dave.effective_time_zone == "America/New_York"
    assert people.alice.effective_time_zone == "Europe/Zurich"  # from the location


def test_deleting_an_employee_with_history_is_refused_and_nothing_changes(people: Any, token_client: Any) -> None:
    from datetime import UTC, datetime

    from attendance.models import PunchSource
    from attendance.services import punch_create

    punch_create(
        employee=people.amir,
        timestamp=datetime(2026, 3, 2, 8, tzinfo=UTC),
        source=PunchSource.MANUAL,
        actor=people.admin,
    )
    response = token_client(people.admin).delete(f"/api/v1/employees/{people.amir.pk}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "employee_in_use"
    people.amir.user.refresh_from_db()
    assert people.amir.user.is_active
    assert token_client(people.admin).get(f"/api/v1/employees/{people.amir.pk}/").status_code == 200
