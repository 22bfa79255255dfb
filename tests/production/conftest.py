"""The production crawl's browser, and its report at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import _launch

# Filled by test_crawl.py: one entry per persona crawled.
REPORT: dict[str, Any] = {}
# Filled by test_pseudo_crawl.py: one entry per persona crawled in the pseudo-locale.
PSEUDO_REPORT: dict[str, Any] = {}


@pytest.fixture(scope="session")
def crawl_browser() -> Iterator[Any]:
    yield from _launch()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REPORT:
        crawl_summary(terminalreporter)
    if PSEUDO_REPORT:
        pseudo_summary(terminalreporter)


def crawl_summary(terminalreporter: Any) -> None:
    write = terminalreporter.write_line
    terminalreporter.section("production crawl")
    write("pages: rendered in the browser (admin: of which under /admin/); fetched: requested with the")
    write("session but not rendered (filter values, searches, sort orders, actions); files: downloads")
    write(
        f"{'persona':<10} {'login':<36} {'pages':>6} {'admin':>6} {'fetched':>8} {'files':>6} {'errors':>6} {'seconds':>8}"
    )
    for persona, entry in REPORT.items():
        write(
            f"{persona:<10} {entry['login']:<36} {entry['pages']:>6} {entry['admin']:>6} {entry['fetched']:>8} {entry['files']:>6} "
            f"{len(entry['errors']):>6} {entry['seconds']:>8.1f}"
        )
    for persona, entry in REPORT.items():
        for note in entry.get("notes", []):
            write(f"note [{persona}] {note}")
    for persona, entry in REPORT.items():
        for error in entry["errors"]:
            write(f"ERROR [{persona}] {error}")


def pseudo_summary(terminalreporter: Any) -> None:
    write = terminalreporter.write_line
    terminalreporter.section("pseudo-locale crawl")
    write("pages: rendered and read in the pseudo-locale (admin: of which under /admin/); undecorated:")
    write("texts on them that no catalog decorated and the database does not hold (must be 0)")
    write(f"{'persona':<10} {'login':<36} {'pages':>6} {'admin':>6} {'undecorated':>12} {'errors':>6} {'seconds':>8}")
    for persona, entry in PSEUDO_REPORT.items():
        write(
            f"{persona:<10} {entry['login']:<36} {entry['pages']:>6} {entry['admin']:>6} {len(entry['undecorated']):>12} "
            f"{len(entry['errors']):>6} {entry['seconds']:>8.1f}"
        )
    total = sum(entry["pages"] for entry in PSEUDO_REPORT.values())
    found = sum(len(entry["undecorated"]) for entry in PSEUDO_REPORT.values())
    write(f"pages crawled in the pseudo-locale: {total}; undecorated texts: {found}")
    for persona, entry in PSEUDO_REPORT.items():
        for note in entry.get("notes", []):
            write(f"note [{persona}] {note}")
    for persona, entry in PSEUDO_REPORT.items():
        for text in entry["undecorated"]:
            write(f"UNDECORATED [{persona}] {text}")
        for error in entry["errors"]:
            write(f"ERROR [{persona}] {error}")
