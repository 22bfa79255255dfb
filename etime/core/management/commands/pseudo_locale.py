"""``manage.py pseudo_locale DIR``: the pseudo-locale's catalogs (issue #16, CI only).

Every msgid Django would look up — etime's catalogs (``locale/``) and those of Django and of
every installed app that ships translations (admin, auth, REST framework, import-export,
django-celery-beat, axes, django-filter, ...), domains ``django`` and ``djangojs`` — is
"translated" into a decorated copy of itself: accented letters wrapped in ``[!! … !!]``,
placeholders (``%(name)s``, ``%s``, ``{name}``), HTML tags, entities and URLs kept as they
are, plural forms kept. A page shown in that language has every marked string decorated, so
whatever English is left on it was not marked (tests/production/test_pseudo_crawl.py).

etime's own msgids are also read from today's code (makemessages into a scratch directory,
when GNU gettext is installed), so a string marked since the last makemessages is decorated.
The catalogs are written as ``DIR/<locale>/LC_MESSAGES/<domain>.mo`` (and ``.po`` beside,
to read); etime serves the language when ``ETIME_PSEUDO_LOCALE_DIR=DIR`` (etime/settings.py).
Generated, never committed. Needs polib (requirements/dev.txt).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import to_locale

DOMAINS = ("django", "djangojs")
# Catalogs whose msgids are read: the languages etime offers (a msgid one of them translates
# must be marked), and `en` where a package ships it.
SOURCE_LANGUAGES = ("en", "de", "fr", "it")
OPEN, CLOSE = "[!! ", " !!]"
# Kept as they are inside a decorated string: what the code or the browser reads.
KEPT = re.compile(
    r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]"  # %(name)s, %(count)d
    r"|%[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]"  # %s, %d, %%
    r"|\{[^{}\s]*\}"  # {name}, {0}, {}
    r"|<[^<>]+>"  # HTML tags
    r"|&(?:#\d+|#x[0-9a-fA-F]+|\w+);"  # entities
    r"|https?://\S+"  # URLs
)
# A msgid that code splits on commas ("yes,no,maybe" for the yesno filter): each part decorated.
COMMA_LIST = re.compile(r"^[^,\s]+(?:,[^,\s]+)+$")
# The decorated alphabet (tests/production/test_pseudo_crawl.py reads it back).
PSEUDO_ALPHABET = "åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ"
ACCENTED = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", PSEUDO_ALPHABET)


def accent(text: str) -> str:
    out, last = [], 0
    for kept in KEPT.finditer(text):
        out.append(text[last : kept.start()].translate(ACCENTED))
        out.append(kept.group())
        last = kept.end()
    out.append(text[last:].translate(ACCENTED))
    return "".join(out)


def decorate(text: str) -> str:
    if not text:
        return text
    if COMMA_LIST.match(text):
        return ",".join(f"{OPEN}{accent(part)}{CLOSE}" for part in text.split(","))
    return f"{OPEN}{accent(text)}{CLOSE}"


def catalog_dirs() -> list[Path]:
    """Every locale directory Django reads, lowest priority first: Django's own, each
    installed app's, then LOCALE_PATHS (the pseudo directory itself is skipped)."""
    dirs = [Path(django.__file__).parent / "conf" / "locale"]
    dirs += [Path(app.path) / "locale" for app in apps.get_app_configs()]
    pseudo = settings.ETIME_PSEUDO_LOCALE_DIR
    dirs += [
        Path(p) for p in reversed(settings.LOCALE_PATHS) if not pseudo or Path(p).resolve() != Path(pseudo).resolve()
    ]
    return [d for d in dict.fromkeys(dirs) if d.is_dir()]


def source_files(localedir: Path, domain: str) -> list[Path]:
    """The .po files of SOURCE_LANGUAGES, else their .mo (REST framework ships only .mo),
    else any one language's."""
    for suffix in ("po", "mo"):
        chosen = [localedir / lang / "LC_MESSAGES" / f"{domain}.{suffix}" for lang in SOURCE_LANGUAGES]
        if chosen := [p for p in chosen if p.is_file()]:
            return chosen
    return sorted(localedir.glob(f"*/LC_MESSAGES/{domain}.[pm]o"))[:1]


# What makemessages scans, with the translators' options (locale/README.md).
SOURCES = ["accounts", "attendance", "billing", "devices", "leave", "timesheets", "etime", "templates"]
MAKEMESSAGES = [
    "makemessages",
    "-l",
    "en",
    "--no-location",
    "--symlinks",
    "--ignore=tests",
    "--ignore=*/tests/*",
    "--ignore=*/migrations/*",
]


def scanned_catalog(scratch: Path) -> Path | None:
    """etime's msgids as makemessages finds them in today's code (a string marked but not
    yet in locale/*.po is decorated too: the crawl checks marking, tests/test_translations.py
    checks the catalogs), in a scratch directory; None without GNU gettext."""
    if shutil.which("xgettext") is None:
        return None
    root = Path(settings.BASE_DIR)
    for name in SOURCES:
        (scratch / name).symlink_to(root / name, target_is_directory=True)
    (scratch / "locale").mkdir()
    result = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, str(root / "manage.py"), *MAKEMESSAGES],
        cwd=scratch,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"makemessages failed: {result.stderr.strip()}")
    return scratch / "locale"


def build(target: Path, language: str, scanned: Path | None = None) -> dict[str, int]:
    import polib  # dev requirement: the pseudo-locale is a CI tool

    counts: dict[str, int] = {}
    lc_messages = target / to_locale(language) / "LC_MESSAGES"
    lc_messages.mkdir(parents=True, exist_ok=True)
    for domain in DOMAINS:
        entries: dict[tuple[str | None, str], Any] = {}
        for localedir in [*catalog_dirs(), *([scanned] if scanned else [])]:
            for path in source_files(localedir, domain):
                for entry in (polib.pofile if path.suffix == ".po" else polib.mofile)(str(path)):
                    if entry.obsolete or not entry.msgid:
                        continue
                    key = (entry.msgctxt, entry.msgid)
                    if key in entries:
                        continue
                    pseudo = polib.POEntry(msgid=entry.msgid, msgctxt=entry.msgctxt)
                    if entry.msgid_plural:
                        pseudo.msgid_plural = entry.msgid_plural
                        pseudo.msgstr_plural = {0: decorate(entry.msgid), 1: decorate(entry.msgid_plural)}
                    else:
                        pseudo.msgstr = decorate(entry.msgid)
                    entries[key] = pseudo
        po = polib.POFile()
        po.metadata = {
            "Project-Id-Version": "etime pseudo-locale",
            "Language": to_locale(language),
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": "nplurals=2; plural=(n != 1);",
        }
        po.extend(entries.values())
        po.save(str(lc_messages / f"{domain}.po"))
        po.save_as_mofile(str(lc_messages / f"{domain}.mo"))
        counts[domain] = len(entries)
    return counts


class Command(BaseCommand):
    help = "Write the pseudo-locale's catalogs (every msgid decorated) into DIR; serve them with ETIME_PSEUDO_LOCALE_DIR=DIR."

    # A build step: runs before the server's environment is complete (as collectstatic does).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("directory", help="where DIR/<locale>/LC_MESSAGES/{django,djangojs}.mo are written")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            import polib  # noqa: F401
        except ImportError as exc:
            raise CommandError("pseudo_locale needs polib (pip install -r requirements/dev.txt)") from exc
        language = settings.ETIME_PSEUDO_LANGUAGE
        with tempfile.TemporaryDirectory() as scratch:
            scanned = scanned_catalog(Path(scratch))
            if scanned is None:
                self.stderr.write("GNU gettext is not installed: strings not yet in locale/*.po stay undecorated")
            counts = build(Path(options["directory"]), language, scanned)
        self.stdout.write(
            f"pseudo-locale {language}: "
            + ", ".join(f"{n} {domain} messages" for domain, n in counts.items())
            + f" in {options['directory']}"
        )
