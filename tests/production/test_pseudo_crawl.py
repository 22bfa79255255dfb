"""The pseudo-locale crawl (issue #16): every page and admin screen again, as each persona,
in the pseudo-locale, failing on any visible text that is not decorated.

`./etimectl production` writes the pseudo-locale's catalogs (`manage.py pseudo_locale DIR`:
every msgid of etime, Django and the installed apps turned into ``[!! Ŝţåŕţ ţîɱéŕ !!]``),
serves them with ETIME_PSEUDO_LOCALE_DIR and runs this module after test_crawl.py with
ETIME_PRODUCTION_PSEUDO_LANGUAGE set. A string marked for translation shows decorated; an
English word left on a page is a string nobody marked (or one built around the catalogs).

Each persona's browser asks for the pseudo-locale (Accept-Language: the login page is
checked in it) and the persona picks it under Profile → Language; then it walks as
test_crawl.py does: every same-origin link from home, breadth first, and for the admin
persona each model the admin index lists — its changelist, add form and first row's change
form (the filter values, actions, imports and exports are left to test_crawl.py; their
screens are the same templates). On each rendered page the visible text is read: the
page's rendered text (``innerText``: no script, style or hidden element), its <title>, the
options of visible selects, and the placeholder, title, aria-label and alt attributes and
the value of visible buttons and submit inputs. Decorated segments are removed; what
remains must be
- data: a value stored in the database (read from it through DATABASE_URL: every text and
  JSON column of every table), matched as whole values word by word and case-sensitively
  (a status code "approved" shown as "Approved" is a label nobody marked), or a time
  zone's name;
- numbers, dates and times as digits, punctuation and symbols;
- a word of ALLOWED: names that are the same in every language.
Failures list each undecorated text with an example line and the pages it is on.
"""

from __future__ import annotations

import json
import os
import re
import time
import zoneinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from etime.core.management.commands.pseudo_locale import PSEUDO_ALPHABET
from tests.production.conftest import PSEUDO_REPORT
from tests.production.test_crawl import BASE_URL, Crawl, pattern, personas

PSEUDO_LANGUAGE = os.environ.get("ETIME_PRODUCTION_PSEUDO_LANGUAGE", "")
PERSONAS = ("employee", "manager", "finance", "admin")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (BASE_URL and PSEUDO_LANGUAGE),
        reason="needs a production server serving the pseudo-locale: run `./etimectl production`",
    ),
]

# The same in every language, so never in a catalog: the product's name, the languages'
# own names in the language picker, currency codes, file formats and standard acronyms.
# fmt: off
ALLOWED = frozenset(
    """etime English Deutsch Français Italiano Pseudo
    CHF EUR USD GBP CSV XLSX XLS TSV ODS JSON YAML HTML PDF ICS iCal QR IBAN UTC API ZK TCP UDP CII XML Axes
    csv xlsx xls tsv ods json yaml html""".split()  # noqa: SIM905
)
# fmt: on
# Identifiers as a program spells them, removed before the check: API token scopes
# ("read:billing"), ADMS command lines ("C:12:CHECK", the time clock's protocol), UUIDs and
# hex digests, URLs, dotted names (task "ops.restore", content type "accounts.user"), JSON's
# true/false/null, and date-format notation ("DD.MM.YYYY").
CODES = re.compile(
    r"\b(?:read|write):[a-z_]+\b|\bC:\d+:[A-Z ]+\b"
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{12,}\b"
    r"|https?://\S+|\b[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+\b|\b(?:true|false|null)\b|\b(?:DD|MM|YYYY)\b"
)
# Text other packages put on pages without passing it through gettext, so that no catalog can
# translate it (not ours to mark): a pattern searched in each line or table cell, and where
# the text comes from. A line it matches is not checked.
THIRD_PARTY = [
    (re.compile(r"Failed access: user .* on .* from "), "django-axes AccessFailureLog.__str__"),
    (re.compile(r"Attempted Access: "), "django-axes AccessAttempt.__str__"),
    (re.compile(r"Access Log for .* @ "), "django-axes AccessLog.__str__"),
    (re.compile(r"\(m/h/dM/MY/d\)"), "django-celery-beat CrontabSchedule.__str__"),
    (re.compile(r"^(?:At|Every) .*\b(?:UTC|\w+/\w+)$"), "django-celery-beat CrontabSchedule.human_readable"),
    (re.compile(r"^Translation: "), "django-celery-beat's periodic task form script (cron in words)"),
    (
        re.compile(r"^\s*(?:Human readable|HUMAN READABLE|Scheduler|SCHEDULER):?\s*$"),
        "django-celery-beat admin columns named after attributes, never through gettext",
    ),
    (re.compile(r"^PERIODIC TASKS USING THIS SCHEDULE$"), "django-celery-beat schedule admins' inline"),
    (re.compile(r"^Remove all "), "Django 5.2 admin SelectFilter2.js 'Remove all %s': not in Django's catalogs yet"),
    (re.compile(r"\bpbkdf2_sha256\b"), "Django's password hash summary (algorithm, iterations, masked salt and hash)"),
]
# Columns that hold no text a page shows.
SKIPPED_COLUMNS = {("django_session", "session_data"), ("accounts_user", "password")}
DECORATED = re.compile(r"\[!!\s(?:(?!\[!!\s|\s!!\]).)*\s!!\]", re.DOTALL)
WORD = re.compile(r"[^\W\d_]+")
PSEUDO_LETTERS = frozenset(PSEUDO_ALPHABET + PSEUDO_ALPHABET.lower() + PSEUDO_ALPHABET.upper())
LONGEST_VALUE = 40  # words: longer stored values are matched by their first 40

VISIBLE_TEXT = """() => {
  // translate="no" (HTML's own attribute): content that is the same in every language,
  // e.g. a leave type's code as the team calendar abbreviates it, and <code>: identifiers as
  // a file or the API spells them (an import's column names). Left out while reading.
  const kept = Array.from(document.querySelectorAll('[translate=no], code'), el => [el, el.style.display]);
  kept.forEach(([el]) => { el.style.display = 'none'; });
  const shown = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
    && getComputedStyle(el).visibility !== 'hidden';
  const out = [document.title, document.body ? document.body.innerText : ''];
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], img[alt], button, input[type=submit], input[type=button], input[type=reset]')) {
    if (!shown(el)) continue;
    // Django's admin writes alt="True"/"False"/"None" on its yes/no icons and alt="Search" on
    // the search box's icon, untranslated (admin_list._boolean_icon, admin/search_form.html).
    const django_icon = el.matches('img[src*="/admin/img/"]');
    for (const name of django_icon ? ['placeholder', 'title', 'aria-label'] : ['placeholder', 'title', 'aria-label', 'alt']) {
      const value = el.getAttribute(name);
      if (value) out.push(value);
    }
    if (el.matches('input[type=submit], input[type=button], input[type=reset]') && el.value) out.push(el.value);
  }
  for (const select of document.querySelectorAll('select')) {
    if (shown(select)) for (const option of select.options) out.push(option.text);
  }
  kept.forEach(([el, display]) => { el.style.display = display; });
  return out;
}"""


def words(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(text))


class Data:
    """The database's text, as word sequences: what a page may show undecorated."""

    def __init__(self) -> None:
        self.values: set[tuple[str, ...]] = set()
        self.upper: set[tuple[str, ...]] = set()  # for text a stylesheet shows in capitals
        self.add_all(zoneinfo.available_timezones())
        self.load()

    def add_all(self, values: Any) -> None:
        for value in values:
            # A stored text of several lines (a mail body) is shown line by line too.
            for part in {value, *value.splitlines()}:
                found = words(part)[:LONGEST_VALUE]
                if found:
                    self.values.add(found)
                    self.upper.add(tuple(w.upper() for w in found))

    def load(self) -> None:
        import psycopg
        from psycopg import sql

        strings: list[str] = []
        with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
            columns = connection.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = current_schema()"
                " AND data_type IN ('character varying', 'text', 'character', 'json', 'jsonb')"
            ).fetchall()
            for table, column, kind in columns:
                if (table, column) in SKIPPED_COLUMNS:
                    continue
                query = sql.SQL("SELECT DISTINCT {column}::text FROM {table} WHERE {column} IS NOT NULL").format(
                    column=sql.Identifier(column), table=sql.Identifier(table)
                )
                for (value,) in connection.execute(query):
                    if kind in ("json", "jsonb"):
                        strings.extend(json_strings(json.loads(value)))
                    else:
                        strings.append(value)
        self.add_all(strings)

    def uncovered(self, line: str) -> list[str]:
        """The words of a line that are neither data, decorated, nor allowed."""
        found = words(line)
        covered = [False] * len(found)
        for start in range(len(found)):
            for length in range(min(LONGEST_VALUE, len(found) - start), 0, -1):
                run = found[start : start + length]
                if run in self.values or (all(w.isupper() for w in run) and run in self.upper):
                    covered[start : start + length] = [True] * length
                    break
        return [
            word
            for word, ok in zip(found, covered, strict=True)
            if not ok and word not in ALLOWED and not set(word) <= PSEUDO_LETTERS
        ]


def json_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in [key, *json_strings(item)]]
    if isinstance(value, list):
        return [s for item in value for s in json_strings(item)]
    return []


def undecorated(text: str) -> str:
    while True:
        stripped = DECORATED.sub(" ", text)
        if stripped == text:
            return stripped
        text = stripped


class PseudoCrawl(Crawl):
    def __init__(self, browser: Any, persona: str, downloads: Path, data: Data) -> None:
        super().__init__(browser, persona, downloads, locale=PSEUDO_LANGUAGE)
        self.data = data
        # undecorated words -> (an example line, the page patterns it is on, its lines)
        self.found: dict[str, tuple[str, set[str], set[str]]] = {}
        self.checked = 0

    def count_page(self, url: str) -> None:
        super().count_page(url)
        self.check_text()

    def check_text(self) -> None:
        try:
            texts: list[str] = self.page.evaluate(VISIBLE_TEXT)
        except Exception as exc:  # the page navigated away (a redirect by script)
            self.notes.append(f"{self.where}: text not read: {str(exc).splitlines()[0]}")
            return
        self.checked += 1
        where = pattern(self.page.url)[0]
        for text in texts:
            for line in re.split(r"[\n\t]", undecorated(text)):  # innerText: a tab between table cells
                if any(regex.search(line) for regex, _source in THIRD_PARTY):
                    continue
                # Data first (a stored name may hold an id), then identifiers taken out.
                left = self.data.uncovered(line)
                if left:
                    left = [word for word in self.data.uncovered(CODES.sub(" ", line)) if word in left]
                if left:
                    key = " ".join(left)
                    example, pages, lines = self.found.setdefault(key, (" ".join(line.split())[:160], set(), set()))
                    pages.add(where)
                    lines.add(line)

    def choose_language(self) -> None:
        self.visit("/profile/", links=False)
        form = self.page.locator("[data-testid=language-form]")
        form.locator("select").select_option(PSEUDO_LANGUAGE)
        with self.page.expect_navigation(wait_until="load"):
            form.locator("button[type=submit]").click()
        lang = self.page.evaluate("document.documentElement.lang")
        if lang != PSEUDO_LANGUAGE:
            raise AssertionError(
                f"{self.persona}: the profile did not switch to {PSEUDO_LANGUAGE} (page lang {lang!r})"
            )

    def admin_model(self, name: str, changelist: str) -> None:
        """The changelist, its tools (add form, import and export forms, custom screens) and
        the first row's change form."""
        self.visit(changelist, links=False)
        if urlsplit(self.page.url).path.endswith("/change/"):
            return
        first = self.hrefs("#result_list tbody tr:first-child th a, #result_list tbody tr:first-child td a")[:1]
        for url in self.hrefs(".object-tools a") + first:
            if url not in self.visited:
                self.visit(url, links=False)

    def breadth_first(self) -> None:
        """The self-service pages; the admin's screens are walked by admin_model."""
        self.queue = type(self.queue)(url for url in self.queue if not urlsplit(url).path.startswith("/admin/"))
        super().breadth_first()

    def collect_links(self) -> None:
        super().collect_links()
        self.queue = type(self.queue)(url for url in self.queue if not urlsplit(url).path.startswith("/admin/"))

    def report(self) -> list[str]:
        """Each undecorated text, once, with an example and where (the database read again:
        a row the crawl's own clicks or the worker wrote meanwhile is data too)."""
        if self.found:
            self.data.load()
        report = []
        for key, (example, pages, seen) in sorted(self.found.items()):
            if not any(self.data.uncovered(line) and self.data.uncovered(CODES.sub(" ", line)) for line in seen):
                continue
            shown = sorted(pages)
            more = f" (+{len(shown) - 3} more)" if len(shown) > 3 else ""
            report.append(f"{key!r} in {example!r} on {', '.join(shown[:3])}{more}")
        return report


@pytest.fixture(scope="module")
def data() -> Data:
    return Data()


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_is_translated(persona: str, crawl_browser: Any, data: Data, tmp_path: Path) -> None:
    username = personas().get(persona)
    if username is None:
        pytest.fail(f"the demo data has no {persona} login")
    started = time.monotonic()
    crawl = PseudoCrawl(crawl_browser, persona, tmp_path, data)
    undecorated_texts: list[str] = []
    try:
        crawl.login(username, os.environ["ETIME_PRODUCTION_PASSWORD"])
        crawl.choose_language()
        crawl.queue.append(f"{BASE_URL}/")
        if persona == "admin":
            crawl.admin()
        crawl.breadth_first()
        undecorated_texts = crawl.report()
    finally:
        crawl.close()
        PSEUDO_REPORT[persona] = {
            "login": username,
            "pages": crawl.checked,
            "admin": crawl.admin_pages,
            "undecorated": undecorated_texts,
            "errors": crawl.errors,
            "notes": crawl.notes,
            "seconds": time.monotonic() - started,
        }
    assert crawl.checked > 1, f"{persona} reached no page beyond home"
    assert not crawl.errors, f"{len(crawl.errors)} errors as {persona}:\n" + "\n".join(crawl.errors)
    assert not undecorated_texts, f"{len(undecorated_texts)} undecorated texts as {persona}:\n" + "\n".join(
        undecorated_texts
    )
