"""The production crawl (issue #15): every page and admin screen, as each persona, in a
real browser, against etime served as in production: DEBUG off, static files collected
by docker/build-steps.sh, gunicorn, PostgreSQL, Redis, a Celery worker and beat.

`./etimectl production` starts that server and runs this module with
ETIME_PRODUCTION_URL, ETIME_PRODUCTION_PERSONAS (``role=username`` lines, from
tests/production/personas.py) and ETIME_PRODUCTION_PASSWORD. Without
ETIME_PRODUCTION_URL the module is skipped: it is not part of the test passes.

Each persona logs in through the login form and follows every same-origin link from home,
breadth first; a URL pattern (numbers and ids folded, query values dropped) is visited a
bounded number of times, so the walk ends. The admin persona also walks the admin as the
admin index lists it, so a newly registered model is walked without editing this file:
each changelist, every value of its list filters, a search, the add page, the change,
history and delete-confirmation pages of its first row, every action on that row (run;
the database is a throwaway), and the import and export forms (export downloaded, then
imported again, and a broken file imported).

Fails on a 5xx answer to any request, a 4xx answer to a page the site links to, a 404 for
a static file, a browser console error, an uncaught JavaScript exception, and an admin
model without objects (the demo data must give every model one, or its change, delete
and action pages go unwalked). The report at the end lists pages per persona and each
error with its URL.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from tests.production.conftest import REPORT

BASE_URL = os.environ.get("ETIME_PRODUCTION_URL", "").rstrip("/")
PERSONAS = ("employee", "manager", "finance", "admin")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not BASE_URL, reason="needs a production server: run `./etimectl production`"),
]

# How often one URL pattern is visited: pages are walked for their templates, not their
# rows. Admin patterns once, since the admin walk visits each model's screens itself.
VISITS_PER_PATTERN = 2
VISITS_PER_ADMIN_PATTERN = 1
MAX_PAGES_PER_PERSONA = 2000
FILTER_VALUES_PER_FILTER = 12
NAVIGATION_TIMEOUT_MS = 30_000
# Longer than gunicorn's 30 s worker timeout: an export that runs too long is reported with
# the 500 it ends in, at the export, not at whichever screen the walk reached next.
EXPORT_TIMEOUT_MS = 45_000
# Links never followed: they end the session or are not pages.
NOT_FOLLOWED = re.compile(r"/log-?out/|^/static/|^/media/|^/iclock/")
FOLDED = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\d+"), "<n>"),
]
BROKEN_IMPORT = b'\xff\xfe this is not a table \x00\x01\n;;;"unterminated\n'


# Authenticator-app secrets of the personas whose second factor this run set up (username -> base32).
TOTP_SECRETS: dict[str, str] = {}


def totp_code(secret: str) -> str:
    from base64 import b32decode

    from django_otp.oath import TOTP

    return f"{TOTP(b32decode(secret)).token():06d}"


def personas() -> dict[str, str]:
    lines = os.environ.get("ETIME_PRODUCTION_PERSONAS", "").split()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def slug(name: str) -> str:
    return re.sub(r"\W+", "-", name).strip("-").lower()


def pattern(url: str) -> tuple[str, tuple[str, ...]]:
    parts = urlsplit(url)
    path = parts.path
    for regex, placeholder in FOLDED:
        path = regex.sub(placeholder, path)
    return path, tuple(sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}))


class Crawl:
    """One persona's walk: one browser context (its session), one tab, reused throughout."""

    def __init__(self, browser: Any, persona: str, downloads: Path, *, locale: str | None = None) -> None:
        self.persona = persona
        self.origin = urlsplit(BASE_URL)[:2]
        self.downloads = downloads
        # locale: the browser's Accept-Language (the pseudo-locale crawl asks for its language).
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True, **({"locale": locale} if locale else {})
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(NAVIGATION_TIMEOUT_MS)
        self.where = "(start)"
        self.errors: list[str] = []
        self.notes: list[str] = []
        self.visited: set[str] = set()
        self.patterns: Counter[tuple[str, tuple[str, ...]]] = Counter()
        self.queue: deque[str] = deque()
        self.pages = self.admin_pages = self.fetched = self.files = 0
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.error(f"uncaught JavaScript exception: {exc}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("download", self._download)
        self.context.on("response", self._response)

    # --- what fails the crawl -------------------------------------------------------------
    def error(self, what: str) -> None:
        self.errors.append(f"{self.where}: {what}")

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        # A page that answered 4xx/5xx is reported once, with its status, by _response.
        if message.text.startswith("Failed to load resource") and message.location.get("url") in (
            self.page.url,
            "",
        ):
            return
        self.error(f"console error: {message.text} ({message.location.get('url', '')})")

    def _download(self, download: Any) -> None:
        self.files += 1

    def _request_failed(self, request: Any) -> None:
        failure = request.failure or ""
        # Leaving a page aborts its pending requests; downloads abort their navigation.
        if "/static/" in request.url and "ERR_ABORTED" not in failure:
            self.error(f"static file failed: {request.url} ({failure})")

    def _response(self, response: Any) -> None:
        status, url = response.status, response.url
        if status >= 500:
            self.error(f"{status} from {response.request.method} {self.short(url)}")
        elif status == 404 and urlsplit(url).path.startswith("/static/"):
            self.error(f"missing static file {self.short(url)}")
        elif status >= 400 and response.request.resource_type == "document":
            self.error(f"{status} from {response.request.method} {self.short(url)}")

    # --- moving around --------------------------------------------------------------------
    def short(self, url: str) -> str:
        parts = urlsplit(url)
        if parts[:2] != self.origin:
            return url
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def absolute(self, url: str) -> str | None:
        if url.startswith("/"):
            url = BASE_URL + url
        parts = urlsplit(url)
        if parts[:2] != self.origin:
            return None
        return urlunsplit((*parts[:4], ""))

    def visit(self, url: str, *, links: bool = True) -> Any:
        """Open a page (or fetch a download); queue its links. Returns the response."""
        target = self.absolute(url)
        assert target, url
        self.visited.add(target)
        self.patterns[pattern(target)] += 1
        self.where = self.short(target)
        try:
            response = self.page.goto(target, wait_until="load")
        except Exception as exc:  # Playwright's Error: a download, or a real failure
            if "Download is starting" in str(exc):  # counted by _download; status checked here
                return self.fetch(target)
            self.error(f"navigation failed: {str(exc).splitlines()[0]}")
            return None
        self.count_page(target)
        if links:
            self.collect_links()
        return response

    def fetch(self, url: str, *, form: dict[str, str] | None = None) -> int:
        """A request with the browser's session but no rendering: for the screens that only
        differ from a rendered one by their rows (filter values, searches, sort orders) and
        for form posts. Redirects are followed; the final status is checked."""
        target = self.absolute(url)
        assert target, url
        if form is None:
            self.visited.add(target)
            self.patterns[pattern(target)] += 1
            response = self.context.request.get(target)
        else:
            response = self.context.request.post(target, form=form, headers={"Referer": target})
        status: int = response.status
        response.dispose()
        self.fetched += 1
        if status >= 400:
            what = "POST" if form is not None else "GET"
            self.error(f"{status} from {what} {self.short(target)}" + (f" {form.get('action', '')}" if form else ""))
        return status

    def count_page(self, url: str) -> None:
        self.pages += 1
        if urlsplit(url).path.startswith("/admin/"):
            self.admin_pages += 1

    def hrefs(self, selector: str) -> list[str]:
        found: list[str] = self.page.eval_on_selector_all(selector, "els => els.map(e => e.href)")
        return [url for url in (self.absolute(href) for href in found) if url]

    def collect_links(self) -> None:
        for url in self.hrefs("a[href]"):
            if url not in self.visited and not NOT_FOLLOWED.search(urlsplit(url).path):
                self.queue.append(url)

    def breadth_first(self) -> None:
        while self.queue and self.pages < MAX_PAGES_PER_PERSONA:
            url = self.queue.popleft()
            if url in self.visited:
                continue
            parts = urlsplit(url)
            admin = parts.path.startswith("/admin/")
            if self.patterns[pattern(url)] >= (VISITS_PER_ADMIN_PATTERN if admin else VISITS_PER_PATTERN):
                continue
            if admin and parts.query:  # a sort order, a page, a popup: the same screen's rows
                self.fetch(url)
            else:
                self.visit(url)
        if self.pages >= MAX_PAGES_PER_PERSONA:
            self.notes.append(f"stopped at {MAX_PAGES_PER_PERSONA} pages with {len(self.queue)} links queued")

    def login(self, username: str, password: str) -> None:
        self.visit("/accounts/login/", links=False)
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        with self.page.expect_navigation(wait_until="load"):
            self.page.click("main button[type=submit]")
        if urlsplit(self.page.url).path == "/accounts/login/":
            raise AssertionError(f"{self.persona}: logging in as {username} failed")
        self.second_factor(username)

    def second_factor(self, username: str) -> None:
        """Two-factor authentication (required for admins and finance): the first sign-in of a
        run sets up an authenticator app through the set-up page, as a person does; later ones
        enter its code. A code is used once per 30-second step, so a sign-in in the same step
        as the last one waits for the next."""
        path = urlsplit(self.page.url).path
        if path == "/accounts/two-factor/setup/":
            secret = self.page.get_attribute("[data-testid=twofactor-secret]", "data-secret") or ""
            TOTP_SECRETS[username] = secret
            self.page.fill("#id_code", totp_code(secret))
            with self.page.expect_navigation(wait_until="load"):
                self.page.click("[data-testid=twofactor-setup-form] button[type=submit]")
            with self.page.expect_navigation(wait_until="load"):
                self.page.click("[data-testid=recovery-codes-saved]")
        elif path == "/accounts/two-factor/":
            secret = TOTP_SECRETS.get(username)
            if secret is None:
                raise AssertionError(f"{self.persona}: {username} has a second factor this run did not set up")
            for _attempt in range(2):
                self.page.fill("#id_code", totp_code(secret))
                with self.page.expect_navigation(wait_until="load"):
                    self.page.click("[data-testid=twofactor-verify-form] button[type=submit]")
                if urlsplit(self.page.url).path != "/accounts/two-factor/":
                    break
                self.page.wait_for_timeout(31_000)
        if urlsplit(self.page.url).path.startswith("/accounts/two-factor/"):
            raise AssertionError(f"{self.persona}: the second factor of {username} was refused")

    def submit(self, selector: str) -> Any:
        """Submit a form by its button and wait for the page it leads to (or a download)."""
        downloads = self.files
        try:
            with self.page.expect_navigation(wait_until="load") as navigation:
                self.page.click(selector)
        except Exception as exc:  # Playwright's Error or TimeoutError
            if self.files == downloads:
                self.error(f"submitting the form led nowhere: {str(exc).splitlines()[0]}")
            return None
        self.count_page(self.page.url)
        return navigation.value

    # --- the admin, as its index lists it -------------------------------------------------
    def admin(self) -> None:
        self.visit("/admin/", links=False)
        models = self.page.eval_on_selector_all(
            "#content-main tr[class^='model-'] th a", "els => els.map(e => [e.textContent.trim(), e.href])"
        )
        assert models, "the admin index lists no models"
        for name, href in models:
            self.where = self.short(href)
            try:
                self.admin_model(name, href)
            except Exception as exc:  # one model's broken screen must not hide the others'
                self.error(f"{name}: the admin walk stopped: {str(exc).splitlines()[0]}")

    def admin_model(self, name: str, changelist: str) -> None:
        self.visit(changelist)
        if urlsplit(self.page.url).path.endswith("/change/"):
            self.notes.append(f"{name}: a single object, its list opens it")
            self.admin_object_tools()
            return
        rows = self.page.locator("#result_list tbody tr").count()
        if rows == 0:
            self.error(f"{name}: no objects in the demo data (change, delete and action pages go unwalked)")
        # Rendered once above; the other screens of the list differ only in their rows.
        filters = self.filter_values(name)
        searchable = self.page.locator("#searchbar").count() > 0
        add = self.hrefs(".object-tools a.addlink")
        tools = [u for u in self.hrefs(".object-tools a") if u not in add]
        first = self.hrefs("#result_list tbody tr:first-child th a, #result_list tbody tr:first-child td a")[:1]
        selected = self.page.locator("#result_list tbody tr:first-child input.action-select")
        pk = selected.get_attribute("value") if selected.count() else None
        token = self.page.locator("#changelist-form input[name=csrfmiddlewaretoken]")
        csrf = token.get_attribute("value") if token.count() else None
        actions = [
            value
            for value in self.page.eval_on_selector_all("select[name=action] option", "els => els.map(e => e.value)")
            if value
        ]
        for url in dict.fromkeys(filters):
            if url not in self.visited:
                self.fetch(url)
        if searchable:
            parts = urlsplit(changelist)
            self.fetch(urlunsplit((*parts[:3], urlencode({"q": "a"}), "")))
        for url in add:
            self.visit(url)
        if first:
            self.visit(first[0])
            self.admin_object_tools()
        exported = None
        for url in tools:
            if urlsplit(url).path.endswith("/export/"):
                exported = self.admin_export(name, url)
        for url in tools:
            path = urlsplit(url).path
            if path.endswith("/import/"):
                self.admin_import(name, url, exported)
            elif not path.endswith("/export/") and url not in self.visited:
                self.visit(url)
        if pk and csrf:
            # Each action on the first row, posted as the action bar posts it; the database
            # is thrown away afterwards. Confirmation pages (delete) are not confirmed.
            for action in actions:
                self.where = f"{self.short(changelist)} action {action}"
                self.fetch(
                    changelist,
                    form={"action": action, "_selected_action": pk, "index": "0", "csrfmiddlewaretoken": csrf},
                )

    def filter_values(self, name: str) -> list[str]:
        """The sidebar's links: "show counts" and each filter's values, at most
        FILTER_VALUES_PER_FILTER of each (a filter's code is the same for every value; a
        filter by employee or by audit action has dozens)."""
        groups: list[tuple[str, list[str]]] = self.page.eval_on_selector_all(
            "#changelist-filter details",
            "els => els.map(d => [d.dataset.filterTitle || '', Array.from(d.querySelectorAll('a[href]'), a => a.href)])",
        )
        urls = self.hrefs("#changelist-filter > a[href], #changelist-filter-extra-actions a[href]")
        for title, hrefs in groups:
            values = [url for url in (self.absolute(h) for h in hrefs) if url]
            if len(values) > FILTER_VALUES_PER_FILTER:
                self.notes.append(f"{name}: filter {title!r}: {FILTER_VALUES_PER_FILTER} of {len(values)} values")
            urls += values[:FILTER_VALUES_PER_FILTER]
        return urls

    def admin_object_tools(self) -> None:
        """On a change page: its custom tools rendered; history and the delete confirmation
        (never confirmed) fetched."""
        here = self.page.url
        tools = self.hrefs(".object-tools a")
        generic = [
            u for u in tools + self.hrefs("a.deletelink") if urlsplit(u).path.endswith(("/history/", "/delete/"))
        ]
        for url in dict.fromkeys(tools + generic):
            if url in self.visited or url == here:
                continue
            if url in generic:
                self.fetch(url)
            else:
                self.visit(url, links=False)

    def admin_export(self, name: str, url: str) -> Path | None:
        self.visit(url, links=False)
        self.where = f"{self.short(url)} (export)"
        self.choose_format("csv")
        try:
            with self.page.expect_download(timeout=EXPORT_TIMEOUT_MS) as info:
                self.page.click("form .submit-row [type=submit]", timeout=EXPORT_TIMEOUT_MS)
        except Exception as exc:
            self.error(f"{name}: export did not download a file: {str(exc).splitlines()[0]}")
            return None
        target = self.downloads / f"{slug(name)}{Path(info.value.suggested_filename).suffix}"
        info.value.save_as(target)
        if target.stat().st_size == 0:
            self.error(f"{name}: the export is empty")
        return target

    def admin_import(self, name: str, url: str, exported: Path | None) -> None:
        good = exported
        if good is None:
            self.notes.append(f"{name}: nothing exported to import back; imported a header-only file")
            good = self.downloads / f"{slug(name)}-empty.csv"
            good.write_text("id\n")
        broken = self.downloads / "broken.csv"
        broken.write_bytes(BROKEN_IMPORT)
        for label, upload in (("exported file", good), ("broken file", broken)):
            self.visit(url, links=False)
            self.where = f"{self.short(url)} (import, {label})"
            self.page.set_input_files("input[type=file]", str(upload))
            self.choose_format(upload.suffix.lstrip("."))
            self.submit("form[enctype] .submit-row [type=submit]")
            if label == "exported file" and self.page.locator("input[name=confirm]").count():
                self.submit("input[name=confirm]")
            if self.page.locator(".import-error-display-traceback, .traceback").count():
                self.notes.append(f"{name}: importing the {label} shows a traceback")

    def choose_format(self, extension: str) -> None:
        select = self.page.locator("select[name=format]")
        if select.count() == 0:
            return
        options = select.locator("option").evaluate_all("els => els.map(e => [e.value, e.textContent])")
        for value, label in options:
            if value and extension.lower() in label.lower():
                select.select_option(value)
                return

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_answers_without_an_error(persona: str, crawl_browser: Any, tmp_path: Path) -> None:
    username = personas().get(persona)
    if username is None:
        REPORT[persona] = {
            "login": "-",
            "pages": 0,
            "admin": 0,
            "fetched": 0,
            "files": 0,
            "seconds": 0.0,
            "errors": [f"no {persona} login in the demo data"],
        }
        pytest.fail(f"the demo data has no {persona} login (seed_demo names it as `persona {persona}: USERNAME`)")
    started = time.monotonic()
    crawl = Crawl(crawl_browser, persona, tmp_path)
    try:
        crawl.login(username, os.environ["ETIME_PRODUCTION_PASSWORD"])
        crawl.queue.append(f"{BASE_URL}/")
        if persona == "admin":
            crawl.admin()
        crawl.breadth_first()
    finally:
        crawl.close()
        REPORT[persona] = {
            "login": username,
            "pages": crawl.pages,
            "admin": crawl.admin_pages,
            "fetched": crawl.fetched,
            "files": crawl.files,
            "seconds": time.monotonic() - started,
            "errors": crawl.errors,
            "notes": crawl.notes,
        }
    assert crawl.pages > 1, f"{persona} reached no page beyond home"
    assert not crawl.errors, f"{len(crawl.errors)} errors as {persona}:\n" + "\n".join(crawl.errors)
