"""django-axes: repeated bad passwords lock the account on every login path.

After AXES_FAILURE_LIMIT (default 5) failures the account is locked, so the next
attempt is refused even with the right password: on the API token endpoint, the
self-service login form and the admin login.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from conftest import PASSWORD

pytestmark = pytest.mark.embedded

WRONG = "not-the-password"


def _token_login(client: APIClient, username: str, password: str) -> Any:
    return client.post("/api/v1/auth/token/", {"username": username, "password": password})


def _page_login(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def _admin_login(client: Client, username: str, password: str) -> Any:
    return client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})


def _is_logged_in(client: Client) -> bool:
    return client.get("/profile/").status_code == 200


def test_failure_limit_defaults_to_five() -> None:
    assert settings.AXES_FAILURE_LIMIT == 5


def test_api_sixth_attempt_with_the_right_password_is_refused_as_account_locked(people: Any) -> None:
    from accounts.models import ApiToken

    client = APIClient()
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(1, limit):
        response = _token_login(client, "alice@example.com", WRONG)
        assert response.status_code == 401, attempt
        assert response.json()["error"]["code"] == "invalid_credentials", attempt
    # The limit-th failure is the one that locks.
    response = _token_login(client, "alice@example.com", WRONG)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "account_locked"

    response = _token_login(client, "alice@example.com", PASSWORD)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "account_locked"
    assert "locked" in error["message"]
    assert error["details"]["cooloff_minutes"] > 0
    assert int(response["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_four_failures_then_the_right_password_still_gets_a_token(people: Any) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token_login(client, "alice@example.com", WRONG).status_code == 401
    response = _token_login(client, "alice@example.com", PASSWORD)
    assert response.status_code == 201
    # A success resets the count: four more failures do not lock yet. (Another address,
    # so the token endpoint's per-address throttle stays out of the way.)
    client = APIClient(REMOTE_ADDR="10.0.0.2")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token_login(client, "alice@example.com", WRONG).status_code == 401
    assert _token_login(client, "alice@example.com", PASSWORD).status_code == 201


def test_lockout_is_per_account_not_for_everyone(people: Any) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _token_login(client, "alice@example.com", WRONG)
    assert _token_login(client, "alice@example.com", PASSWORD).status_code == 403
    assert _token_login(client, "bob@example.com", PASSWORD).status_code == 201


def test_login_form_sixth_attempt_with_the_right_password_shows_the_locked_page(people: Any) -> None:
    client = Client()
    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        response = _page_login(client, "bob@example.com", WRONG)
        assert response.status_code == 200, attempt  # the form again, with an error
        assert "Your username and password didn't match. Please try again." in response.content.decode()
    _page_login(client, "bob@example.com", WRONG)

    response = _page_login(client, "bob@example.com", PASSWORD)
    assert response.status_code == 403
    assert "locked" in response.content.decode().lower()
    assert not _is_logged_in(client)


def test_login_form_with_the_right_password_after_four_failures_logs_in(people: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _page_login(client, "bob@example.com", WRONG)
    response = _page_login(client, "bob@example.com", PASSWORD)
    assert response.status_code == 302
    assert _is_logged_in(client)


def test_admin_login_sixth_attempt_with_the_right_password_is_locked(people: Any) -> None:
    client = Client()
    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        response = _admin_login(client, "olivia@example.com", WRONG)
        assert response.status_code == 200, attempt
    _admin_login(client, "olivia@example.com", WRONG)

    response = _admin_login(client, "olivia@example.com", PASSWORD)
    assert response.status_code == 403
    assert "locked" in response.content.decode().lower()
    assert client.get("/admin/").status_code == 302  # still not signed in


def test_admin_login_with_the_right_password_after_four_failures_works(people: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _admin_login(client, "olivia@example.com", WRONG)
    assert _admin_login(client, "olivia@example.com", PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_failures_count_across_login_paths(people: Any) -> None:
    api, page = APIClient(), Client()
    # Spread the failures over the API, the login form and the admin login.
    _token_login(api, "olivia@example.com", WRONG)
    _token_login(api, "olivia@example.com", WRONG)
    _page_login(page, "olivia@example.com", WRONG)
    _page_login(page, "olivia@example.com", WRONG)
    _admin_login(page, "olivia@example.com", WRONG)

    assert _token_login(api, "olivia@example.com", PASSWORD).json()["error"]["code"] == "account_locked"
    assert _page_login(page, "olivia@example.com", PASSWORD).status_code == 403
    assert _admin_login(page, "olivia@example.com", PASSWORD).status_code == 403


def test_lockout_is_lifted_after_the_cooloff(people: Any) -> None:
    import time_machine
    from django.utils import timezone

    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _token_login(client, "alice@example.com", WRONG)
    assert _token_login(client, "alice@example.com", PASSWORD).status_code == 403
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)):
        assert _token_login(client, "alice@example.com", PASSWORD).status_code == 201
