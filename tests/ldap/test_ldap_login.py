"""LDAP sign-in against a real slapd (tests/ldap/conftest.py): bind and search, the login
page, matching the existing employee by e-mail, groups → role and finance at each login,
wrong directory passwords counting toward the lockout, and the password-login policy
beside a directory."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from conftest import PASSWORD, user_of
from tests.ldap.conftest import ADMINS, DIRECTORY_PASSWORDS, FINANCE, MANAGERS, Directory, configure

GENERIC = "Please try again."  # "Your username and password didn't match. Please try again."
TURNED_OFF = "Password login is turned off for this account."
DOWN = "The company directory cannot be reached right now"


def _login(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def _signed_in_as(client: Client) -> Any:
    from django.contrib.auth import get_user

    request = type("R", (), {"session": client.session})()
    return get_user(request)


def _is_finance(user: Any) -> bool:
    return user.groups.filter(name="finance").exists()


def test_the_directory_password_signs_the_existing_employee_in_through_the_login_page(
    directory: Directory, people: Any
) -> None:
    from accounts.models import User

    alice = user_of(people.alice)
    users_before = User.objects.count()
    client = Client()
    response = _login(client, "alice", DIRECTORY_PASSWORDS["alice"])
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get("/profile/").status_code == 200
    # Matched by the directory's e-mail (Alice@Example.com), not a new login.
    assert _signed_in_as(client).pk == alice.pk
    assert User.objects.count() == users_before
    alice.refresh_from_db()
    assert (alice.first_name, alice.last_name) == ("Alice", "Directory")  # the directory's names
    # Password login is retired: the directory's password is the one that counts now...
    assert alice.password_login_disabled and not alice.has_usable_password()
    response = _login(Client(), "alice@example.com", PASSWORD)
    assert response.status_code == 200
    assert TURNED_OFF in response.content.decode() and "directory" in response.content.decode()
    # ...even with a local password set again later (say, through "forgot password").
    alice.set_password(PASSWORD)
    alice.save()
    assert TURNED_OFF in _login(Client(), "alice@example.com", PASSWORD).content.decode()


def test_a_superuser_signing_in_through_the_directory_keeps_the_break_glass_password(
    directory: Directory, people: Any
) -> None:
    carla = user_of(people.carla)
    carla.is_superuser = True
    carla.save()
    assert _login(Client(), "carla", DIRECTORY_PASSWORDS["carla"]).status_code == 302
    carla.refresh_from_db()
    assert carla.is_superuser and not carla.password_login_disabled and carla.has_usable_password()
    assert _login(Client(), "carla@example.com", PASSWORD).status_code == 302


def test_wrong_directory_password_is_refused_as_a_wrong_password(directory: Directory, people: Any) -> None:
    client = Client()
    response = _login(client, "alice", "not-the-directory-password")
    assert response.status_code == 200
    assert GENERIC in response.content.decode() and TURNED_OFF not in response.content.decode()
    assert client.get("/profile/").status_code == 302


def test_a_directory_account_without_an_etime_login_is_refused_unless_creation_is_on(
    directory: Directory, people: Any, settings: Any
) -> None:
    from accounts.models import User

    response = _login(Client(), "zed", DIRECTORY_PASSWORDS["zed"])
    assert response.status_code == 200 and GENERIC in response.content.decode()
    assert not User.objects.filter(email="zed@example.com").exists()

    settings.AUTH_LDAP_NO_NEW_USERS = False  # ETIME_LDAP_CREATE_USERS=true
    client = Client()
    assert _login(client, "zed", DIRECTORY_PASSWORDS["zed"]).status_code == 302
    zed = User.objects.get(email="zed@example.com")
    assert zed.username == "zed@example.com" and zed.role == "employee" and not zed.has_usable_password()


def test_groups_decide_role_and_finance_at_each_login(directory: Directory, people: Any) -> None:
    from etime.core.audit import AuditEvent

    carla, bob, alice = user_of(people.carla), user_of(people.bob), user_of(people.alice)
    assert (carla.role, alice.role) == ("manager", "employee")
    for uid in ("carla", "bob", "alice"):
        assert _login(Client(), uid, DIRECTORY_PASSWORDS[uid]).status_code == 302, uid
    for user in (carla, bob, alice):
        user.refresh_from_db()
    assert (carla.role, carla.is_staff, _is_finance(carla)) == ("admin", True, False)
    assert (bob.role, bob.is_staff, _is_finance(bob)) == ("manager", False, False)
    assert (alice.role, alice.is_staff, _is_finance(alice)) == ("employee", False, True)
    # The admin role opens the admin site to carla.
    client = Client()
    _login(client, "carla", DIRECTORY_PASSWORDS["carla"])
    assert client.get("/admin/").status_code == 200

    # The directory changes: alice becomes a manager and leaves finance; carla loses admin.
    directory.set_members(MANAGERS, ["bob", "alice"])
    directory.set_members(FINANCE, [])
    directory.set_members(ADMINS, [])
    # Nothing changes until they sign in again...
    alice.refresh_from_db()
    assert alice.role == "employee"
    for uid in ("alice", "carla"):
        assert _login(Client(), uid, DIRECTORY_PASSWORDS[uid]).status_code == 302, uid
    alice.refresh_from_db()
    carla.refresh_from_db()
    assert (alice.role, _is_finance(alice)) == ("manager", False)
    assert (carla.role, carla.is_staff) == ("employee", False)
    # ...and carla's old session no longer opens the admin: the role is read on each request.
    assert client.get("/admin/").status_code == 302
    events = AuditEvent.objects.filter(action="user.directory_synced", object_id=str(alice.pk))
    changes = sorted(
        ((e.before or {})["role"], (e.after or {})["role"], (e.after or {})["finance"], e.actor_repr) for e in events
    )
    # Signing in first only added finance (role unchanged); the second changed both.
    assert changes == [("employee", "employee", True, "ldap"), ("employee", "manager", False, "ldap")]


def test_wrong_directory_passwords_lock_the_account_out(directory: Directory, people: Any) -> None:
    from axes.models import AccessAttempt

    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(1, limit):
        response = _login(client, "alice", f"wrong-{attempt}")
        assert response.status_code == 200 and GENERIC in response.content.decode(), attempt
    response = _login(client, "alice", "wrong-last")
    assert response.status_code == 403
    assert "Too many failed logins" in response.content.decode()
    assert AccessAttempt.objects.get(username="alice").failures_since_start == limit
    # Locked: even the right directory password is refused, and the directory is not asked.
    response = _login(client, "alice", DIRECTORY_PASSWORDS["alice"])
    assert response.status_code == 403
    assert client.get("/profile/").status_code == 302
    # The token endpoint shares the count.
    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": DIRECTORY_PASSWORDS["alice"]})
    assert response.status_code == 403 and response.json()["error"]["code"] == "account_locked"


def test_the_token_endpoint_takes_the_directory_password(directory: Directory, people: Any) -> None:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "bob", "password": DIRECTORY_PASSWORDS["bob"], "scopes": ["read:all"]}
    )
    assert response.status_code == 201, response.content
    assert response.json()["token"].startswith("etm_")


def test_password_login_disabled_per_person_beside_the_directory(directory: Directory, people: Any) -> None:
    dave = user_of(people.dave)  # not in the directory
    dave.password_login_disabled = True
    dave.save()
    response = _login(Client(), "dave@example.com", PASSWORD)
    assert response.status_code == 200
    body = response.content.decode()
    assert TURNED_OFF in body and "directory" in body and GENERIC not in body
    # A directory person with the flag still signs in with the directory password.
    alice = user_of(people.alice)
    alice.password_login_disabled = True
    alice.save()
    assert _login(Client(), "alice", DIRECTORY_PASSWORDS["alice"]).status_code == 302


def test_breakglass_policy_leaves_the_directory_and_superusers(
    directory: Directory, people: Any, settings: Any
) -> None:
    settings.ETIME_PASSWORD_LOGIN = "breakglass"
    people.admin.is_superuser = True
    people.admin.save()
    # Directory people: their directory password, and a wrong one is just wrong.
    assert _login(Client(), "bob", DIRECTORY_PASSWORDS["bob"]).status_code == 302
    response = _login(Client(), "bob", "wrong")
    assert GENERIC in response.content.decode() and TURNED_OFF not in response.content.decode()
    # Others: no local password, with the message.
    response = _login(Client(), "dave@example.com", PASSWORD)
    assert TURNED_OFF in response.content.decode()
    # The break-glass superuser: the local password.
    assert _login(Client(), people.admin.username, PASSWORD).status_code == 302


@pytest.mark.parametrize("group_search", [True, False])
def test_without_role_groups_the_directory_leaves_roles_alone(
    directory: Directory, people: Any, settings: Any, group_search: bool
) -> None:
    settings.ETIME_LDAP_ADMIN_GROUP = settings.ETIME_LDAP_MANAGER_GROUP = settings.ETIME_LDAP_FINANCE_GROUP = ""
    if not group_search:  # what a deployment without ETIME_LDAP_GROUP_SEARCH_BASE has
        settings.AUTH_LDAP_GROUP_SEARCH = None
    bob = user_of(people.bob)
    assert _login(Client(), "carla", DIRECTORY_PASSWORDS["carla"]).status_code == 302
    assert _login(Client(), "bob", DIRECTORY_PASSWORDS["bob"]).status_code == 302
    bob.refresh_from_db()
    assert bob.role == "manager" and user_of(people.carla).role == "manager"


def test_start_tls_with_the_directory_ca_and_refused_with_another(
    directory: Directory, people: Any, settings: Any
) -> None:
    configure(settings, directory, start_tls=True, ca_file=directory.ca_file)
    client = Client()
    assert _login(client, "bob", DIRECTORY_PASSWORDS["bob"]).status_code == 302
    assert client.get("/profile/").status_code == 200
    # A server whose certificate the configured CA did not sign: no sign-in (and no
    # password sent in the clear instead).
    import ldap
    from django_auth_ldap.backend import ldap_error

    errors: list[Exception] = []

    def record(sender: Any, context: str, exception: Exception, **kwargs: Any) -> None:
        errors.append(exception)

    configure(settings, directory, start_tls=True, ca_file=directory.other_ca_file)
    ldap_error.connect(record)
    try:
        response = _login(Client(), "bob", DIRECTORY_PASSWORDS["bob"])
    finally:
        ldap_error.disconnect(record)
    assert response.status_code == 200 and DOWN in response.content.decode()
    assert errors and isinstance(errors[0], ldap.CONNECT_ERROR), errors  # the certificate check


def test_a_deactivated_login_stays_out_with_the_right_directory_password(directory: Directory, people: Any) -> None:
    alice = user_of(people.alice)
    alice.is_active = False
    alice.save()
    client = Client()
    response = _login(client, "alice", DIRECTORY_PASSWORDS["alice"])
    assert response.status_code == 200
    assert GENERIC in response.content.decode() and TURNED_OFF not in response.content.decode()
    assert client.get("/profile/").status_code == 302


def test_with_the_directory_down_the_break_glass_superuser_still_signs_in(
    directory: Directory, people: Any, settings: Any
) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{closed}"
    settings.ETIME_PASSWORD_LOGIN = "breakglass"
    people.admin.is_superuser = True
    people.admin.save()
    assert _login(Client(), people.admin.username, PASSWORD).status_code == 302
    # Everyone else is told the directory is down, not that their password is wrong.
    for settings.ETIME_PASSWORD_LOGIN in ("breakglass", "all"):
        response = _login(Client(), "bob", DIRECTORY_PASSWORDS["bob"])
        assert response.status_code == 200
        body = response.content.decode()
        assert DOWN in body and GENERIC not in body and TURNED_OFF not in body
    response = APIClient().post("/api/v1/auth/token/", {"username": "bob", "password": DIRECTORY_PASSWORDS["bob"]})
    assert response.status_code == 401 and response.json()["error"]["code"] == "directory_unreachable"
