"""Time tracking in a real browser: timer start/stop, an overlapping entry merged, the week
submitted; a manager's read-only view of it; the pages without JavaScript and on a phone.

Screenshots go to ``$ETIME_ARTIFACTS_DIR`` (default ``artifacts/screenshots/``)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from conftest import PASSWORD
from tests.browser.conftest import follow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(os.environ.get("ETIME_ARTIFACTS_DIR", "artifacts/screenshots"))


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"timesheets-{name}.png"), full_page=True)


@pytest.fixture
def projects(people: Any) -> Any:
    from timesheets import services
    from timesheets.models import Client, Project, Task

    acme = services.client_save(client=Client(name="Acme AG", currency="CHF", country="CH"), actor=people.admin)
    website = services.project_save(project=Project(client=acme, name="Website"), actor=people.admin)
    services.project_save(project=Project(client=acme, name="Support"), actor=people.admin)
    services.task_save(task=Task(project=website, name="Design"), actor=people.admin)
    return website


def _other_day_this_week() -> Any:
    """A day of the current week (Zurich) that is not today, so the entries made there
    never meet the timer started now."""
    from timesheets.models import week_start_of
    from timesheets.tests.conftest import ZURICH

    today = timezone.now().astimezone(ZURICH).date()
    monday = week_start_of(today)
    return monday if today != monday else monday + timedelta(days=1)


def _add_entry(page: Any, live_server: Any, day: Any, start: str, end: str, project: str, description: str) -> None:
    page.goto(f"{live_server.url}/time/entries/new/?date={day.isoformat()}")
    page.fill("#id_start", start)
    page.fill("#id_end", end)
    page.select_option("#id_project", label=project)
    page.fill("#id_description", description)
    follow(page, "[data-testid=entry-save]")


def test_employee_times_work_resolves_an_overlap_and_submits_the_week(
    people: Any, projects: Any, login: Any, live_server: Any
) -> None:
    from timesheets.models import TimeEntry, Timesheet

    page = login("alice@example.com", PASSWORD)
    follow(page, "[data-testid=nav-timer]")
    assert page.get_by_role("heading", name="Timer", exact=True).is_visible()

    # The task picker offers only the chosen project's tasks (progressive enhancement).
    page.select_option("#id_project", label="Acme AG · Support")
    assert page.locator("#id_task option", has_text="Design").is_disabled()
    page.select_option("#id_project", label="Acme AG · Website")
    page.select_option("#id_task", label="Website · Design")
    page.fill("#id_description", "Wireframes")
    page.press("#id_description", "Enter")  # keyboard: Enter in the form starts the timer
    page.wait_for_selector("[data-testid=running-timer]")
    assert page.inner_text("[data-testid=header-timer]").startswith("Website · Design")
    _shot(page, "timer-running")

    # The running timer follows every page; stop it from the header.
    page.goto(f"{live_server.url}/people/")
    assert page.locator("[data-testid=header-stop]").is_visible()
    page.click("[data-testid=header-stop]")
    page.wait_for_selector("[data-testid=header-start]")
    assert page.url.endswith("/people/")
    assert page.locator(".messages").inner_text().startswith("Timer stopped")
    stopped = TimeEntry.objects.get(employee=people.alice)
    assert stopped.end is not None and stopped.description == "Wireframes"

    # An overlapping entry on another project shows the conflict marked as such and offers
    # no merge (issue #17); Keep mine trims the other entry, whose project keeps its time.
    day = _other_day_this_week()
    _add_entry(page, live_server, day, "09:00", "10:00", "Acme AG · Website", "Standup")
    assert page.locator(f"[data-testid=day-{day.isoformat()}] [data-testid=entry-row]").count() == 1
    _add_entry(page, live_server, day, "09:30", "11:00", "Acme AG · Support", "Customer call")
    conflict = page.locator("[data-testid=overlap-conflict]")
    assert conflict.is_visible() and "Standup" in conflict.inner_text()
    assert conflict.locator("[data-testid=conflict-differs]").count() == 1
    assert conflict.locator("[data-testid=resolve-merge]").count() == 0
    _shot(page, "overlap-conflict")
    follow(page, "[data-testid=resolve-keep-mine]")
    rows = page.locator(f"[data-testid=day-{day.isoformat()}] [data-testid=entry-row]")
    assert rows.count() == 2
    assert "09:00–09:30" in rows.nth(0).inner_text() and "Standup" in rows.nth(0).inner_text()
    assert "09:30–11:00" in rows.nth(1).inner_text() and "Customer call" in rows.nth(1).inner_text()
    assert page.locator(".messages").inner_text() == "Entry saved; the overlapping entries were trimmed around it."

    # Totals, then submit the week.
    assert "Support" in page.inner_text("[data-testid=week-grid]")
    _shot(page, "my-week")
    follow(page, "[data-testid=week-submit]")
    assert page.inner_text("[data-testid=timesheet-status]") == "Submitted"
    assert page.locator("[data-testid=entry-edit]").count() == 0
    assert Timesheet.objects.get(employee=people.alice).status == "submitted"
    _shot(page, "week-submitted")

    # On a phone the week still reads and the header timer link stays reachable.
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert page.locator("[data-testid=header-start]").is_visible()
    assert page.locator("[data-testid=week-submit]").count() == 0
    _shot(page, "my-week-phone")


def test_manager_opens_a_reports_week_read_only(people: Any, projects: Any, login: Any, live_server: Any) -> None:
    from timesheets import services
    from timesheets.tests.conftest import at

    day = _other_day_this_week()
    services.time_entry_create(
        employee=people.alice,
        project=projects,
        start=at(day, "08:00"),
        end=at(day, "12:00"),
        description="Release",
        actor=people.alice.user,
    )
    page = login("bob@example.com", PASSWORD)
    follow(page, "[data-testid=nav-week]")
    page.select_option("#team-member", label="Able, Alice (E003)")
    follow(page, "text=Show week")
    assert page.get_by_role("heading", name="Week of Alice Able").is_visible()
    assert "Release" in page.inner_text(f"[data-testid=day-{day.isoformat()}]")
    assert page.locator("[data-testid=entry-edit]").count() == 0
    _shot(page, "manager-team-week")

    page.context.clear_cookies()
    page = login("dave@example.com", PASSWORD)
    response = page.goto(page.url.split("/time/")[0] + f"/time/people/{people.alice.pk}/week/")
    assert response is not None and response.status == 404


def test_timer_works_without_javascript(browser: Any, people: Any, projects: Any, live_server: Any) -> None:
    from timesheets.models import TimeEntry

    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "amir@example.com")
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.goto(f"{live_server.url}/time/")
        page.select_option("#id_project", label="Acme AG · Website")
        page.click("[data-testid=timer-start]")
        assert page.locator("[data-testid=running-project]").inner_text() == "Website"
        page.click("[data-testid=timer-stop]")
        assert page.locator("[data-testid=timer-form]").is_visible()
        assert TimeEntry.objects.filter(employee=people.amir, end__isnull=False).count() == 1
        _shot(page, "timer-no-js-phone")
    finally:
        context.close()
