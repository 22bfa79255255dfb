"""LDAP sign-in in a real browser (Chromium through Playwright, tests/browser/conftest.py)
against the real slapd of tests/ldap/conftest.py."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import PASSWORD, user_of
from tests.browser.conftest import login  # noqa: F401  (a fixture)
from tests.ldap.conftest import DIRECTORY_PASSWORDS, Directory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_directory_sign_in_and_the_password_login_message_in_the_browser(
    directory: Directory,
    people: Any,
    login: Any,  # noqa: F811
    live_server: Any,
) -> None:
    tab = login("bob", DIRECTORY_PASSWORDS["bob"])
    assert tab.url.rstrip("/") == live_server.url  # home, signed in
    tab.goto(f"{live_server.url}/profile/")
    assert "bob@example.com" in tab.content()

    # A person whose password login an administrator turned off reads why.
    dave = user_of(people.dave)
    dave.password_login_disabled = True
    dave.save()
    tab.context.clear_cookies()
    tab = login("dave@example.com", PASSWORD)
    alert = tab.get_by_test_id("login-error")
    assert "Password login is turned off for this account" in alert.inner_text()
    assert "/accounts/login/" in tab.url
