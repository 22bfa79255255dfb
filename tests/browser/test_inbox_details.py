"""Issue 23 in a real browser, on a desktop and a phone viewport: the manager opens a
timesheet, an attendance correction and a shift swap from the inbox, sees what each is
about (the week's entries by day; the punches the correction voids and adds; who works
which shift before and after the swap) and decides there: returns the timesheet (a return
without a comment is refused first), approves the correction, rejects the swap. The leave
request's page is tested in test_inbox_leave_palette.py."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.conftest import follow
from tests.browser.test_accessibility import AXE, axe_violations
from tests.browser.test_inbox_leave_palette import VIEWPORTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZURICH = ZoneInfo("Europe/Zurich")
MONDAY = date(2026, 3, 2)  # a past week: entries and punches are in the past whatever "today" is


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request: Any, page: Any) -> str:
    page.set_viewport_size(VIEWPORTS[request.param])
    page.add_init_script(path=str(AXE))  # axe-core on every page, for the detail pages' check
    return str(request.param)


def _at(day: date, hh_mm: str) -> datetime:
    hour, minute = (int(x) for x in hh_mm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=ZURICH)


def _fits(page: Any) -> None:
    """No sideways scrolling, and no serious or critical WCAG violation (axe-core)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")
    assert not axe_violations(page, page.url)


def _open_from_inbox(page: Any, live_server: Any, row_text: str) -> None:
    if page.locator("[data-testid=menu-toggle]").is_visible():  # a phone: the links fold behind Menu
        page.click("[data-testid=menu-toggle]")
    follow(page, "[data-testid=nav-inbox]")
    follow(page, f"[data-testid=inbox-row]:has-text('{row_text}') [data-testid=inbox-open]")


def test_a_timesheet_opens_with_its_entries_by_day_and_is_returned_with_a_comment(
    people: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from etime.core.models import ApprovalRequest
    from timesheets import services
    from timesheets.models import Client, Project, Task, Timesheet

    admin = people.admin
    acme = services.client_save(client=Client(name="Acme AG", currency="CHF", country="CH"), actor=admin)
    website = services.project_save(project=Project(client=acme, name="Website"), actor=admin)
    design = services.task_save(task=Task(project=website, name="Design"), actor=admin)
    thursday = MONDAY + timedelta(days=3)
    for start, end, description, task in (
        (_at(MONDAY, "09:00"), _at(MONDAY, "12:00"), "Homepage mockups", design),
        (_at(MONDAY, "13:00"), _at(MONDAY, "14:30"), "Client call", None),
        (_at(thursday, "08:00"), _at(thursday, "12:15"), "Contact form", None),
    ):
        services.time_entry_create(
            employee=people.alice,
            project=website,
            task=task,
            start=start,
            end=end,
            description=description,
            actor=people.alice.user,
        )
    sheet = services.timesheet_submit(employee=people.alice, week=MONDAY, actor=people.alice.user)

    page = login("bob@example.com", PASSWORD)
    _open_from_inbox(page, live_server, "Alice Able")
    detail = page.locator("[data-testid=timesheet-detail]")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("8:45 logged in all.")
    days = page.locator("[data-testid=timesheet-day]")
    expect(days).to_have_count(7)
    expect(days.nth(0)).to_contain_text("4:30 / 8:00")  # Monday: 3 h + 1.5 h of 8 h expected
    expect(days.nth(3)).to_contain_text("4:15")  # Thursday
    expect(days.nth(1)).to_contain_text("0:00")
    for text in ("Homepage mockups", "Design", "Client call", "Contact form"):
        expect(detail).to_contain_text(text)
    week_link = detail.get_by_role("link", name="Open the week")
    assert week_link.get_attribute("href").endswith(f"?week={MONDAY.isoformat()}")
    _fits(page)

    # Returning needs a comment saying what to change: nothing is decided without one.
    follow(page, "[data-testid=detail-return]")
    expect(page.locator("[data-testid=decision-form] [role=alert]")).to_contain_text("Say what to change")
    assert ApprovalRequest.objects.get(object_id=str(sheet.pk)).status == "pending"
    page.fill("#id_comment", "Thursday afternoon is missing")
    follow(page, "[data-testid=detail-return]")
    assert page.url.endswith("/inbox/")
    expect(page.locator(".messages")).to_contain_text("Decision recorded.")
    expect(page.locator("[data-testid=inbox-row]", has_text="Alice")).to_have_count(0)
    assert Timesheet.objects.get(pk=sheet.pk).status == "returned"


def test_a_correction_opens_with_the_punches_it_changes_and_is_approved(
    people: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from accounts.services import employee_update
    from attendance.models import Punch, Regularisation
    from attendance.services import PunchInput, punches_ingest
    from attendance.services.regularisations import regularisation_request

    day = MONDAY + timedelta(days=1)
    employee_update(employee=people.alice, actor=people.admin, device_user_id="1")
    device = uuid.UUID("00000000-0000-4000-8000-00000000c1c1")
    punches_ingest(
        device_id=device, records=[PunchInput(device_user_id="1", timestamp=_at(day, "08:47").astimezone(UTC))]
    )
    wrong = Punch.objects.get(employee=people.alice)
    correction = regularisation_request(
        employee=people.alice,
        day=day,
        reason="Badge reader was slow; I came at 08:00 and forgot to clock out",
        items=[
            {"timestamp": _at(day, "08:00").isoformat(), "direction": "in"},
            {"timestamp": _at(day, "17:05").isoformat(), "direction": "out"},
        ],
        replace_punch_ids=[wrong.pk],
        actor=people.alice.user,
    )

    page = login("bob@example.com", PASSWORD)
    _open_from_inbox(page, live_server, "Alice Able")
    detail = page.locator("[data-testid=correction-detail]")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("Badge reader was slow")
    expect(detail).to_contain_text("Europe/Zurich")
    stored = page.locator("[data-testid=correction-stored] li")
    expect(stored).to_have_count(1)
    expect(stored.first).to_contain_text("08:47")
    expect(stored.first.locator("del")).to_be_visible()  # struck through: the correction voids it
    expect(stored.first).to_contain_text("voided by this correction")
    added = page.locator("[data-testid=correction-added] li")
    expect(added).to_have_count(2)
    expect(added.nth(0)).to_contain_text("08:00")
    expect(added.nth(1)).to_contain_text("17:05")
    _fits(page)

    page.fill("#id_comment", "Thanks")
    follow(page, "[data-testid=detail-approve]")
    assert page.url.endswith("/inbox/")
    expect(page.locator(".messages")).to_contain_text("Decision recorded.")
    assert Regularisation.objects.get(pk=correction.pk).status == "approved"
    assert Punch.objects.filter(pk=wrong.pk, void__isnull=False).exists()
    assert sorted(
        p.timestamp.astimezone(ZURICH).strftime("%H:%M")
        for p in Punch.objects.filter(employee=people.alice, void__isnull=True)
    ) == ["08:00", "17:05"]


def _day_ahead() -> date:
    """A weekday at least two weeks ahead (a swap is for a day still to come)."""
    day = timezone.localdate() + timedelta(days=14)
    return day + timedelta(days=(7 - day.weekday()) % 7 + 1)  # a Tuesday


def test_a_shift_swap_opens_with_who_works_what_before_and_after_and_is_rejected(
    people: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from attendance.models import RequestStatus, Shift, ShiftSwapRequest
    from attendance.services import override_set, shift_save, swap_request
    from etime.core import approvals
    from etime.core.models import ApprovalRequest

    early = shift_save(shift=Shift(name="Early", code="E", start_time=time(6), end_time=time(14)), actor=None)
    late = shift_save(shift=Shift(name="Late", code="L", start_time=time(14), end_time=time(22)), actor=None)
    day = _day_ahead()
    override_set(employee=people.alice, day=day, shift=early, actor=people.admin)
    override_set(employee=people.amir, day=day, shift=late, actor=people.admin)
    swap = swap_request(
        requester=people.alice,
        counterpart=people.amir,
        day=day,
        reason="Dentist in the morning",
        actor=people.alice.user,
    )
    # Amir agrees first (the consent level); then the swap waits for their manager.
    consent = approvals.request_for(swap)
    assert consent is not None
    approvals.decide(request=consent, actor=people.amir.user, decision="approve", comment="")

    page = login("bob@example.com", PASSWORD)
    _open_from_inbox(page, live_server, "Alice Able")
    detail = page.locator("[data-testid=swap-detail]")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("Dentist in the morning")
    rows = page.locator("[data-testid=swap-row]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Alice Able")
    expect(rows.nth(0).locator("[data-testid=swap-now]")).to_contain_text("Early 06:00–14:00")
    expect(rows.nth(0).locator("[data-testid=swap-after]")).to_contain_text("Late 14:00–22:00")
    expect(rows.nth(1)).to_contain_text("Amir Adept")
    expect(rows.nth(1).locator("[data-testid=swap-now]")).to_contain_text("Late")
    expect(rows.nth(1).locator("[data-testid=swap-after]")).to_contain_text("Early")
    expect(page.get_by_text("Amir Adept, Approve")).to_be_visible()  # his consent, under decisions so far
    _fits(page)

    page.fill("#id_comment", "We are short in the morning that day")
    follow(page, "[data-testid=detail-reject]")
    assert page.url.endswith("/inbox/")
    expect(page.locator(".messages")).to_contain_text("Decision recorded.")
    assert ShiftSwapRequest.objects.get(pk=swap.pk).status == RequestStatus.REJECTED
    assert ApprovalRequest.objects.get(object_id=str(swap.pk)).status == "rejected"
