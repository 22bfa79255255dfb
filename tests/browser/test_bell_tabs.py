"""Issue 23 in a real browser, on a desktop and a phone viewport: two tabs of one person. A
notification that arrives shows on the bell of a tab that loads a page, and the other tab's
bell follows without a reload; marking it read in one clears the other's count; a tab left
alone finds a new notification by itself within a minute (Playwright's clock moves the
pages' time, no sleeps) and tells the other tab."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.conftest import follow
from tests.browser.test_inbox_leave_palette import VIEWPORTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=sorted(VIEWPORTS))
def screen(request: Any) -> dict[str, int]:
    return VIEWPORTS[request.param]


def _notify(person: Any, subject: str) -> None:
    from etime.ops.models import NotificationKind
    from etime.ops.notifications import notify

    notify(person.user, NotificationKind.TIMESHEET_RETURNED, subject, "Please fill in Thursday.", link="/time/week/")


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")


def test_a_second_tabs_bell_follows_a_notification_and_its_reading_in_the_first(
    people: Any, browser: Any, live_server: Any, screen: dict[str, int]
) -> None:
    context = browser.new_context(viewport=screen, service_workers="block")
    context.set_default_timeout(10_000)
    context.clock.install()  # the pages' timers run when the test says so
    first = context.new_page()
    first.goto(f"{live_server.url}/accounts/login/")
    first.fill("#id_username", "alice@example.com")
    first.fill("#id_password", PASSWORD)
    with first.expect_navigation():
        first.click("main button[type=submit]")
    second = context.new_page()  # the same browser, signed in: another tab
    second.goto(f"{live_server.url}/leave/")
    for tab in (first, second):
        expect(tab.locator("[data-testid=bell]")).to_be_visible()
        expect(tab.locator("[data-testid=bell-count]")).to_have_count(0)

    # A notification arrives; the first tab sees it on its next page, and tells the second.
    _notify(people.alice, "Your timesheet was returned")
    first.goto(f"{live_server.url}/people/")
    expect(first.locator("[data-testid=bell-count]")).to_have_text("1")
    expect(second.locator("[data-testid=bell-count]")).to_have_text("1")  # no reload there
    expect(second.locator("[data-testid=bell]")).to_have_attribute("aria-label", "Notifications, 1 unread")
    assert second.url.endswith("/leave/")
    _fits(second)

    # Read in the second tab: the first tab's count goes.
    follow(second, "[data-testid=bell]")
    follow(second, "[data-testid=notification-read]")
    expect(second.locator("[data-testid=bell-count]")).to_have_count(0)
    expect(first.locator("[data-testid=bell-count]")).to_have_count(0)
    assert first.url.endswith("/people/")

    # Nobody navigates: within a minute a tab asks the server itself, and tells the other.
    _notify(people.alice, "Your timesheet was returned again")
    second.clock.run_for("01:01")
    expect(second.locator("[data-testid=bell-count]")).to_have_text("1")
    expect(first.locator("[data-testid=bell-count]")).to_have_text("1")
    # The bell still opens the list, with the notification unread.
    follow(first, "[data-testid=bell]")
    expect(first.locator("[data-testid=notification][data-read='0']")).to_have_count(1)
    context.close()
