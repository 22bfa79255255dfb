"""Content-Security-Policy in a real browser (issue 18): the main pages, as an employee and
as an admin, the admin site and the API docs raise no CSP violation. Chromium reports each
blocked inline script, handler, eval or foreign resource on the console ("Refused to ...
because it violates the following Content Security Policy directive") and as a
`securitypolicyviolation` event; both are collected."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " @" + e.sourceFile + ":" + e.lineNumber);
});
"""


def _watch(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None)
    page.add_init_script(WATCH)
    return seen


def _visit(page: Any, url: str, seen: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 400, (url, response and response.status)
    assert "script-src 'self'" in (response.headers.get("content-security-policy") or ""), url
    page.wait_for_load_state("networkidle", timeout=30_000)  # /api/redoc/ is heavy on a loaded machine
    seen.extend(f"{url}: {v}" for v in page.evaluate("window.__cspViolations || []"))


def _nav_links(page: Any, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("header a[href], nav a[href]", "els => els.map(e => e.getAttribute('href'))")
    paths = {urlsplit(h).path for h in hrefs if h and h.startswith("/") and "logout" not in h}
    return [f"{base}{p}" for p in sorted(paths)]


def test_main_pages_raise_no_csp_violation(people: Any, login: Any, live_server: Any) -> None:
    from devices import services

    device = services.device_create(actor=None, name="Gate", protocol="adms", serial_number="CSPCLOCK1")
    people.admin.is_superuser = True
    people.admin.save()
    for username in ("alice@example.com", "bob@example.com"):
        page = login(username, PASSWORD)
        seen = _watch(page)
        page.reload()
        for url in [f"{live_server.url}/", *_nav_links(page, live_server.url)]:
            _visit(page, url, seen)
        assert seen == [], seen
        page.context.clear_cookies()

    page = login("olivia@example.com", PASSWORD)
    seen = _watch(page)
    admin_pages = [
        "/",
        "/admin/",
        "/admin/devices/device/",
        f"/admin/devices/device/{device.pk}/change/",
        "/admin/devices/device/add/",
        "/admin/accounts/employee/",
        "/admin/billing/invoice/",
        "/api/docs/",
        "/api/redoc/",
    ]
    urls = [f"{live_server.url}{path}" for path in admin_pages]
    for url in dict.fromkeys([*urls, *_nav_links(page, live_server.url)]):
        _visit(page, url, seen)
    assert seen == [], seen


def test_a_confirm_question_comes_from_a_static_script_not_an_inline_handler(
    people: Any, login: Any, live_server: Any
) -> None:
    """The one inline handler etime had (the credit note's confirm) is data-confirm and
    static/js/confirm.js now: cancelling the question keeps the form from being sent."""
    page = login("alice@example.com", PASSWORD)
    seen = _watch(page)
    page.goto(f"{live_server.url}/")
    page.add_script_tag(url=f"{live_server.url}/static/js/confirm.js")
    page.evaluate("""() => { const f = document.createElement('form'); f.method = 'get'; f.action = '/nowhere/';
        f.dataset.confirm = 'Really?'; f.id = 'probe'; f.innerHTML = '<button id=go>go</button>'; document.body.append(f); }""")
    questions: list[str] = []

    def answer(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", answer)
    page.click("#go")
    page.wait_for_timeout(200)
    assert questions == ["Really?"] and urlsplit(page.url).path == "/"
    assert seen == []
