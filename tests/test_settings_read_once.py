"""Settings are read once (docs/CONVENTIONS.md "Settings"): etime/settings.py reads the
environment through etime.env, each default lives there, and apps read ``settings.X``.

Checked on the source: no production module reads a setting with a default of its own
(``getattr(settings, "X", default)``: a second default that drifts from settings.py's),
and every ``ETIME_*`` variable the documentation tells an operator to set is one that
etime/settings.py reads through an env helper.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.test_architecture import production_modules

pytestmark = pytest.mark.embedded

ROOT = Path(__file__).resolve().parent.parent

# Documented ETIME_* names that are not etime settings: read by etimectl, the container's
# build steps or the test suite itself, or settings built in code (not from one variable).
NOT_FROM_SETTINGS = {
    "ETIME_BIND",  # docker/build-steps.sh, etimectl
    "ETIME_PRODUCTION_DB",  # etimectl production
    "ETIME_PRODUCTION_REDIS_URL",
    "ETIME_PRODUCTION_URL",
    "ETIME_TEST_NOW",  # conftest.py: the suite's clock
    "ETIME_FUZZ_EXAMPLES",  # the fuzz tests and bench
    "ETIME_PAGE_FUZZ_EXAMPLES",
    "ETIME_TASK_QUEUE",  # the task route table, a setting in code
}


def settings_reads_with_a_default(source: str, module: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "settings"
        ):
            found.append(
                f"{module}:{node.lineno}: getattr(settings, ...): define it in etime/settings.py, read settings.X"
            )
    return found


def test_no_production_module_reads_a_setting_with_a_default_of_its_own() -> None:
    found = [
        hit for path, module in production_modules() for hit in settings_reads_with_a_default(path.read_text(), module)
    ]
    assert found == []


def test_the_check_sees_a_setting_read_with_its_own_default() -> None:
    source = 'from django.conf import settings\nuri = getattr(settings, "AUTH_LDAP_SERVER_URI", "")\n'
    assert settings_reads_with_a_default(source, "accounts.example") == [
        "accounts.example:2: getattr(settings, ...): define it in etime/settings.py, read settings.X"
    ]


def test_every_documented_etime_variable_is_read_from_the_environment_by_settings() -> None:
    documented = set()
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        documented |= set(re.findall(r"`(ETIME_[A-Z0-9_]*[A-Z0-9])`", doc.read_text()))
    read = set(re.findall(r"env_\w+\(\s*\"(ETIME_[A-Z0-9_]+)\"", (ROOT / "etime" / "settings.py").read_text()))
    # NAME_FILE is the secrets form of NAME (etime.env.raw): documented, it needs NAME read.
    missing = sorted(
        name
        for name in documented - NOT_FROM_SETTINGS
        if name not in read and not (name.endswith("_FILE") and name.removesuffix("_FILE") in read)
    )
    assert missing == []
    assert len(documented) > 90  # the pattern still finds the documentation's variables
