"""WCAG 2.1 AA in a real browser (issues #20 and #23), checked with axe-core.

Every self-service page each persona reaches from the page header (an employee, a manager, a
finance viewer; the same header links tests/browser/test_csp.py walks) is opened at a desktop
width (1366 px) and a phone width (390 px), plus the login page and the kiosk (pairing, idle,
a badge typed with the PIN field next, the answer). axe-core runs in the page with the WCAG
2.0/2.1 A and AA rules; any violation of impact serious or critical fails the test, listed
with its rule, page and elements.

axe-core is vendored under tests/browser/vendor/ (a test-only asset: the product never
serves it). It is added as an init script, which runs outside the page's CSP.

The phone layout (issue #23) is checked here too: at 390 px the main navigation opens from a
menu button, every link is visible then, and no page scrolls sideways; stacked tables show
each cell's column header; at 1366 px no table is wider than its card.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import PASSWORD
from tests.browser.test_csp import _nav_links
from tests.browser.test_self_service_pages import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PERSONAS = {"employee": "alice@example.com", "manager": "bob@example.com", "finance": "dave@example.com"}

RUN_AXE = """async (tags) => {
  const result = await window.axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + (n.failureSummary ? " — " + n.failureSummary.split("\\n").slice(1).join(" ") : ""))}));
}"""


def axe_violations(page: Any, where: str) -> list[str]:
    """The serious and critical WCAG A/AA violations on the page as it is now, one line each."""
    page.wait_for_load_state("networkidle")
    found = page.evaluate(RUN_AXE, WCAG_TAGS)
    lines = []
    for violation in found:
        if violation["impact"] not in BLOCKING:
            continue
        nodes = "; ".join(violation["nodes"][:6]) + (
            f" (+{len(violation['nodes']) - 6} more)" if len(violation["nodes"]) > 6 else ""
        )
        lines.append(
            f"{where}: [{violation['impact']}] {violation['id']} ({violation['help']}) × {len(violation['nodes'])}: {nodes}"
        )
    return lines


def _context(browser: Any, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, service_workers="block")
    context.add_init_script(path=str(AXE))
    return context


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert urlsplit(page.url).path == "/", page.url


def self_service_pages(page: Any, base: str) -> list[str]:
    """Home and the pages the header links to (the nav registry's links, profile, people)."""
    page.goto(f"{base}/")
    return [f"{base}/", *[url for url in _nav_links(page, base) if not urlsplit(url).path.startswith("/admin/")]]


@pytest.fixture
def world(people: Any) -> Any:
    """One object of every kind (tests/security/world.py), so tables have rows; dave reads billing."""
    from django.contrib.auth.models import Group

    from billing.selectors import FINANCE_GROUP
    from tests.security.world import build_world

    data = build_world(people)
    Group.objects.get_or_create(name=FINANCE_GROUP)[0].user_set.add(people.dave.user)
    return data


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_self_service_pages_have_no_serious_accessibility_violation(
    persona: str, viewport: dict[str, int], world: Any, browser: Any, live_server: Any
) -> None:
    context = _context(browser, viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _login(page, live_server.url, PERSONAS[persona])
        pages = self_service_pages(page, live_server.url)
        assert len(pages) >= 4, pages
        problems: list[str] = []
        for url in pages:
            response = page.goto(url)
            assert response is not None and response.status == 200, (url, response and response.status)
            problems += axe_violations(page, urlsplit(url).path)
    finally:
        context.close()
    assert not problems, (
        f"{len(problems)} serious/critical WCAG violations as {persona} at {viewport['width']} px:\n"
        + "\n".join(problems)
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_login_page_has_no_serious_accessibility_violation(
    viewport: dict[str, int], browser: Any, live_server: Any
) -> None:
    context = _context(browser, viewport)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        problems = axe_violations(page, "/accounts/login/")
        # A failed sign-in shows the error: that state is checked too.
        page.fill("#id_username", "nobody@example.com")
        page.fill("#id_password", "wrong")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        problems += axe_violations(page, "/accounts/login/ (after a failed sign-in)")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("viewport", [{"width": 1024, "height": 768}, PHONE], ids=["tablet", "phone"])
def test_kiosk_has_no_serious_accessibility_violation(
    viewport: dict[str, int], people: Any, browser: Any, live_server: Any, settings: Any
) -> None:
    from accounts.kiosk_pin import kiosk_pin_set
    from devices.services import kiosk_create

    settings.ETIME_OFFLINE_MAX_DRIFT_SECONDS = 10 * 366 * 24 * 3600
    people.alice.device_user_id = "1001"
    people.alice.save(update_fields=["device_user_id"])
    kiosk_pin_set(employee=people.alice, pin="4321", actor=people.admin)
    _device, code = kiosk_create(name="Main door", location=people.alice.location, actor=people.admin)
    context = _context(browser, viewport)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/kiosk/")
        page.wait_for_selector("body[data-ready]")
        problems = axe_violations(page, "kiosk (pairing)")
        page.fill("[data-testid=kiosk-pair-code]", code)
        page.click("[data-testid=kiosk-pair-submit]")
        page.wait_for_selector("[data-testid=kiosk-answer]", state="visible")
        problems += axe_violations(page, "kiosk (paired)")
        page.click("[data-testid=kiosk-done]")
        page.wait_for_selector("[data-testid=kiosk-form]", state="visible")
        problems += axe_violations(page, "kiosk (idle)")
        page.fill("[data-testid=kiosk-badge]", "1001")
        page.focus("[data-testid=kiosk-pin]")
        problems += axe_violations(page, "kiosk (badge typed, PIN step)")
        page.fill("[data-testid=kiosk-pin]", "4321")
        page.click("[data-testid=kiosk-submit]")
        page.wait_for_selector("[data-testid=kiosk-answer]", state="visible")
        assert "Alice" in page.inner_text("[data-testid=kiosk-answer-text]")
        problems += axe_violations(page, "kiosk (answer)")
        page.click("[data-testid=kiosk-done]")
        page.fill("[data-testid=kiosk-badge]", "1001")
        page.fill("[data-testid=kiosk-pin]", "0000")
        page.click("[data-testid=kiosk-submit]")
        page.wait_for_selector("[data-testid=kiosk-answer]", state="visible")
        problems += axe_violations(page, "kiosk (refused)")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


# --- Phone layout (issue #23) -------------------------------------------------------------------

NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"
# What sticks out on the right, for the failure message.
STICKING_OUT = """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
  + ' right=' + Math.round(e.getBoundingClientRect().right))"""


@pytest.mark.parametrize("persona", ["employee", "manager"])
def test_on_a_phone_the_menu_reaches_every_page_without_sideways_scrolling(
    persona: str, world: Any, browser: Any, live_server: Any
) -> None:
    context = _context(browser, PHONE)
    page = context.new_page()
    try:
        _login(page, live_server.url, PERSONAS[persona])
        links = page.locator("nav.mainnav a")
        hrefs = links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert len(hrefs) >= 4, hrefs
        menu = page.get_by_role("button", name="Menu")
        assert menu.is_visible() and menu.get_attribute("aria-expanded") == "false"
        assert not links.first.is_visible()  # folded away until asked for
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        for index, href in enumerate(hrefs):
            page.goto(f"{live_server.url}/")
            page.get_by_role("button", name="Menu").click()
            assert page.get_by_role("button", name="Menu").get_attribute("aria-expanded") == "true"
            if index == 0:
                shot(page, f"phone-menu-{persona}")
            link = page.locator("nav.mainnav a").nth(index)
            assert link.is_visible(), href
            box = link.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (href, box)
            assert page.evaluate(NO_SIDEWAYS_SCROLL), href
            with page.expect_navigation():
                link.click()
            assert urlsplit(page.url).path == urlsplit(href).path, (href, page.url)
            width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], (href, width, page.evaluate(STICKING_OUT))
    finally:
        context.close()


CARD_OVERFLOW = """() => [...document.querySelectorAll('main table')].filter(t => t.offsetParent !== null).map(t => {
  const card = t.closest('.card, section, main');
  const tr = t.getBoundingClientRect(), cr = card.getBoundingClientRect();
  return {table: t.dataset.testid || t.className || t.id, over: Math.round(tr.right - cr.right), left: Math.round(cr.left - tr.left)};
}).filter(r => r.over > 1 || r.left > 1)"""

STACKED_LABELS = """() => [...document.querySelectorAll('main table.list tbody td')].filter(td => td.offsetParent !== null && td.colSpan === 1 && td.textContent.trim()).map(td => {
  const label = getComputedStyle(td, '::before').content;
  return {cell: td.textContent.trim().slice(0, 30), label: label, display: getComputedStyle(td).display};
})"""


def test_tables_fit_their_cards_on_a_desktop_and_stack_with_labels_on_a_phone(
    world: Any, browser: Any, live_server: Any
) -> None:
    from leave.models import LeaveType

    assert LeaveType.objects.exists()
    pages = ["/", "/attendance/team/"]
    for viewport in (DESKTOP, PHONE):
        context = _context(browser, viewport)
        page = context.new_page()
        try:
            _login(page, live_server.url, PERSONAS["manager"])
            for path in pages:
                page.goto(f"{live_server.url}{path}")
                assert page.locator("main table").count() >= 1, path
                shot(page, f"tables-{viewport['width']}{path.replace('/', '-').rstrip('-') or '-home'}", full_page=True)
                assert page.evaluate(NO_SIDEWAYS_SCROLL), (path, viewport, page.evaluate(STICKING_OUT))
                if viewport is DESKTOP:
                    assert page.evaluate(CARD_OVERFLOW) == [], path
                else:
                    cells = page.evaluate(STACKED_LABELS)
                    unlabelled = [
                        c for c in cells if c["display"] == "block" and c["label"] in ("none", "normal", '""')
                    ]
                    assert cells and not unlabelled, (path, json.dumps(unlabelled[:5]))
        finally:
            context.close()
