"""The attendance register PDF in the viewer's language and zone: translated headings and
legend, the month named in that language, hours as h:mm, the moment it was made on the
24-hour clock."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from pypdf import PdfReader

from accounts.models import Employee
from attendance import reports
from attendance.services import recompute
from attendance.tests.conftest import MONDAY

pytestmark = pytest.mark.django_db
MADE = datetime(2026, 4, 1, 21, 45, tzinfo=UTC)  # 23:45 in Zurich (summer time)


def _text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.replace("\u00a0", " ").split())


@pytest.fixture
def march(planned: Any, clock: Any) -> Any:
    clock("3", MONDAY, "08:55", "17:30")  # dave: 8:05 worked (8:35 less a 30-minute break)
    recompute(employee_ids=None, date_from=MONDAY, date_to=MONDAY + timedelta(days=6))
    return planned


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", ["Anwesenheitsliste März 2026", "Nummer", "Gearbeitet (Std.)", "Anwesend", "01.04.2026 23:45"]),
        ("fr", ["Registre de présence mars 2026", "Numéro", "Travaillé (h)", "Présent", "01/04/2026 23:45"]),
        ("it", ["Registro presenze Marzo 2026", "Numero", "Lavorato (h)", "Presente", "01/04/2026 23:45"]),
        ("en", ["Attendance register March 2026", "Code", "Worked (h)", "Present", "04/01/2026 23:45"]),
    ],
)
def test_the_register_pdf_speaks_the_viewers_language_and_clock(march: Any, language: str, expected: list[str]) -> None:
    register = reports.monthly_register(employees=Employee.objects.all(), month=MONDAY.replace(day=1))

    with translation.override(language), timezone.override(ZoneInfo("Europe/Zurich")):
        text = _text(reports.register_pdf(register, now=MADE))

    missing = [piece for piece in expected if piece not in text]
    assert not missing, f"{missing} not in:\n{text}"
    assert "8:05" in text  # dave's worked time as h:mm, not 8.08
    assert "8.08" not in text and "8,08" not in text
    assert not re.search(r"\d:\d\d\s?(AM|PM|a\.m\.|p\.m\.)", text)  # 24-hour times (French "PM" is a day code)
    if language != "en":
        assert "Attendance register" not in text


def test_the_register_export_keeps_decimal_hours_for_a_spreadsheet(march: Any) -> None:
    register = reports.monthly_register(employees=Employee.objects.all(), month=MONDAY.replace(day=1))

    with translation.override("en"):  # a page request earlier in the run may have left another language active
        dataset = reports.register_dataset(register)

    dave = next(row for row in dataset.dict if row["Code"] == "E006")
    assert dave["Worked (h)"] == "8.08"
