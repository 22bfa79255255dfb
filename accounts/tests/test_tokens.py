"""API tokens: hashed at rest, scoped, expiring, revocable, and issued four ways."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import PASSWORD


def _bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]


def _new_employee(code: str = "E300") -> dict[str, Any]:
    return {"code": code, "first_name": "Tara", "last_name": "Token"}


# --- At rest --------------------------------------------------------------------------


def test_token_is_stored_hashed_and_the_raw_value_is_nowhere_in_the_database(people: Any, token_client: Any) -> None:
    from accounts.models import ApiToken

    client = token_client(people.alice, scopes=["read:employees"])
    raw = client.raw_token
    assert client.get("/api/v1/me/").status_code == 200  # the token is real

    token = ApiToken.objects.get(user=people.alice.user)
    assert token.key_hash != raw
    assert raw not in token.key_hash
    assert raw.startswith(token.prefix) and len(token.prefix) < len(raw) // 2

    # Search every text column of every etime table for the raw token (and its secret part).
    secret = raw[len(token.prefix) :]
    tables = [t for t in connection.introspection.table_names() if t.startswith(("accounts_", "core_"))]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                dumped = json.dumps([str(v) for v in row])
                assert raw not in dumped, table
                assert secret not in dumped, table


# --- Scopes ---------------------------------------------------------------------------


def test_read_token_can_read_but_cannot_write(people: Any, token_client: Any) -> None:
    from accounts.models import Employee

    client = token_client(people.admin, scopes=["read:employees"])
    assert client.get("/api/v1/employees/").status_code == 200
    response = client.post("/api/v1/employees/", _new_employee())
    assert response.status_code == 403
    error = _error(response)
    assert error["code"] == "insufficient_scope"
    assert error["details"]["required_scope"] == "write:employees"
    assert not Employee.objects.filter(code="E300").exists()


def test_read_token_cannot_patch_or_delete(people: Any, token_client: Any) -> None:
    client = token_client(people.admin, scopes=["read:all"])
    assert (
        _error(client.patch(f"/api/v1/employees/{people.dave.pk}/", {"first_name": "X"}))["code"]
        == "insufficient_scope"
    )
    assert _error(client.delete(f"/api/v1/employees/{people.dave.pk}/"))["code"] == "insufficient_scope"
    people.dave.refresh_from_db()
    assert people.dave.first_name == "Dave"


def test_token_scoped_to_another_area_cannot_read_employees(people: Any, token_client: Any) -> None:
    client = token_client(people.admin, scopes=["read:departments"])
    response = client.get("/api/v1/employees/")
    assert response.status_code == 403
    assert _error(response)["code"] == "insufficient_scope"
    assert _error(response)["details"]["required_scope"] == "read:employees"
    assert client.get("/api/v1/departments/").status_code == 200


def test_write_scope_implies_read_of_the_same_area(people: Any, token_client: Any) -> None:
    client = token_client(people.admin, scopes=["write:employees"])
    assert client.get("/api/v1/employees/").status_code == 200
    assert client.post("/api/v1/employees/", _new_employee()).status_code == 201
    # ... but not of another area.
    assert _error(client.get("/api/v1/locations/"))["code"] == "insufficient_scope"


def test_write_all_token_still_obeys_the_holders_role(people: Any, token_client: Any) -> None:
    client = token_client(people.bob, scopes=["write:all"])
    response = client.post("/api/v1/employees/", _new_employee())
    assert response.status_code == 403
    assert _error(response)["code"] == "permission_denied"


# --- Expiry, revocation, unknown tokens -----------------------------------------------


def test_token_works_until_it_expires_then_gets_401_token_expired(people: Any, token_client: Any) -> None:
    expires_at = timezone.now() + timedelta(hours=1)
    client = token_client(people.alice, scopes=["read:all"], expires_at=expires_at)
    assert client.get("/api/v1/me/").status_code == 200
    with time_machine.travel(expires_at + timedelta(seconds=1)):
        response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert _error(response)["code"] == "token_expired"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_gets_401_token_revoked(people: Any, token_client: Any) -> None:
    from accounts.models import ApiToken
    from accounts.services import api_token_revoke

    client = token_client(people.alice, scopes=["read:all"])
    assert client.get("/api/v1/me/").status_code == 200
    api_token_revoke(token=ApiToken.objects.get(user=people.alice.user), actor=people.admin)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert _error(response)["code"] == "token_revoked"


def test_token_revoked_from_the_profile_page_stops_working(people: Any, token_client: Any) -> None:
    from accounts.models import ApiToken

    api = token_client(people.alice, scopes=["read:all"])
    token = ApiToken.objects.get(user=people.alice.user)
    page = Client()
    page.force_login(people.alice.user)
    response = page.post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert _error(api.get("/api/v1/me/"))["code"] == "token_revoked"


def test_user_cannot_revoke_someone_elses_token_from_the_profile_page(people: Any, token_client: Any) -> None:
    from accounts.models import ApiToken

    api = token_client(people.alice, scopes=["read:all"])
    token = ApiToken.objects.get(user=people.alice.user)
    page = Client()
    page.force_login(people.dave.user)
    assert page.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert api.get("/api/v1/me/").status_code == 200


def test_unknown_token_gets_401_authentication_failed(people: Any) -> None:
    response = _bearer("etm_this-token-was-never-issued").get("/api/v1/me/")
    assert response.status_code == 401
    assert _error(response)["code"] == "authentication_failed"


def test_malformed_authorization_header_gets_401(people: Any) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer two parts")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert _error(response)["code"] == "authentication_failed"


def test_token_of_a_deactivated_user_gets_401(people: Any, token_client: Any) -> None:
    client = token_client(people.alice, scopes=["read:all"])
    people.alice.user.is_active = False
    people.alice.user.save()
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert _error(response)["code"] == "authentication_failed"


# --- Last use -------------------------------------------------------------------------


def test_last_used_at_is_recorded_on_use(people: Any, token_client: Any) -> None:
    from accounts.models import ApiToken

    client = token_client(people.alice, scopes=["read:all"])
    token = ApiToken.objects.get(user=people.alice.user)
    assert token.last_used_at is None

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.get("/api/v1/me/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start

    later = start + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        assert client.get("/api/v1/me/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == later


def test_failed_token_use_does_not_touch_last_used_at(people: Any, token_client: Any) -> None:
    from accounts.models import ApiToken

    client = token_client(people.alice, scopes=["read:departments"])
    token = ApiToken.objects.get(user=people.alice.user)
    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/v1/me/").status_code == 401
    token.refresh_from_db()
    assert token.last_used_at is None


# --- Issuing --------------------------------------------------------------------------


def test_token_endpoint_issues_a_working_token_shown_once(people: Any) -> None:
    from accounts.models import ApiToken

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice@example.com", "password": PASSWORD, "name": "laptop"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["scopes"] == ["read:all"]
    assert body["name"] == "laptop"
    assert body["expires_at"] is None

    client = _bearer(body["token"])
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["code"] == "E003"
    # The default read:all token cannot write.
    assert _error(client.post("/api/v1/employees/", _new_employee()))["code"] == "insufficient_scope"

    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.user == people.alice.user
    assert stored.key_hash != body["token"]


def test_token_endpoint_honours_scopes_and_expiry(people: Any) -> None:
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "olivia@example.com", "password": PASSWORD, "scopes": ["read:departments"], "expires_in_days": 2},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["scopes"] == ["read:departments"]
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=2) - timedelta(minutes=1) < expires_at - timezone.now() <= timedelta(days=2)

    client = _bearer(body["token"])
    assert client.get("/api/v1/departments/").status_code == 200
    assert _error(client.get("/api/v1/employees/"))["code"] == "insufficient_scope"
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert _error(client.get("/api/v1/departments/"))["code"] == "token_expired"


def test_token_endpoint_refuses_unknown_scopes_with_validation_error(people: Any) -> None:
    from accounts.models import ApiToken

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice@example.com", "password": PASSWORD, "scopes": ["read:everything"]}
    )
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "validation_error"
    assert "read:everything" in " ".join(error["details"]["scopes"])
    assert not ApiToken.objects.filter(user=people.alice.user).exists()


def test_token_endpoint_with_a_wrong_password_issues_nothing(people: Any) -> None:
    from accounts.models import ApiToken

    response = APIClient().post("/api/v1/auth/token/", {"username": "alice@example.com", "password": "wrong-password"})
    assert response.status_code == 401
    assert _error(response)["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_token_endpoint_without_credentials_is_a_validation_error(people: Any) -> None:
    response = APIClient().post("/api/v1/auth/token/", {})
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "validation_error"
    assert {"username", "password"} <= set(error["details"])


def test_create_api_token_command_prints_only_a_working_token(people: Any) -> None:
    from accounts.models import ApiToken

    out = StringIO()
    call_command("create_api_token", "--user", "bob@example.com", "--scopes", "read:all", stdout=out)
    printed = out.getvalue()
    lines = printed.splitlines()
    assert len(lines) == 1, printed
    raw = lines[0].strip()
    assert " " not in raw and len(raw) >= 32

    token = ApiToken.objects.get(user=people.bob.user)
    assert token.scopes == ["read:all"]
    assert token.key_hash != raw

    response = _bearer(raw).get("/api/v1/employees/")
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} == {"E002", "E003", "E004"}


def test_create_api_token_command_accepts_several_scopes(people: Any) -> None:
    out = StringIO()
    call_command(
        "create_api_token",
        "--user",
        "olivia@example.com",
        "--scopes",
        "read:employees",
        "write:departments",
        stdout=out,
    )
    client = _bearer(out.getvalue().strip())
    assert client.get("/api/v1/employees/").status_code == 200
    assert client.post("/api/v1/departments/", {"name": "Finance"}).status_code == 201
    assert _error(client.post("/api/v1/employees/", _new_employee()))["code"] == "insufficient_scope"


def test_create_api_token_command_refuses_unknown_scopes(people: Any) -> None:
    from accounts.models import ApiToken

    out = StringIO()
    with pytest.raises(CommandError, match="read:everything"):
        call_command("create_api_token", "--user", "bob@example.com", "--scopes", "read:everything", stdout=out)
    assert out.getvalue() == ""
    assert not ApiToken.objects.exists()


def test_create_api_token_command_refuses_an_unknown_user(people: Any) -> None:
    with pytest.raises(CommandError, match="nobody@example.com"):
        call_command("create_api_token", "--user", "nobody@example.com", "--scopes", "read:all", stdout=StringIO())


def test_profile_page_creates_a_token_shown_once(people: Any) -> None:
    from accounts.models import ApiToken

    page = Client()
    page.force_login(people.alice.user)
    response = page.post("/profile/tokens/", {"name": "phone", "scopes": ["read:employees"], "expires_in_days": 30})
    assert response.status_code == 302
    token = ApiToken.objects.get(user=people.alice.user)
    first = page.get("/profile/").content.decode()
    # The raw token is on the first page view and never again.
    match = re.search(r'data-testid="new-token">([^<]+)<', first)
    assert match is not None
    raw = match.group(1).strip()
    assert raw.startswith(token.prefix) and len(raw) > 2 * len(token.prefix)
    second = page.get("/profile/").content.decode()
    assert raw not in second
    assert 'data-testid="new-token"' not in second
    assert _bearer(raw).get("/api/v1/me/").json()["code"] == "E003"
