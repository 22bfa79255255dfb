"""The translation catalogs are complete and shipped as they were written.

locale/<lang>/LC_MESSAGES/django.po is the source translators edit (docs/ARCHITECTURE.md
"Translations"); the compiled django.mo beside it is committed so an install needs no gettext.
These tests are the CI check: a string marked in the code but missing from a catalog, a fuzzy
guess left by msgmerge, a dropped placeholder or a stale .mo fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]
# What makemessages scans: the apps and the project templates (not tests, bench, .venv).
SOURCES = ["accounts", "attendance", "billing", "devices", "leave", "timesheets", "etime", "templates"]
# The same options as the translators' command in locale/README.md.
MAKEMESSAGES = [
    "makemessages",
    "--no-location",
    "--symlinks",
    "--ignore=tests",
    "--ignore=*/tests/*",
    "--ignore=*/migrations/*",
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}|%[sd]")

# ./etimectl test installs gettext; without it only the makemessages check is skipped.
needs_gettext = pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")


def _catalog(lang: str, root: Path = LOCALE) -> polib.POFile:
    return polib.pofile(str(root / lang / "LC_MESSAGES" / "django.po"))


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogs as makemessages leaves them after scanning today's code, in a scratch
    copy: the sources are symlinked into it, so the repository's locale/ is not touched."""
    scratch = tmp_path_factory.mktemp("i18n")
    for name in SOURCES:
        (scratch / name).symlink_to(ROOT / name, target_is_directory=True)
    shutil.copytree(LOCALE, scratch / "locale")
    args = [arg for lang in LANGUAGES for arg in ("-l", lang)]
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *MAKEMESSAGES, *args],
        cwd=scratch,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "etime.settings_test"},
    )
    assert result.returncode == 0, result.stderr
    return scratch / "locale"


@needs_gettext
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_marked_string_is_translated_and_none_is_fuzzy(
    regenerated: Path, lang: str, record_property: Any
) -> None:
    catalog = _catalog(lang, regenerated)
    live = [e for e in catalog if not e.obsolete]
    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    record_property(
        "figure", f"catalog {lang}: {len(live)} messages, {len(untranslated)} untranslated, {len(fuzzy)} fuzzy"
    )
    assert untranslated == [], f"{lang}: untranslated: {untranslated[:20]}"
    assert fuzzy == [], f"{lang}: fuzzy: {fuzzy[:20]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_committed_catalog_holds_no_fuzzy_or_obsolete_entry(lang: str) -> None:
    catalog = _catalog(lang)
    assert [e.msgid for e in catalog.fuzzy_entries()] == []
    assert [e.msgid for e in catalog.obsolete_entries()] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_translation_keeps_the_placeholders_of_its_english(lang: str) -> None:
    catalog = _catalog(lang)
    wrong = []
    for entry in catalog.translated_entries():
        if entry.msgid_plural:
            # Form 0 is the singular (French also uses it for 0): it keeps the English singular's.
            for n, text in entry.msgstr_plural.items():
                source = entry.msgid if int(n) == 0 else entry.msgid_plural
                if _placeholders(text) != _placeholders(source):
                    wrong.append((entry.msgid, text))
        elif _placeholders(entry.msgstr) != _placeholders(entry.msgid):
            wrong.append((entry.msgid, entry.msgstr))
    assert wrong == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalog_declares_the_plural_forms_of_its_language(lang: str) -> None:
    expected = {
        "de": "nplurals=2; plural=(n != 1);",
        "fr": "nplurals=2; plural=(n > 1);",
        "it": "nplurals=2; plural=(n != 1);",
    }
    assert _catalog(lang).metadata["Plural-Forms"] == expected[lang]
    assert _catalog(lang).metadata["Language"] == lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_committed_mo_file_matches_its_po_file(lang: str) -> None:
    po = _catalog(lang)
    mo = polib.mofile(str(LOCALE / lang / "LC_MESSAGES" / "django.mo"))

    def messages(catalog: polib._BaseFile) -> dict[tuple[str | None, str], object]:
        return {
            (e.msgctxt, e.msgid): (tuple(sorted(e.msgstr_plural.items())) if e.msgid_plural else e.msgstr)
            for e in catalog
            if e.msgid and not e.obsolete and "fuzzy" not in e.flags and (e.msgstr or any(e.msgstr_plural.values()))
        }

    assert messages(mo) == messages(po), f"run: python manage.py compilemessages -l {lang}"


def test_german_is_written_the_swiss_way() -> None:
    assert [
        e.msgstr for e in _catalog("de").translated_entries() if "ß" in e.msgstr + "".join(e.msgstr_plural.values())
    ] == []


@pytest.mark.django_db
def test_a_german_speaker_sees_the_attendance_page_in_german(people: object) -> None:
    from django.test import Client

    from conftest import user_of

    alice = user_of(people.alice)  # type: ignore[attr-defined]
    alice.language = "de"
    alice.save(update_fields=["language"])
    client = Client()
    client.force_login(alice)
    page = client.get("/attendance/").content.decode()
    for german in (
        "Korrektur beantragen",
        "Schichttausch beantragen",
        "Anwesend",
        "Fehlende Stempelungen",
        "Meine Anträge",
    ):
        assert german in page
    for english in ("Request a correction", "Missing punches", "day(s)", "My requests"):
        assert english not in page


def test_open_as_a_timesheet_state_is_an_adjective_not_the_verb() -> None:
    from django.utils import translation

    from timesheets.models import TimesheetStatus

    labels = {}
    for lang in ("de", "fr", "it"):
        with translation.override(lang):
            labels[lang] = str(TimesheetStatus.OPEN.label)
    assert labels == {"de": "Offen", "fr": "Ouverte", "it": "Aperto"}


@pytest.mark.django_db
def test_an_api_error_keeps_its_code_and_speaks_the_callers_language(people: object, token_client: Any) -> None:
    client = token_client(people.alice)  # type: ignore[attr-defined]
    german = client.post("/api/v1/timer/stop/", HTTP_ACCEPT_LANGUAGE="de").json()["error"]
    english = client.post("/api/v1/timer/stop/").json()["error"]
    assert german == {"code": "timer_not_running", "message": "Es läuft kein Timer.", "details": {}}
    assert english == {"code": "timer_not_running", "message": "No timer is running.", "details": {}}
