"""Two-factor authentication in a real browser: set up an authenticator app from the profile
(the secret read off the page, as a person types it into their app), keep the recovery codes,
then sign in with the password and a code, and once with a recovery code."""

from __future__ import annotations

from base64 import b32decode
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import TOTP

from conftest import PASSWORD
from tests.browser.conftest import follow
from tests.browser.test_self_service_pages import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret: str) -> str:
    """What an authenticator app shows for this key now (SHA1, 6 digits, 30 s)."""
    return f"{TOTP(b32decode(secret)).token():06d}"


def test_an_employee_sets_up_2fa_on_the_profile_then_signs_in_with_a_code(
    people: Any, login: Any, live_server: Any
) -> None:
    with time_machine.travel(timezone.now(), tick=True) as clock:
        page = login("alice@example.com", PASSWORD)
        follow(page, "[data-testid=profile-link]")
        follow(page, "[data-testid=twofactor-setup-link]")
        assert page.locator("[data-testid=twofactor-qr]").is_visible()
        shot(page, "twofactor-setup", full_page=True)
        secret = page.get_attribute("[data-testid=twofactor-secret]", "data-secret")
        assert secret
        page.fill("#id_code", app_code(secret))
        follow(page, "[data-testid=twofactor-setup-form] button[type=submit]")

        codes = [c.strip() for c in page.locator("[data-testid=recovery-codes] code").all_inner_texts()]
        assert len(codes) == 10
        assert page.get_by_role("button", name="Print").is_visible()
        shot(page, "twofactor-recovery-codes", full_page=True)
        follow(page, "[data-testid=recovery-codes-saved]")
        assert "/profile/" in page.url
        assert "On: signing in asks for a code" in page.inner_text("[data-testid=twofactor-status]")

        # The next sign-in: the password, then the code of the next 30-second step.
        page.context.clear_cookies()
        clock.shift(30)
        page = login("alice@example.com", PASSWORD)
        assert "/accounts/two-factor/" in page.url
        shot(page, "twofactor-verify")
        page.fill("#id_code", app_code(secret))
        follow(page, "[data-testid=twofactor-verify-form] button[type=submit]")
        assert page.get_by_role("heading", name="Hello, Alice").is_visible()

        # A lost phone: a recovery code instead, once.
        page.context.clear_cookies()
        page = login("alice@example.com", PASSWORD)
        page.fill("#id_code", codes[0])
        follow(page, "[data-testid=twofactor-verify-form] button[type=submit]")
        assert page.get_by_role("heading", name="Hello, Alice").is_visible()
        assert "9 left" in page.inner_text("main")
