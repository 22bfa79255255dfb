"""Issue 8 in a real browser: an employee clocks in and requests leave (with the live
preview of the days it counts), the manager approves from the inbox, the employee sees it.
Screenshots of the main pages go to artifacts/screenshots/ (gitignored; docs/img/ holds the
ones the user manual shows)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.conftest import follow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def shot(page: Any, name: str, *, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def _leave_week() -> tuple[date, date]:
    """Monday to Wednesday of a week at least three weeks ahead, within one calendar year."""
    start = timezone.localdate() + timedelta(days=21)
    start += timedelta(days=(7 - start.weekday()) % 7)
    if (start + timedelta(days=2)).year != start.year:
        start += timedelta(days=7)
    return start, start + timedelta(days=2)


@pytest.fixture
def vacation(people: Any) -> Any:
    from leave.services import allocation_create
    from leave.tests.factories import make_leave_type

    leave_type = make_leave_type("vacation", "Vacation")
    start, _end = _leave_week()
    allocation_create(
        employee=people.alice, leave_type=leave_type, year=start.year, days=Decimal(20), actor=people.admin
    )
    return leave_type


def test_employee_clocks_in_requests_leave_and_sees_the_managers_approval(
    people: Any, vacation: Any, login: Any, live_server: Any
) -> None:
    start, end = _leave_week()

    # The employee clocks in from the home page.
    page = login("alice@example.com", PASSWORD)
    assert page.get_by_role("link", name="Skip to content").count() == 1
    page.click("[data-testid=clock-in]")
    expect(page.locator("[data-testid=clock-status]")).to_contain_text("Clocked in")
    expect(page.locator("[data-testid=clock-out]")).to_be_visible()
    # With JavaScript the vendored Chart.js draws the overtime trend (the table stays below it).
    assert page.locator("[data-testid=overtime-panel] .chart-box canvas").is_visible()
    assert page.evaluate("typeof window.Chart") == "function" and page.evaluate("typeof window.htmx") == "object"
    shot(page, "home-employee", full_page=True)

    follow(page, "[data-testid=nav-attendance]")
    assert page.locator("[data-testid=month-calendar]").is_visible()
    shot(page, "my-attendance", full_page=True)

    # Leave: the preview counts the working days before anything is sent (htmx).
    follow(page, "[data-testid=nav-leave]")
    page.select_option("#id_leave_type", label="Vacation")
    page.fill("#id_start_date", start.isoformat())
    page.fill("#id_end_date", end.isoformat())
    page.locator("#id_end_date").dispatch_event("change")
    preview = page.locator("[data-testid=leave-preview]")
    # The start date alone already previews a one-day request: wait for the whole range.
    expect(preview).to_contain_text("counts 3 working day(s)")
    assert "17" in preview.inner_text()
    page.fill("#id_reason", "Family visit")
    shot(page, "leave-request", full_page=True)
    follow(page, "[data-testid=leave-submit]")
    assert page.locator("[data-testid=request-row]", has_text="Pending").count() == 1

    # The manager approves it from the inbox.
    page.context.clear_cookies()
    page = login("bob@example.com", PASSWORD)
    assert page.locator("[data-testid=home-waiting]").is_visible()
    follow(page, "[data-testid=nav-inbox]")
    row = page.locator("[data-testid=inbox-row]", has_text="Alice")
    assert row.count() == 1
    row.locator("input[type=checkbox]").check()
    page.fill("#id_comment", "Enjoy")
    shot(page, "inbox", full_page=True)
    follow(page, "[data-testid=inbox-approve]")
    assert page.locator("[data-testid=inbox-empty]").is_visible()

    follow(page, "[data-testid=nav-team-today]")
    assert page.locator("[data-testid=team-today-row][data-state=in]", has_text="Alice").count() == 1
    shot(page, "team-today", full_page=True)
    follow(page, "[data-testid=nav-leave-calendar]")
    shot(page, "team-calendar")

    # The employee sees the approval.
    page.context.clear_cookies()
    page = login("alice@example.com", PASSWORD)
    follow(page, "[data-testid=nav-leave]")
    assert page.locator("[data-testid=request-row]", has_text="Approved").count() == 1
    page.goto(f"{live_server.url}/profile/")
    shot(page, "profile", full_page=True)


def test_pages_read_without_javascript_and_in_german_on_a_phone(
    people: Any, vacation: Any, browser: Any, live_server: Any
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "alice@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Hallo, Alice").is_visible()
    # Without JavaScript the attendance chart's data is still there as a table.
    assert page.locator("[data-testid=overtime-table]").is_visible()
    assert not page.locator("[data-testid=overtime-panel] .chart-box").is_visible()
    shot(page, "home-phone-de", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    # Without JavaScript the "check" button does what htmx does: the page comes back with the preview.
    start, end = _leave_week()
    page.goto(f"{live_server.url}/leave/")
    page.fill("#id_start_date", start.isoformat())
    page.fill("#id_end_date", end.isoformat())
    page.click("[data-testid=leave-check]")
    assert "3" in page.inner_text("[data-testid=leave-preview]")
    context.close()
    assert width <= 375
