"""Settings an installer sets in the environment reach the code (read once in settings.py),
and a malformed one stops the start with the variable's name (issue #24)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
PRINT = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in ["
    "'ETIME_INVOICE_NUMBER_FORMAT', 'ETIME_CREDIT_NOTE_NUMBER_FORMAT', 'ETIME_BILLING_ACCOUNTS',"
    "'ETIME_COMPANY_ADDRESS_LINES', 'ETIME_COMPANY_COUNTRY', 'ETIME_TIMER_LIMIT_HOURS']}))"
)


def _settings(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(DJANGO_SETTINGS_MODULE="etime.settings", ETIME_DATA_DIR=str(tmp_path), SECRET_KEY="k" * 64, **variables)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {PRINT}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.embedded
def test_billing_and_timer_settings_are_read_from_the_environment(tmp_path: Path) -> None:
    result = _settings(
        tmp_path,
        ETIME_INVOICE_NUMBER_FORMAT="R{year}/{seq:05}",
        ETIME_BILLING_ACCOUNTS="revenue=3200, bank=1020",
        ETIME_COMPANY_ADDRESS_LINES="Rue du Rhône 1 | 1204 Genève",
        ETIME_COMPANY_COUNTRY="ch",
        ETIME_TIMER_LIMIT_HOURS="12",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["ETIME_INVOICE_NUMBER_FORMAT"] == "R{year}/{seq:05}"
    assert values["ETIME_CREDIT_NOTE_NUMBER_FORMAT"] == "CN-{year}-{seq:04}"
    assert values["ETIME_BILLING_ACCOUNTS"] == {"receivables": "1400", "revenue": "3200", "vat": "1776", "bank": "1020"}
    assert values["ETIME_COMPANY_ADDRESS_LINES"] == ["Rue du Rhône 1", "1204 Genève"]
    assert values["ETIME_COMPANY_COUNTRY"] == "CH"
    assert values["ETIME_TIMER_LIMIT_HOURS"] == 12


@pytest.mark.embedded
@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("ETIME_INVOICE_NUMBER_FORMAT", "INV-{yr}-{seq}", "not a valid pattern"),
        ("ETIME_BILLING_ACCOUNTS", "revenu=3200", "unknown key 'revenu'"),
        ("ETIME_BILLING_ACCOUNTS", "revenue", "is not key=value"),
        ("ETIME_TIMER_LIMIT_HOURS", "0", "must be at least 1"),
    ],
)
def test_a_malformed_setting_stops_the_start_naming_it(tmp_path: Path, name: str, value: str, said: str) -> None:
    result = _settings(tmp_path, **{name: value})
    assert result.returncode != 0
    assert name in result.stderr and said in result.stderr
