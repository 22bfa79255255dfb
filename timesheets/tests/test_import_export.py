"""Finance exports of entries (CSV/XLSX via django-import-export) and imports from etime's
own export, Toggl and Clockify, with a report of rows created, skipped and failed."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from timesheets.tests.conftest import MONDAY, at, error_of

pytestmark = pytest.mark.django_db

TOGGL = """User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags,Amount ()
Alice Able,alice@example.com,Acme AG,Website,Design,Wireframes,Yes,2026-03-02,09:00:00,2026-03-02,10:30:00,01:30:00,,
Alice Able,alice@example.com,Acme AG,Website,,Call with client,No,2026-03-02,11:00:00,2026-03-02,11:45:00,00:45:00,,
Alice Able,alice@example.com,,Moonshot,,Unknown project,Yes,2026-03-02,13:00:00,2026-03-02,14:00:00,01:00:00,,
Dave Deal,dave@example.com,Acme AG,Website,,Not mine to book,Yes,2026-03-02,09:00:00,2026-03-02,10:00:00,01:00:00,,
Alice Able,alice@example.com,Acme AG,Website,,Overlaps the first,Yes,2026-03-02,10:00:00,2026-03-02,11:00:00,01:00:00,,
"""

CLOCKIFY = """Project,Client,Description,Task,User,Group,Email,Tags,Billable,Start Date,Start Time,End Date,End Time,Duration (h),Duration (decimal),Billable Rate (CHF),Billable Amount (CHF)
Website,Acme AG,Late shift,Build,Alice Able,,alice@example.com,,Yes,03/02/2026,10:00:00 PM,03/03/2026,01:00:00 AM,03:00:00,3.00,0.00,0.00
Internal,Globex GmbH,Planning,,Alice Able,,alice@example.com,,No,03/04/2026,08:00:00 AM,03/04/2026,09:15:00 AM,01:15:00,1.25,0.00,0.00
"""


def upload(api: Any, text: str, **extra: Any) -> Any:
    file = SimpleUploadedFile("export.csv", text.encode(), content_type="text/csv")
    return api.post("/api/v1/time-entries/import/", {"file": file, **extra}, format="multipart")


@pytest.mark.embedded
def test_toggl_rows_are_created_skipped_or_failed_with_reasons(people: Any, catalog: Any, bob_api: Any) -> None:
    from timesheets.models import TimeEntry

    response = upload(bob_api, TOGGL)
    assert response.status_code == 200, response.json()
    report = response.json()
    assert report["layout"] == "toggl"
    assert (report["created"], report["skipped"], report["failed"]) == (2, 0, 3)
    by_row = {r["row"]: r for r in report["rows"]}
    assert [by_row[i]["status"] for i in range(1, 6)] == ["created", "created", "failed", "failed", "failed"]
    assert "Moonshot" in by_row[3]["message"]
    assert "dave@example.com" in by_row[4]["message"]  # bob may not book time for mona's report
    assert "Overlaps 1 entry" in by_row[5]["message"]
    design = TimeEntry.objects.get(description="Wireframes")
    assert design.start == at(MONDAY, "09:00") and design.task == catalog.design and design.source == "import"
    assert TimeEntry.objects.get(description="Call with client").billable is False
    # The same file again: what exists is skipped, nothing doubles.
    again = upload(bob_api, TOGGL).json()
    assert (again["created"], again["skipped"], again["failed"]) == (0, 2, 3)
    assert TimeEntry.objects.count() == 2


def test_clockify_month_first_dates_and_twelve_hour_times_in_the_employees_zone(
    people: Any, catalog: Any, alice_api: Any
) -> None:
    from timesheets.models import TimeEntry

    report = upload(alice_api, CLOCKIFY).json()
    assert report["layout"] == "clockify" and report["created"] == 2, report
    late = TimeEntry.objects.get(description="Late shift")
    assert (late.start, late.end, late.date) == (at(MONDAY, "22:00"), at(MONDAY + timedelta(days=1), "01:00"), MONDAY)
    planning = TimeEntry.objects.get(description="Planning")
    assert planning.start == at(MONDAY + timedelta(days=2), "08:00") and planning.billable is False


def test_day_first_dates_are_recognised_when_a_day_exceeds_twelve(people: Any, catalog: Any, alice_api: Any) -> None:
    text = (
        CLOCKIFY.replace("03/02/2026", "16/03/2026")
        .replace("03/03/2026", "17/03/2026")
        .replace("03/04/2026", "18/03/2026")
    )
    report = upload(alice_api, text).json()
    assert report["created"] == 2, report
    from timesheets.models import TimeEntry

    assert TimeEntry.objects.get(description="Planning").date.isoformat() == "2026-03-18"


def test_a_dry_run_reports_without_storing(people: Any, catalog: Any, alice_api: Any) -> None:
    from timesheets.models import TimeEntry

    report = upload(alice_api, CLOCKIFY, dry_run="true").json()
    assert report["dry_run"] is True and report["created"] == 2
    assert TimeEntry.objects.count() == 0


def test_an_unrecognised_file_is_a_validation_error(alice_api: Any) -> None:
    error = error_of(upload(alice_api, "a,b,c\n1,2,3\n"), 400, "validation_error")
    assert "file" in error["details"]


def test_rows_can_be_booked_to_a_chosen_employee(people: Any, catalog: Any, bob_api: Any) -> None:
    from timesheets.models import TimeEntry

    text = CLOCKIFY.replace("alice@example.com", "someone@elsewhere.test")
    report = upload(bob_api, text, employee=str(people.amir.pk)).json()
    assert report["created"] == 2, report
    assert set(TimeEntry.objects.values_list("employee__code", flat=True)) == {"E004"}


# --- export ------------------------------------------------------------------------------------


@pytest.fixture
def exported(people: Any, catalog: Any, entry: Any) -> list[Any]:
    from datetime import date
    from decimal import Decimal

    from timesheets import services

    services.rate_create(
        level="project",
        target_id=catalog.support.pk,
        amount=Decimal("120.00"),
        effective_from=date(2026, 1, 1),
        actor=people.admin,
    )
    return [
        entry(at(MONDAY, "09:00"), at(MONDAY, "09:20"), project=catalog.support, description='=HYPERLINK("x")'),
        entry(at(MONDAY, "10:00"), at(MONDAY, "11:00"), task=catalog.design, description='Comma, "quotes"\nnewline'),
        entry(at(MONDAY, "12:00"), None, project=catalog.internal),
        entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), employee=people.dave),
    ]


@pytest.mark.embedded
def test_the_csv_export_equals_django_import_exports_own_rendering(exported: list[Any], admin_api: Any) -> None:
    from import_export.formats.base_formats import CSV

    from timesheets.models import TimeEntry
    from timesheets.resources import TimeEntryResource

    response = admin_api.get("/api/v1/time-entries/export/", {"file_format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="time-entries.csv"'
    reference = CSV().export_data(TimeEntryResource().generic_export(TimeEntry.objects.all()))
    assert response.content.decode() == reference


def test_the_export_is_spreadsheet_safe_scoped_and_filtered(exported: list[Any], catalog: Any, alice_api: Any) -> None:
    response = alice_api.get("/api/v1/time-entries/export/", {"file_format": "csv"})
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["employee_code"] for r in table] == ["E003"] * 3  # dave's entry is not alice's to see
    support = table[0]
    assert support["description"] == '\'=HYPERLINK("x")'  # never a formula in a spreadsheet
    assert (support["hours"], support["billed_hours"], support["amount"]) == (
        "0.33",
        "0.50",
        "60.00",
    )  # rounds up to 15 min
    assert table[1]["description"] == 'Comma, "quotes"\nnewline' and table[1]["task"] == "Design"
    assert table[2]["end"] == "" and table[2]["amount"] == ""
    filtered = alice_api.get("/api/v1/time-entries/export/", {"file_format": "csv", "project": str(catalog.support.pk)})
    assert len(list(csv.DictReader(io.StringIO(filtered.content.decode())))) == 1


def test_xlsx_export_and_unknown_formats(exported: list[Any], alice_api: Any) -> None:
    import openpyxl

    response = alice_api.get("/api/v1/time-entries/export/", {"file_format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None and sheet.max_row == 4 and sheet.cell(1, 1).value == "id"
    error_of(alice_api.get("/api/v1/time-entries/export/", {"file_format": "pdf"}), 400, "validation_error")


def test_an_export_re_imported_changes_nothing(exported: list[Any], admin_api: Any) -> None:
    finished = admin_api.get("/api/v1/time-entries/export/", {"file_format": "csv", "running": "false"})
    report = upload(admin_api, finished.content.decode()).json()
    assert report["layout"] == "etime"
    assert (report["created"], report["skipped"], report["failed"]) == (0, 3, 0), report
