"""Issue #23 in a real Chromium, on a desktop and a phone screen: the header starts a timer
in one click on the last project and task and ticks in h:mm:ss (Playwright's clock moves
the page's time, no sleeps); ▶ continues a past entry; a timer stopped within its first
minute is kept as a minute or discarded as the person chose; a second tab's header follows
a start and a stop made in the first; the bell counts a leave decision and clears when read."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.conftest import follow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}
CLOCK = re.compile(r"^(\d+):(\d\d):(\d\d)$")


@pytest.fixture(params=sorted(SCREENS))
def screen(request: Any) -> dict[str, int]:
    return SCREENS[request.param]


@pytest.fixture
def last_entry(people: Any) -> Any:
    """Alice's entry of a few minutes today on Website · Design (what she did last)."""
    from etime.core.zones import employee_zone
    from timesheets import services
    from timesheets.models import Client, Project, Task

    admin = people.admin
    acme = services.client_save(client=Client(name="Acme AG", currency="CHF", country="CH"), actor=admin)
    website = services.project_save(project=Project(client=acme, name="Website"), actor=admin)
    services.project_save(project=Project(client=acme, name="Support"), actor=admin)
    design = services.task_save(task=Task(project=website, name="Design"), actor=admin)
    now = timezone.now()
    midnight = datetime.combine(
        now.astimezone(employee_zone(people.alice)).date(), datetime.min.time(), tzinfo=employee_zone(people.alice)
    )
    start = max(now - timedelta(minutes=20), midnight)
    return services.time_entry_create(
        employee=people.alice,
        project=website,
        task=design,
        start=start,
        end=start + timedelta(minutes=1),
        description="Wireframes",
        actor=people.alice.user,
    )


def _context(browser: Any, screen: dict[str, int]) -> Any:
    context = browser.new_context(viewport=screen, service_workers="block")
    context.set_default_timeout(10_000)
    return context


def _login(page: Any, live_server: Any, username: str = "alice@example.com") -> Any:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    return page


def _seconds(text: str) -> int:
    match = CLOCK.match(text.strip())
    assert match, text
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _fits(page: Any, screen: dict[str, int]) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= screen["width"]


def test_one_click_start_from_the_header_ticks_in_hours_minutes_seconds(
    people: Any, last_entry: Any, browser: Any, live_server: Any, screen: dict[str, int]
) -> None:
    from timesheets.models import TimeEntry

    context = _context(browser, screen)
    context.clock.install()
    page = _login(context.new_page(), live_server)
    page.goto(f"{live_server.url}/people/")
    start = page.locator("[data-testid=header-start]")
    expect(start).to_be_visible()
    expect(start).to_contain_text("Website · Design")
    _fits(page, screen)
    follow(page, "[data-testid=header-start]")
    assert page.url.endswith("/people/")  # back where the click was
    running = TimeEntry.objects.get(employee=people.alice, end__isnull=True)
    assert (running.project_id, running.task_id) == (last_entry.project_id, last_entry.task_id)

    elapsed = page.locator("[data-testid=header-elapsed]")
    expect(elapsed).to_be_visible()
    before = _seconds(elapsed.inner_text())
    assert before < 5
    page.clock.run_for("01:05")  # the page's clock: 65 seconds later, timers fired as they fall due
    after = _seconds(elapsed.inner_text())
    assert 65 <= after - before <= 67, (before, after)
    page.clock.run_for("59:00")  # past the hour: h:mm:ss keeps counting
    assert _seconds(elapsed.inner_text()) - after == 59 * 60 and elapsed.inner_text().startswith("1:00:")
    _fits(page, screen)
    context.close()


def test_continue_on_a_past_entry_starts_its_project_task_and_description(
    people: Any, last_entry: Any, browser: Any, live_server: Any, screen: dict[str, int]
) -> None:
    from timesheets.models import TimeEntry

    context = _context(browser, screen)
    page = _login(context.new_page(), live_server)
    page.goto(f"{live_server.url}/time/")
    row = page.locator(f"[data-testid=entry-row][data-entry='{last_entry.pk}']")
    expect(row).to_contain_text("Wireframes")
    with page.expect_navigation():
        row.locator("[data-testid=entry-continue]").click()
    expect(page.locator("[data-testid=running-timer]")).to_contain_text("Website")
    expect(page.locator("[data-testid=header-timer]")).to_contain_text("Website · Design")
    running = TimeEntry.objects.get(employee=people.alice, end__isnull=True)
    assert (running.task_id, running.description) == (last_entry.task_id, "Wireframes") and running.pk != last_entry.pk
    _fits(page, screen)
    context.close()


@pytest.mark.parametrize("choice", ["keep", "discard"])
def test_a_timer_stopped_within_its_first_minute_follows_the_persons_choice(
    people: Any, last_entry: Any, browser: Any, live_server: Any, choice: str
) -> None:
    from timesheets.models import TimeEntry, TimeEntryDeletion

    context = _context(browser, SCREENS["phone" if choice == "discard" else "desktop"])
    page = _login(context.new_page(), live_server)
    page.goto(f"{live_server.url}/time/")
    page.check(f"[data-testid=short-timers-{choice}]")
    follow(page, "[data-testid=short-timer-save]")
    expect(page.locator("[data-testid=short-timers-" + choice + "]")).to_be_checked()

    follow(page, "[data-testid=header-start]")
    follow(page, "[data-testid=header-stop]")  # seconds after the start
    entries = TimeEntry.objects.filter(employee=people.alice).exclude(pk=last_entry.pk)
    if choice == "keep":
        stopped = entries.get()
        assert stopped.end is not None
        assert stopped.end - stopped.start == timedelta(minutes=1)
        expect(page.locator(".messages")).to_contain_text("0:01 logged")
        # Editable again: its form shows a minute and saves as it is.
        page.goto(f"{live_server.url}/time/entries/{stopped.pk}/")
        assert page.input_value("#id_start") != page.input_value("#id_end")
        follow(page, "[data-testid=entry-save]")
        expect(page.locator(".messages")).to_contain_text("saved")
    else:
        assert not entries.exists()
        assert TimeEntryDeletion.objects.filter(reason="discarded").count() == 1
        expect(page.locator(".messages")).to_contain_text("discarded")
    expect(page.locator("[data-testid=header-start]")).to_be_visible()
    context.close()


def test_a_second_tabs_header_follows_a_start_and_a_stop_in_the_first(
    people: Any, last_entry: Any, browser: Any, live_server: Any, screen: dict[str, int]
) -> None:
    context = _context(browser, screen)
    first = _login(context.new_page(), live_server)
    second = context.new_page()  # the same browser, signed in: another tab
    first.goto(f"{live_server.url}/people/")
    second.goto(f"{live_server.url}/leave/")
    expect(second.locator("[data-testid=header-start]")).to_be_visible()

    follow(first, "[data-testid=header-start]")
    expect(first.locator("[data-testid=header-stop]")).to_be_visible()
    # No reload in the second tab: its header asks the server again when told.
    expect(second.locator("[data-testid=header-stop]")).to_be_visible()
    expect(second.locator("[data-testid=header-elapsed]")).to_have_text(CLOCK)
    assert second.url.endswith("/leave/")
    # Stopping from the second tab's refreshed header returns there and frees the first.
    follow(second, "[data-testid=header-stop]")
    assert second.url.endswith("/leave/")
    expect(first.locator("[data-testid=header-start]")).to_be_visible()
    _fits(second, screen)
    context.close()


def test_the_bell_counts_a_leave_decision_and_clears_when_read(
    people: Any, browser: Any, live_server: Any, screen: dict[str, int]
) -> None:
    import time_machine

    from etime.ops.models import InAppNotification
    from leave.services import allocation_create, leave_request_decide
    from leave.tests.factories import make_leave_type, submit

    context = _context(browser, screen)
    page = _login(context.new_page(), live_server)
    expect(page.locator("[data-testid=bell]")).to_be_visible()
    expect(page.locator("[data-testid=bell-count]")).to_have_count(0)

    vacation = make_leave_type("vacation", "Vacation")
    with time_machine.travel(date(2026, 3, 2), tick=False):
        allocation_create(employee=people.alice, leave_type=vacation, year=2026, days=Decimal(10), actor=people.admin)
        request = submit(people.alice, vacation, date(2026, 6, 1), date(2026, 6, 2))
        leave_request_decide(request=request, actor=people.alice.manager.user, decision="reject", comment="Busy week")
    unread = InAppNotification.objects.filter(user=people.alice.user, read_at__isnull=True).count()
    assert unread >= 1  # submitted (when mailed to her) and rejected

    page.reload()
    count = page.locator("[data-testid=bell-count]")
    expect(count).to_have_text(str(unread))
    _fits(page, screen)
    follow(page, "[data-testid=bell]")
    items = page.locator("[data-testid=notification]")
    expect(items).to_have_count(unread)
    rejected = items.filter(has_text="rejected")
    expect(rejected).to_have_count(1)
    with page.expect_navigation():
        rejected.locator("[data-testid=notification-open]").click()
    assert page.url.endswith("/leave/")  # the object: her leave page
    expect(page.locator("[data-testid=bell-count]")).to_have_count(1 if unread > 1 else 0)
    if unread > 1:
        page.goto(f"{live_server.url}/notifications/")
        follow(page, "[data-testid=read-all]")
    expect(page.locator("[data-testid=bell-count]")).to_have_count(0)
    assert not InAppNotification.objects.filter(user=people.alice.user, read_at__isnull=True).exists()
    context.close()
