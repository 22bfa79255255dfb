"""The time-tracking back office as an admin runs it: every page it links to opens,
and an import it cannot read says why instead of failing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_rate_change_page_opens_read_only(people: Any, catalog: Any, admin_client: Any) -> None:
    from timesheets import services
    from timesheets.models import Rate

    rate = services.rate_create(
        level="project",
        target_id=catalog.website.pk,
        amount=Decimal("155.00"),
        currency=None,
        effective_from=date(2026, 1, 1),
        kind="billing",
        actor=people.admin,
    )
    url = reverse("admin:timesheets_rate_change", args=[rate.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "155.00" in text and "CHF" in text and 'name="amount"' not in text
    # A post to the read-only page changes nothing.
    assert admin_client.post(url, {"amount": "1.00", "currency": "EUR"}).status_code == 403
    assert Rate.objects.get().amount == Decimal("155.00")


def _import_page(admin_client: Any) -> tuple[str, str]:
    url = reverse("admin:timesheets_timeentry_import")
    form = admin_client.get(url).context["form"]
    csv_format = next(value for value, label in form.fields["format"].choices if label.lower() == "csv")
    return url, csv_format


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("wrong headers", b"foo,bar\n1,2\n", "Unrecognised columns"),
        ("empty file", b"", "The submitted file is empty"),
        ("binary junk", bytes(range(256)) * 4, "binary or UTF-16"),
        ("UTF-16 text", "Email,Project,Start date\n".encode("utf-16"), "binary or UTF-16"),
        ("header only, wrong", b"Name;Hours\n", "Unrecognised columns"),
    ],
)
def test_an_unreadable_import_file_is_a_form_error_naming_the_problem(
    people: Any, catalog: Any, admin_client: Any, name: str, content: bytes, reason: str
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from timesheets.models import TimeEntry

    url, csv_format = _import_page(admin_client)
    response = admin_client.post(
        url, {"resource": "0", "format": csv_format, "import_file": SimpleUploadedFile("entries.csv", content)}
    )
    assert response.status_code == 200, name
    text = response.content.decode()
    assert reason in text, name
    assert "Start date" in text and "employee_code" in text, "the page lists the columns etime reads"
    assert TimeEntry.objects.count() == 0


def test_the_import_preview_says_why_a_row_is_skipped_and_lists_the_columns(
    people: Any, catalog: Any, entry: Any, admin_client: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from timesheets.tests.conftest import MONDAY, at

    entry(at(MONDAY, "09:00"), at(MONDAY, "10:30"), task=catalog.design, description="Wireframes")
    csv = (
        "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time\n"
        "Alice Able,alice@example.com,Acme AG,Website,Design,Wireframes,Yes,2026-03-02,09:00:00,2026-03-02,10:30:00\n"
    )
    url, csv_format = _import_page(admin_client)
    page = admin_client.get(url).content.decode()
    assert "Start date" in page and "employee_code" in page, "the import page lists the columns it reads"
    response = admin_client.post(
        url, {"resource": "0", "format": csv_format, "import_file": SimpleUploadedFile("toggl.csv", csv.encode())}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Skip" in text and "Already there" in text


def test_a_windows_1252_csv_imports_as_through_the_api(people: Any, catalog: Any, admin_client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from timesheets.models import TimeEntry

    csv = (
        "Email,Project,Description,Start date,Start time,End date,End time\n"
        "alice@example.com,Website,Caf\u00e9 workshop,2026-03-02,09:00:00,2026-03-02,10:00:00\n"
    )
    url, csv_format = _import_page(admin_client)
    response = admin_client.post(
        url,
        {"resource": "0", "format": csv_format, "import_file": SimpleUploadedFile("excel.csv", csv.encode("cp1252"))},
    )
    assert response.status_code == 200 and "confirm_form" in response.context, response.content.decode()[-3000:]
    done = admin_client.post(
        reverse("admin:timesheets_timeentry_process_import"), response.context["confirm_form"].initial
    )
    assert done.status_code == 302
    assert TimeEntry.objects.get().description == "Caf\u00e9 workshop"


def test_an_xlsx_with_unknown_columns_is_a_form_error(people: Any, catalog: Any, admin_client: Any) -> None:
    import tablib
    from django.core.files.uploadedfile import SimpleUploadedFile

    sheet = tablib.Dataset(["1", "2"], headers=["foo", "bar"]).export("xlsx")
    url = reverse("admin:timesheets_timeentry_import")
    form = admin_client.get(url).context["form"]
    xlsx = next(value for value, label in form.fields["format"].choices if label.lower() == "xlsx")
    response = admin_client.post(
        url, {"resource": "0", "format": xlsx, "import_file": SimpleUploadedFile("entries.xlsx", sheet)}
    )
    assert response.status_code == 200 and "Unrecognised columns" in response.content.decode()


def test_entry_durations_read_as_hours_and_minutes(people: Any, catalog: Any, entry: Any, admin_client: Any) -> None:
    from timesheets.tests.conftest import MONDAY, at

    made = entry(at(MONDAY, "09:00"), at(MONDAY, "10:30"), project=catalog.support)
    listing = admin_client.get(reverse("admin:timesheets_timeentry_changelist")).content.decode()
    assert "1 h 30 min" in listing and ">5400<" not in listing
    page = admin_client.get(reverse("admin:timesheets_timeentry_change", args=[made.pk])).content.decode()
    assert "1 h 30 min" in page and "5400" not in page
