"""What the backup, restore and move_database commands print, marked for translation.

The commands print in the active language (``LANGUAGE_CODE`` unless a caller overrides it);
their machine-read parts stay as they are in every language: the ``OK:`` prefix, error
codes, archive names, ``native``/``logical`` and the word to type to confirm a restore.
"""

from __future__ import annotations

from django.utils.translation import gettext, ngettext, pgettext_lazy

# The steps the backup service reports to ``progress`` are codes (the tasks and the demo
# compare them); these are their labels for a person watching the command.
STEPS = {
    "snapshot": pgettext_lazy("backup step", "snapshot"),
    "archive": pgettext_lazy("backup step", "archive"),
    "verify": pgettext_lazy("backup step", "verify"),
    "restore point": pgettext_lazy("backup step", "restore point"),
    "database": pgettext_lazy("backup step", "database"),
    "media": pgettext_lazy("backup step", "media"),
    "migrate": pgettext_lazy("backup step", "migrate"),
}


def step(code: str) -> str:
    """A progress line: ``… <step>``."""
    return f"… {STEPS.get(code, code)}"


def rows(count: int) -> str:
    return ngettext("%(count)d row", "%(count)d rows", count) % {"count": count}


def media_files(count: int) -> str:
    return ngettext("%(count)d media file", "%(count)d media files", count) % {"count": count}


def nothing_changed() -> str:
    return gettext("Nothing was changed.")
