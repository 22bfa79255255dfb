"""Issue 23 in a real browser, on a desktop and on a phone viewport: the manager opens an
inbox row and approves from the request's page; a bulk rejection asks for confirmation and a
reason (Cancel and Esc do nothing); the leave form starts on the type with days, previews a
morning as 0.5 day and warns of an overlap and a short balance before anything is sent;
Ctrl-K opens the command palette, which starts a timer and jumps to a person, and "?" lists
the shortcuts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.conftest import follow
from tests.browser.test_self_service_pages import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request: Any, page: Any) -> str:
    page.set_viewport_size(VIEWPORTS[request.param])
    return str(request.param)


def _monday_ahead() -> date:
    """A Monday at least three weeks ahead whose week lies within one calendar year."""
    start = timezone.localdate() + timedelta(days=21)
    start += timedelta(days=(7 - start.weekday()) % 7)
    if (start + timedelta(days=4)).year != start.year:
        start += timedelta(days=7)
    return start


@pytest.fixture
def vacation(people: Any) -> Any:
    from leave.services import allocation_create
    from leave.tests.factories import make_leave_type

    leave_type = make_leave_type("vacation", "Vacation")
    year = _monday_ahead().year
    for person in (people.alice, people.amir):
        allocation_create(employee=person, leave_type=leave_type, year=year, days=Decimal(10), actor=people.admin)
    return leave_type


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_manager_opens_an_inbox_row_and_approves_from_its_page(
    people: Any, vacation: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from leave.models import LeaveRequest
    from leave.tests.factories import submit

    monday = _monday_ahead()
    leave = submit(people.alice, vacation, monday, monday + timedelta(days=2))
    submit(people.amir, vacation, monday + timedelta(days=1))
    page = login("bob@example.com", PASSWORD)
    if page.locator("[data-testid=menu-toggle]").is_visible():  # a phone: the links fold behind Menu
        page.click("[data-testid=menu-toggle]")
    follow(page, "[data-testid=nav-inbox]")
    follow(page, "[data-testid=inbox-row]:has-text('Alice Able') [data-testid=inbox-open]")
    detail = page.locator("[data-testid=leave-detail]")
    expect(detail).to_be_visible()
    assert (
        page.inner_text("[data-testid=leave-detail-before]") == "10"
        and page.inner_text("[data-testid=leave-detail-after]") == "7"
    )
    expect(page.locator("[data-testid=team-off]")).to_contain_text("Amir Adept")
    _no_horizontal_scroll(page)
    shot(page, f"inbox-detail-{viewport}", full_page=True)
    page.fill("#id_comment", "Enjoy")
    follow(page, "[data-testid=detail-approve]")
    assert page.url.endswith("/inbox/")
    expect(page.locator(".messages")).to_contain_text("Decision recorded.")
    expect(page.locator("[data-testid=inbox-row]", has_text="Alice")).to_have_count(0)
    leave.refresh_from_db()
    assert leave.status == "approved"
    assert LeaveRequest.objects.get(employee=people.amir).status == "pending"


def test_bulk_reject_asks_for_confirmation_and_a_reason_and_cancel_does_nothing(
    people: Any, vacation: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from etime.core.models import ApprovalRequest
    from leave.tests.factories import submit

    leave = submit(people.alice, vacation, _monday_ahead())
    page = login("bob@example.com", PASSWORD)
    page.goto(f"{live_server.url}/inbox/")
    page.locator("[data-testid=inbox-row]", has_text="Alice").locator("input[type=checkbox]").check()
    dialog = page.locator("[data-testid=reject-dialog]")

    page.click("[data-testid=inbox-reject]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Requests to reject: 1.")
    expect(page.locator("[data-testid=reject-dialog-comment]")).to_be_focused()
    page.click("[data-testid=reject-dialog-cancel]")
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-testid=inbox-reject]")).to_be_focused()  # focus returns

    page.click("[data-testid=inbox-reject]")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.click("[data-testid=inbox-reject]")
    page.click("[data-testid=reject-dialog-confirm]")  # no reason yet: nothing is sent
    expect(page.locator("[data-testid=reject-dialog-error]")).to_be_visible()
    shot(page, f"inbox-reject-dialog-{viewport}")
    assert ApprovalRequest.objects.get(object_id=str(leave.pk)).status == "pending"
    expect(page.locator("[data-testid=inbox-row]", has_text="Alice")).to_have_count(1)

    page.fill("[data-testid=reject-dialog-comment]", "The team is at the trade fair")
    with page.expect_navigation():
        page.click("[data-testid=reject-dialog-confirm]")
    expect(page.locator("[data-testid=inbox-empty]")).to_be_visible()
    leave.refresh_from_db()
    assert leave.status == "rejected"
    approval = ApprovalRequest.objects.get(object_id=str(leave.pk))
    assert list(approval.steps.values_list("comment", flat=True)) == ["The team is at the trade fair"]


def test_the_leave_form_defaults_previews_a_morning_and_warns_before_submit(
    people: Any, vacation: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from leave.models import LeaveRequest
    from leave.tests.factories import make_leave_type, submit

    make_leave_type("annual", "Annual leave")  # first by name, no days: not the default
    monday = _monday_ahead()
    submit(people.alice, vacation, monday + timedelta(days=7))  # pending, a week later
    page = login("alice@example.com", PASSWORD)
    page.goto(f"{live_server.url}/leave/")
    selected = page.eval_on_selector("#id_leave_type", "s => s.options[s.selectedIndex].text")
    assert selected == "Vacation"

    # One day: full day / morning / afternoon instead of two checkboxes.
    page.fill("#id_start_date", monday.isoformat())
    page.locator("#id_start_date").dispatch_event("change")
    assert page.input_value("#id_end_date") == monday.isoformat()
    expect(page.locator("[data-testid=leave-day-part]")).to_be_visible()
    expect(page.locator("#id_start_half")).to_be_hidden()
    preview = page.locator("[data-testid=leave-preview]")
    expect(preview).to_contain_text("counts 1 working day(s)")
    page.get_by_role("radio", name="Morning").check()
    expect(preview).to_contain_text("counts 0.5 working day(s)")
    expect(preview).to_contain_text("after this request: 8.5")  # 10 − 1 pending − 0.5
    _no_horizontal_scroll(page)
    shot(page, f"leave-form-morning-{viewport}", full_page=True)

    # An overlap shows before submit.
    later = monday + timedelta(days=7)
    page.fill("#id_start_date", later.isoformat())
    page.fill("#id_end_date", later.isoformat())
    page.locator("#id_end_date").dispatch_event("change")
    expect(preview.locator("[data-code=leave_overlap]")).to_be_visible()

    # More days than available shows before submit; several days offer the midday checkboxes.
    page.fill("#id_start_date", monday.isoformat())
    page.fill("#id_end_date", (monday + timedelta(days=4)).isoformat())
    page.locator("#id_end_date").dispatch_event("change")
    expect(page.locator("#id_start_half")).to_be_visible()
    expect(page.locator("[data-testid=leave-day-part]")).to_be_hidden()
    page.fill("#id_start_date", monday.isoformat())
    page.fill("#id_end_date", (monday + timedelta(days=15)).isoformat())
    page.locator("#id_end_date").dispatch_event("change")
    expect(preview.locator("[data-code=insufficient_balance]")).to_contain_text("Not enough days")
    assert LeaveRequest.objects.filter(employee=people.alice).count() == 1  # nothing was sent

    # The morning, sent: half a day.
    page.fill("#id_start_date", monday.isoformat())
    page.fill("#id_end_date", monday.isoformat())
    page.locator("#id_end_date").dispatch_event("change")
    page.get_by_role("radio", name="Morning").check()
    follow(page, "[data-testid=leave-submit]")
    sent = LeaveRequest.objects.get(employee=people.alice, start_date=monday)
    assert (sent.days, sent.end_half, sent.start_half) == (Decimal("0.5"), True, False)


@pytest.fixture
def website(people: Any) -> Any:
    from timesheets import services
    from timesheets.models import Client, Project

    acme = services.client_save(client=Client(name="Acme AG", currency="CHF", country="CH"), actor=people.admin)
    return services.project_save(project=Project(client=acme, name="Website"), actor=people.admin)


def test_ctrl_k_starts_a_timer_and_question_mark_lists_the_shortcuts(
    people: Any, website: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from timesheets.models import TimeEntry

    page = login("alice@example.com", PASSWORD)
    palette = page.locator("[data-testid=palette]")
    page.keyboard.press("Control+k")
    expect(palette).to_be_visible()
    expect(page.locator("[data-testid=palette-input]")).to_be_focused()
    expect(page.locator("#palette-list [role=option]").first).to_have_text("Request leave")
    page.keyboard.type("webs")
    option = page.locator("#palette-list [role=option]", has_text="Start timer on Acme AG · Website")
    expect(option).to_have_attribute("aria-selected", "true")
    shot(page, f"palette-{viewport}")
    # Tab stays inside the dialog (the page behind is inert).
    for _ in range(4):
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('palette').contains(document.activeElement)")
    page.locator("[data-testid=palette-input]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    running = TimeEntry.objects.get(employee=people.alice, end__isnull=True)
    assert running.project_id == website.pk
    expect(page.locator("[data-testid=header-elapsed]")).to_be_visible()

    # "?" lists the shortcuts (on a phone, the "?" button in the header does).
    shortcuts = page.locator("[data-testid=shortcuts]")
    if viewport == "phone":
        page.click("[data-testid=shortcuts-link]")
    else:
        page.keyboard.press("?")
    expect(shortcuts).to_be_visible()
    expect(shortcuts).to_contain_text("Open the command palette")
    expect(shortcuts.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    shot(page, f"shortcuts-{viewport}")
    page.keyboard.press("Escape")
    expect(shortcuts).to_be_hidden()
    # Typing "?" in a field types it.
    page.goto(f"{live_server.url}/leave/")
    page.fill("#id_reason", "")
    page.locator("#id_reason").type("why?")
    expect(shortcuts).to_be_hidden()


def test_the_palette_jumps_to_a_person_in_reach(people: Any, login: Any, live_server: Any, viewport: str) -> None:
    page = login("bob@example.com", PASSWORD)
    page.keyboard.press("Control+k")
    page.keyboard.type("Alice")
    option = page.locator("#palette-list [role=option]", has_text="Alice Able (E003)")
    expect(option).to_be_visible()
    expect(page.locator("#palette-list [role=option]", has_text="Dave")).to_have_count(0)
    with page.expect_navigation():
        option.click()
    assert page.url.endswith(f"/people/{people.alice.pk}/")
    expect(page.get_by_role("heading", name="Alice Able")).to_be_visible()
    # Esc closes the palette, and "g i" goes to the inbox.
    page.keyboard.press("Control+k")
    expect(page.locator("[data-testid=palette]")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("[data-testid=palette]")).to_be_hidden()
    with page.expect_navigation():
        page.keyboard.press("g")
        page.keyboard.press("i")
    assert page.url.endswith("/inbox/")
