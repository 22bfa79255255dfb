"""The self-service skeleton in a real browser: login, people, API tokens, password change."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _api_get(url: str, token: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (our live server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_employee_logs_in_creates_a_token_shown_once_and_uses_it(people: Any, login: Any, live_server: Any) -> None:
    page = login("alice@example.com", PASSWORD)
    assert page.get_by_role("heading", name="Hello, Alice").is_visible()

    page.click("[data-testid=profile-link]")
    page.fill("#id_name", "laptop script")
    page.uncheck("input[value='read:all']")
    page.check("input[value='read:employees']")
    page.click("text=Create token")
    token = page.inner_text("[data-testid=new-token]").strip()
    assert token.startswith("etm_")
    assert page.locator("[data-testid=token-row]", has_text="laptop script").is_visible()

    status, body = _api_get(f"{live_server.url}/api/v1/me/", token)
    assert status == 200 and body["code"] == "E003"
    status, body = _api_get(f"{live_server.url}/api/v1/employees/", token)
    assert [e["code"] for e in body["results"]] == ["E003"]

    page.reload()  # shown once: a reload no longer reveals it
    assert page.locator("[data-testid=new-token]").count() == 0

    page.click("text=Revoke")
    status, body = _api_get(f"{live_server.url}/api/v1/me/", token)
    assert status == 401 and body["error"]["code"] == "token_revoked"


def test_manager_sees_reports_on_people_page_and_employee_only_themselves(
    people: Any, login: Any, live_server: Any
) -> None:
    page = login("bob@example.com", PASSWORD)
    page.goto(f"{live_server.url}/people/")
    names = {row.strip() for row in page.locator("[data-testid=person-row] td:nth-child(2)").all_inner_texts()}
    assert names == {"Bob Boss", "Alice Able", "Amir Adept"}

    page.context.clear_cookies()
    page = login("dave@example.com", PASSWORD)
    page.goto(f"{live_server.url}/people/")
    names = {row.strip() for row in page.locator("[data-testid=person-row] td:nth-child(2)").all_inner_texts()}
    assert names == {"Dave Deal"}
    response = page.goto(f"{live_server.url}/people/{people.alice.pk}/")
    assert response is not None and response.status == 404


def test_wrong_password_shows_an_error_and_password_change_works(people: Any, login: Any, live_server: Any) -> None:
    page = login("amir@example.com", "not-the-password")
    assert page.get_by_role("alert").inner_text().startswith("Your username and password didn't match")

    page = login("amir@example.com", PASSWORD)
    page.goto(f"{live_server.url}/accounts/password/change/")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "a-brand-new-passphrase-42")
    page.fill("#id_new_password2", "a-brand-new-passphrase-42")
    page.click("main button[type=submit]")
    assert page.get_by_role("heading", name="Password changed").is_visible()

    page.click("text=Log out")
    page = login("amir@example.com", "a-brand-new-passphrase-42")
    assert page.get_by_role("heading", name="Hello, Amir").is_visible()


def test_layout_works_on_a_phone_sized_screen(people: Any, browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "alice@example.com")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    # Nothing overflows sideways: the page is no wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 375
