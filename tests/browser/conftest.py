"""A real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.fixtures import CHROMIUM, _launch  # noqa: F401  (re-exported: tests/production)


def follow(page: Any, selector: str) -> Any:
    """Click a link or submit button and wait for the page it leads to: a bare click returns
    once the click is dispatched, and a check made then can still read the old page.
    30 s for the page to come: a form's POST (a leave request notifies, enqueues, marks days)
    took longer than the default 10 s on the loaded two-core CI machine while two browsers ran."""
    with page.expect_navigation(timeout=30_000):
        page.click(selector)
    return page


@pytest.fixture
def login(page: Any, live_server: Any) -> Any:
    def do(username: str, password: str) -> Any:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        return page

    return do
