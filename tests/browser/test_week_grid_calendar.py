"""My week's grid and the calendar in a real Chromium (issue #23), on a desktop and a phone
viewport: the grid filled by keyboard only in German (Tab/arrows, 1,5 and 1:30, Enter
saves), a refused cell shown under it, copy last week and bulk edit; the calendar driven
with the mouse: drag to create, move, resize, and a move into another entry opening the
overlap dialog (Cancel puts it back, Keep theirs saves around). No CSP violation on the way.

The week is 2 March 2026 (Zurich), passed in the URL: nothing depends on today's date."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.conftest import follow
from timesheets.tests.conftest import MONDAY, ZURICH, at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(os.environ.get("ETIME_ARTIFACTS_DIR", "artifacts/screenshots"))
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def catalog_(people: Any) -> Any:
    from timesheets import services
    from timesheets.models import Client, Project, Task

    acme = services.client_save(client=Client(name="Acme AG", currency="CHF", country="CH"), actor=people.admin)
    website = services.project_save(project=Project(client=acme, name="Website"), actor=people.admin)
    support = services.project_save(project=Project(client=acme, name="Support"), actor=people.admin)
    design = services.task_save(task=Task(project=website, name="Design"), actor=people.admin)
    return {"website": website, "support": support, "design": design}


def _entry(people: Any, project: Any, start: Any, end: Any, description: str = "", task: Any = None) -> Any:
    from timesheets import services

    return services.time_entry_create(
        employee=people.alice,
        project=project,
        task=task,
        start=start,
        end=end,
        description=description,
        actor=people.alice.user,
    )


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"timesheets-{name}.png"), full_page=True)


def _csp_watch(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def _local(entry: Any) -> tuple[str, str]:
    entry.refresh_from_db()
    return entry.start.astimezone(ZURICH).strftime("%H:%M"), entry.end.astimezone(ZURICH).strftime("%H:%M")


# --- week grid -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_week_grid_is_filled_and_saved_by_keyboard_only_in_german(
    people: Any, catalog_: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from timesheets.models import TimeEntry

    people.alice.user.language = "de"
    people.alice.user.save()
    website = catalog_["website"]
    monday_entry = _entry(people, website, at(MONDAY, "08:00"), at(MONDAY, "09:00"))
    page = login("alice@example.com", PASSWORD)
    page.set_viewport_size(VIEWPORTS[viewport])
    seen = _csp_watch(page)
    page.goto(f"{live_server.url}/time/week/?week={MONDAY.isoformat()}")
    first = page.locator("[data-testid=grid-row] [data-testid=grid-cell-0]")
    assert first.input_value() == "1:00"

    # Reach the grid with the keyboard: Tab from the week picker's Go button lands in it.
    page.focus("#week-jump")
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-grid-cell')"):
            break
    assert page.evaluate("document.activeElement.name") == first.get_attribute("name")
    page.keyboard.type("1,5")  # the focused cell's text is selected: typing replaces it
    page.keyboard.press("ArrowRight")
    page.keyboard.type("1:30")  # Tuesday
    page.keyboard.press("ArrowDown")  # into the new row, Tuesday
    page.keyboard.type("45m")
    for _ in range(3):
        page.keyboard.press("Shift+Tab")  # back over Monday's cell and the task picker to the project picker
    assert page.evaluate("document.activeElement.getAttribute('data-testid')") == "grid-new-project"
    for _ in range(3):
        if (
            page.locator("[data-testid=grid-new-project]")
            .evaluate("s => s.selectedOptions[0].text")
            .endswith("Support")
        ):
            break
        page.keyboard.press("ArrowDown")
    assert page.locator("[data-testid=grid-new-project]").evaluate("s => s.selectedOptions[0].text").endswith("Support")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the new row's Monday cell
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".messages .msg-success").count() == 1
    assert _local(monday_entry) == ("08:00", "09:30")
    tuesday = TimeEntry.objects.get(employee=people.alice, date=TUESDAY, project=website)
    assert _local(tuesday) == ("09:00", "10:30")
    support = TimeEntry.objects.get(employee=people.alice, project=catalog_["support"])
    assert (support.date, _local(support)) == (TUESDAY, ("10:30", "11:15"))

    # A cell that is not a duration comes back marked, with nothing saved.
    cell = page.locator("[data-testid=grid-row]").first.locator("[data-testid=grid-cell-2]")
    cell.focus()
    page.keyboard.type("zwei")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("[data-testid=cell-error]").count() == 1
    assert page.locator("[data-testid=grid-row]").first.locator("[data-testid=grid-cell-2]").input_value() == "zwei"
    assert page.locator("[aria-invalid=true]").count() == 1
    assert TimeEntry.objects.filter(employee=people.alice).count() == 3
    _shot(page, f"week-grid-{viewport}")
    assert seen == []


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_copy_last_week_then_bulk_edit_the_copies(
    people: Any, catalog_: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from timesheets.models import TimeEntry

    last = MONDAY - timedelta(days=7)
    _entry(people, catalog_["website"], at(last, "09:00"), at(last, "10:00"), "Standup")
    _entry(people, catalog_["website"], at(last + timedelta(days=1), "14:00"), at(last + timedelta(days=1), "16:00"))
    page = login("alice@example.com", PASSWORD)
    page.set_viewport_size(VIEWPORTS[viewport])
    seen = _csp_watch(page)
    page.goto(f"{live_server.url}/time/week/?week={MONDAY.isoformat()}")
    follow(page, "[data-testid=copy-last-week]")
    assert "Copied 2 entries from last week." in page.inner_text(".messages")
    assert page.locator("[data-testid=grid-row]").count() == 1
    assert page.locator("[data-testid=grid-row] [data-testid=grid-cell-1]").input_value() == "2:00"

    page.locator("[data-testid=entry-select]").nth(0).check()
    page.locator("[data-testid=entry-select]").nth(1).check()
    page.select_option("[data-testid=bulk-project]", label="Acme AG · Website")
    page.select_option("[data-testid=bulk-task]", label="Website · Design")
    page.select_option("[data-testid=bulk-billable]", "no")
    page.fill("[data-testid=bulk-description]", "Design review")
    follow(page, "[data-testid=bulk-apply]")
    assert "Changed 2 entries." in page.inner_text(".messages")
    copies = TimeEntry.objects.filter(employee=people.alice, date__gte=MONDAY)
    assert {(e.task_id, e.billable, e.description) for e in copies} == {(catalog_["design"].pk, False, "Design review")}
    assert page.locator("[data-testid=grid-row] th").first.inner_text().startswith("Website · Design")
    assert seen == []


# --- calendar ------------------------------------------------------------------------------------------------


def _slot(page: Any, hhmm: str) -> Any:
    lane = page.locator(f"td.fc-timegrid-slot-lane[data-time='{hhmm}:00']")
    _center(lane)
    return lane.bounding_box()


def _center(locator: Any) -> None:
    """Scroll the element to the middle of the viewport: near an edge, a drag makes the
    calendar scroll the window and the drop lands elsewhere."""
    locator.evaluate("e => e.scrollIntoView({block: 'center', behavior: 'instant'})")


def _column_x(page: Any, day: Any) -> float:
    box = page.locator(f"td.fc-timegrid-col[data-date='{day.isoformat()}']").bounding_box()
    return box["x"] + box["width"] / 2


def _drag(page: Any, x: float, y: float, to_y: float) -> None:
    """Press at (x, y), release at (x, to_y). The pointer first leaves sideways: the calendar
    starts a drag only after 5 px, and a vertical start would count those pixels twice."""
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 8, y, steps=2)
    page.mouse.move(x, to_y, steps=10)
    page.mouse.up()


def _move(page: Any, x: float, entry: Any, start: str, to: str) -> None:
    """Drag ``entry`` (starting at ``start``) so that it starts at ``to``. FullCalendar
    measures a moved entry from the middle of the grabbed half-hour row, not from the
    pointer: grabbed 3 px below its top, the pointer must drop half a row less 6 px
    further, so the calendar's point lands 6 px into the target quarter hour."""
    _event_box(page, entry)
    row = page.locator("td.fc-timegrid-slot-lane[data-time='10:00:00']").bounding_box()["height"]
    top, target = _lane_top(page, start), _lane_top(page, to)
    _drag(page, x, top + 3, target + 3 + 6 - row / 2)


def _lane_top(page: Any, hhmm: str) -> float:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    lane = page.locator(f"td.fc-timegrid-slot-lane[data-time='{hours:02d}:{minutes // 30 * 30:02d}:00']").bounding_box()
    return float(lane["y"] + lane["height"] * (minutes % 30) / 30)


def _event_box(page: Any, entry: Any) -> Any:
    event = page.locator(f"[data-testid=calendar-entry][data-entry='{entry.pk}']")
    _center(event)
    return event.bounding_box()


def _lane_y(page: Any, hhmm: str) -> float:
    """The middle of the quarter hour starting at ``hhmm``, where it is now (no scrolling):
    a pointer there is as far as can be from the neighbouring quarter hours."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    lane = page.locator(f"td.fc-timegrid-slot-lane[data-time='{hours:02d}:{minutes // 30 * 30:02d}:00']").bounding_box()
    return float(lane["y"] + lane["height"] * (minutes % 30) / 30 + lane["height"] / 4)


def _clear(page: Any) -> None:
    page.evaluate("document.getElementById('calendar-status').textContent = ''")


def _saved(page: Any) -> None:
    page.wait_for_selector("[data-testid=calendar-status]:not(:empty)")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_calendar_drag_creates_moves_resizes_and_an_overlap_asks(
    people: Any, catalog_: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from attendance.models import Punch
    from timesheets.models import TimeEntry

    alpha = _entry(people, catalog_["website"], at(MONDAY, "09:00"), at(MONDAY, "10:00"), "Alpha")
    _entry(people, catalog_["support"], at(MONDAY, "13:00"), at(MONDAY, "14:00"), "Beta")
    Punch.objects.create(employee=people.alice, timestamp=at(MONDAY, "07:58"), source="device", direction="in")
    page = login("alice@example.com", PASSWORD)
    page.set_viewport_size(VIEWPORTS[viewport])
    seen = _csp_watch(page)
    page.goto(f"{live_server.url}/time/calendar/?date={MONDAY.isoformat()}")
    page.wait_for_selector("[data-testid=calendar-entry]")
    assert page.locator("[data-testid=calendar-entry]").count() == 2
    assert "07:58" in page.inner_text("[data-testid=calendar-punch]")
    x = _column_x(page, MONDAY)

    # Create: drag across 15:00–16:00, then name the project in the dialog.
    _slot(page, "15:00")
    _drag(page, x, _lane_y(page, "15:00"), _lane_y(page, "15:45"))  # the last quarter hour is selected too
    page.wait_for_selector("[data-testid=calendar-new-dialog][open]")
    page.select_option("[data-testid=calendar-project]", label="Acme AG · Website")
    page.select_option("[data-testid=calendar-task]", label="Website · Design")
    page.fill("[data-testid=calendar-description]", "Drawn")
    page.click("[data-testid=calendar-new-save]")
    _saved(page)
    drawn = TimeEntry.objects.get(description="Drawn")
    assert _local(drawn) == ("15:00", "16:00") and drawn.task == catalog_["design"]

    # Move Alpha an hour later.
    _clear(page)
    _move(page, x, alpha, "09:00", "10:00")
    _saved(page)
    assert _local(alpha) == ("10:00", "11:00")

    # Resize Alpha by its lower edge to 12:00.
    _clear(page)
    event = page.locator(f"[data-testid=calendar-entry][data-entry='{alpha.pk}']")
    expect(event).to_contain_text("10:00")  # redrawn after the move was saved
    _event_box(page, alpha)
    resizer = event.locator(".fc-event-resizer-end")
    for _ in range(5):  # the handle shows while the pointer is over the entry
        page.mouse.move(5, 5)
        event.hover()
        if resizer.is_visible():
            break
    resizer.wait_for(state="visible")
    handle = resizer.bounding_box()
    _drag(
        page,
        handle["x"] + handle["width"] / 2,
        handle["y"] + handle["height"] / 2,
        handle["y"] + handle["height"] / 2 + _lane_y(page, "12:00") - _lane_y(page, "11:00"),
    )
    _saved(page)
    assert _local(alpha) == ("10:00", "12:00")

    # Move it onto Beta (13:00–14:00, another project): the overlap dialog; Cancel puts it back.
    _move(page, x, alpha, "10:00", "12:30")
    page.wait_for_selector("[data-testid=overlap-dialog][open]")
    assert "Beta" in page.inner_text("[data-testid=overlap-list]")
    assert "other project" in page.inner_text("[data-testid=overlap-list]")
    assert page.locator("[data-testid=resolve-merge]").is_hidden()
    page.click("[data-testid=resolve-cancel]")
    assert _local(alpha) == ("10:00", "12:00")
    expect(page.locator(f"[data-entry='{alpha.pk}']")).to_contain_text("10:00")

    # Again, and keep theirs: Alpha keeps 12:30–13:00, the part after Beta becomes a new entry.
    _clear(page)
    _move(page, x, alpha, "10:00", "12:30")
    page.wait_for_selector("[data-testid=overlap-dialog][open]")
    page.click("[data-testid=resolve-keep-theirs]")
    _saved(page)
    assert _local(alpha) == ("12:30", "13:00")
    pieces = TimeEntry.objects.filter(employee=people.alice, description="Alpha").order_by("start")
    assert [_local(p) for p in pieces] == [("12:30", "13:00"), ("14:00", "14:30")]
    expect(page.locator("[data-testid=calendar-entry]")).to_have_count(4)
    _shot(page, f"calendar-{viewport}")
    assert seen == []


def test_calendar_shows_the_persons_zone_whatever_the_browsers_zone(
    people: Any, catalog_: Any, browser: Any, live_server: Any
) -> None:
    """A Zurich employee's browser set to Honolulu (UTC−10): the entry from 23:30 Monday to
    00:30 Tuesday Zurich time is drawn at 23:30 on Monday, and a drag keeps Zurich times."""
    late = _entry(people, catalog_["website"], at(MONDAY, "23:00"), at(TUESDAY, "00:00"), "Late")
    context = browser.new_context(
        viewport=VIEWPORTS["desktop"], timezone_id="Pacific/Honolulu", service_workers="block"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "alice@example.com")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Pacific/Honolulu"
        page.goto(f"{live_server.url}/time/calendar/?date={MONDAY.isoformat()}")
        event = page.locator(f"[data-testid=calendar-entry][data-entry='{late.pk}']")
        expect(event).to_contain_text("23:00")
        assert event.bounding_box()["x"] < _column_x(page, TUESDAY) - 20  # Monday's column
        x = _column_x(page, MONDAY)
        _move(page, x, late, "23:00", "22:00")
        page.wait_for_selector("[data-testid=calendar-status]:not(:empty)")
        page.wait_for_load_state("networkidle")
        assert _local(late) == ("22:00", "23:00") and late.date == MONDAY
    finally:
        context.close()
