"""The real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright: the
`browser` and `page` fixtures, registered once for the whole suite (root conftest.py's
pytest_plugins). One per test process: Playwright's sync API refuses a second instance
while the first runs, so every test directory must share this one, not import its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("ETIME_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}; `./etimectl test` installs it (apt-get install chromium).")
    # Playwright's sync API keeps an event loop running in this thread for as long as the
    # browser lives; the ORM calls tests and pytest-django make meanwhile are synchronous
    # and safe. Set for the browser's lifetime only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


_PLAYWRIGHT: list[Any] = []  # the one Playwright instance, while the browser fixture runs


@pytest.fixture(scope="session")
def playwright_instance(browser: Any) -> Any:
    """The Playwright instance behind ``browser``, for a test that needs a second Chromium
    launched with other flags (e.g. a fake camera): never start a second one."""
    return _PLAYWRIGHT[0]


def _launch() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        _PLAYWRIGHT.append(playwright)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()
            _PLAYWRIGHT.clear()


@pytest.fixture
def page(browser: Any, request: Any) -> Iterator[Any]:
    # The installable app's service worker (static/pwa/) precaches pages and registers a device
    # credential in the background: requests that may still run while a test's database is
    # flushed. Only tests marked ``service_workers`` (tests/browser/test_pwa.py) let it run.
    workers = "allow" if request.node.get_closest_marker("service_workers") else "block"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers=workers)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
