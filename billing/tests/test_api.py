"""The billing API: invoices, lines, payments, expenses with receipts, exports, reports."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import Expense, ExpenseCategory, Receipt, Vendor
from billing.tests.conftest import error_of
from timesheets.models import EntryStatus, TimeEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def april_2026() -> Any:
    """Invoices of March, issued on 1 April (due 1 May), looked at in mid-April."""
    with time_machine.travel(datetime(2026, 4, 15, 10, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def month(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 90)
    billed(date(2026, 3, 4), 60, task=catalog.design)


def _draft(api: Any, client: Any) -> dict[str, Any]:
    response = api.post(
        "/api/v1/invoices/",
        {"client": str(client.pk), "period_start": "2026-03-01", "period_end": "2026-03-31"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_a_draft_is_created_edited_issued_and_then_refuses_edits(finance_api: Any, catalog: Any, month: None) -> None:
    body = _draft(finance_api, catalog.acme)
    assert body["status"] == "draft" and body["number"] == "" and body["currency"] == "CHF"
    assert [(line["quantity"], line["unit_price"], line["amount"]) for line in body["lines"]] == [
        ("1.50", "100.00", "150.00"),
        ("1.00", "100.00", "100.00"),
    ]
    assert body["vat_breakdown"] == [
        {
            "category": "S",
            "rate": "8.10",
            "net": "250.00",
            "vat": "20.25",
            "exemption_reason": "",
            "exemption_reason_code": "",
        }
    ]

    extra = finance_api.post(
        "/api/v1/invoice-lines/",
        {"invoice": body["id"], "description": "Travel", "quantity": "2", "unit_price": "35.50", "unit": "pc"},
        format="json",
    )
    assert extra.status_code == 201, extra.content
    assert extra.json()["amount"] == "71.00"
    assert finance_api.patch(f"/api/v1/invoices/{body['id']}/", {"notes": "Thanks!"}, format="json").status_code == 200

    issued = finance_api.post(f"/api/v1/invoices/{body['id']}/issue/", {"issue_date": "2026-04-01"}, format="json")
    assert issued.status_code == 200, issued.content
    assert issued.json()["number"] == "INV-2026-0001" and issued.json()["total"] == "347.00"
    assert TimeEntry.objects.filter(status=EntryStatus.INVOICED).count() == 2

    error_of(
        finance_api.patch(f"/api/v1/invoices/{body['id']}/", {"notes": "x"}, format="json"),
        409,
        "invoice_already_issued",
    )
    error_of(finance_api.delete(f"/api/v1/invoices/{body['id']}/"), 409, "invoice_already_issued")
    error_of(
        finance_api.patch(f"/api/v1/invoice-lines/{extra.json()['id']}/", {"description": "y"}, format="json"),
        409,
        "invoice_already_issued",
    )
    error_of(
        finance_api.post(f"/api/v1/invoices/{body['id']}/issue/", {}, format="json"), 409, "invoice_already_issued"
    )


def test_pdf_and_cii_downloads(settings: Any, finance_api: Any, catalog: Any, month: None) -> None:
    settings.ETIME_COMPANY_IBAN = "CH93 0076 2011 6238 5295 7"
    body = _draft(finance_api, catalog.acme)
    preview = finance_api.get(f"/api/v1/invoices/{body['id']}/pdf/")
    assert preview.status_code == 200 and preview["Content-Type"] == "application/pdf"
    assert preview.content.startswith(b"%PDF")
    issued = finance_api.post(f"/api/v1/invoices/{body['id']}/issue/", {}, format="json")
    assert issued.status_code == 200 and issued.json()["status"] == "issued", issued.content
    stored = finance_api.get(f"/api/v1/invoices/{body['id']}/pdf/")
    assert stored["Content-Type"] == "application/pdf" and "INV-2026-0001.pdf" in stored["Content-Disposition"]
    cii = finance_api.get(f"/api/v1/invoices/{body['id']}/cii/")
    assert cii["Content-Type"] == "application/xml" and b"<ram:ID>INV-2026-0001</ram:ID>" in cii.content


def test_empty_period_and_currency_mismatch_are_clear_errors(
    finance_api: Any, people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    response = finance_api.post(
        "/api/v1/invoices/",
        {"client": str(catalog.acme.pk), "period_start": "2026-03-01", "period_end": "2026-03-31"},
        format="json",
    )
    error_of(response, 409, "invoice_empty")
    rate("employee", people.amir, "80.00", currency="EUR")
    billed(date(2026, 3, 3), 60, employee=people.amir)
    response = finance_api.post(
        "/api/v1/invoices/",
        {"client": str(catalog.acme.pk), "period_start": "2026-03-01", "period_end": "2026-03-31"},
        format="json",
    )
    assert error_of(response, 409, "invoice_currency_mismatch")["details"]["currencies"] == ["EUR"]
    response = finance_api.post(
        "/api/v1/invoices/",
        {"client": str(catalog.acme.pk), "period_start": "2026-03-31", "period_end": "2026-03-01"},
        format="json",
    )
    error_of(response, 400, "validation_error")


def test_credit_note_void_and_payments(finance_api: Any, catalog: Any, month: None) -> None:
    body = _draft(finance_api, catalog.acme)
    issued = finance_api.post(f"/api/v1/invoices/{body['id']}/issue/", {"issue_date": "2026-04-01"}, format="json")
    assert issued.status_code == 200 and issued.json()["status"] == "issued", issued.content

    paid = finance_api.post(
        "/api/v1/payments/",
        {"invoice": body["id"], "date": "2026-04-10", "amount": "100.00", "reference": "bank 1"},
        format="json",
    )
    assert paid.status_code == 201, paid.content
    invoice = finance_api.get(f"/api/v1/invoices/{body['id']}/").json()
    assert invoice["payment_status"] == "partially_paid" and invoice["open_amount"] == "170.25"
    error_of(
        finance_api.post(
            "/api/v1/payments/", {"invoice": body["id"], "date": "2026-04-11", "amount": "170.26"}, format="json"
        ),
        409,
        "payment_exceeds_open_amount",
    )
    error_of(finance_api.post(f"/api/v1/invoices/{body['id']}/void/"), 409, "invoice_has_payments")

    note = finance_api.post(f"/api/v1/invoices/{body['id']}/credit-note/", {"issue_date": "2026-04-12"}, format="json")
    assert note.status_code == 201, note.content
    assert note.json()["number"] == "CN-2026-0001" and note.json()["total"] == "-270.25"
    assert note.json()["credits"] == body["id"]
    error_of(finance_api.post(f"/api/v1/invoices/{body['id']}/credit-note/"), 409, "invoice_already_credited")


def test_expenses_store_receipts_once_and_check_them_on_read(finance_api: Any, catalog: Any) -> None:
    vendor = finance_api.post("/api/v1/expense-vendors/", {"name": "SBB"}, format="json").json()
    category = finance_api.post("/api/v1/expense-categories/", {"name": "Travel"}, format="json").json()
    content = b"%PDF-1.4 a train ticket"
    digest = hashlib.sha256(content).hexdigest()
    ids = []
    for n in range(2):
        response = finance_api.post(
            "/api/v1/expenses/",
            {
                "date": "2026-03-05",
                "vendor": vendor["id"],
                "category": category["id"],
                "amount": "88.40",
                "currency": "CHF",
                "billable": "true",
                "project": str(catalog.website.pk),
                "description": f"Bern {n}",
                "receipt": SimpleUploadedFile("ticket.pdf", content, content_type="application/pdf"),
            },
            format="multipart",
        )
        assert response.status_code == 201, response.content
        assert response.json()["receipt_sha256"] == digest
        ids.append(response.json()["id"])
    assert Receipt.objects.count() == 1
    assert default_storage.exists(f"receipts/{digest[:2]}/{digest[2:4]}/{digest}")

    download = finance_api.get(f"/api/v1/expenses/{ids[0]}/receipt/")
    assert download.status_code == 200 and download.content == content

    with default_storage.open(f"receipts/{digest[:2]}/{digest[2:4]}/{digest}", "wb") as handle:
        handle.write(b"tampered")
    error_of(finance_api.get(f"/api/v1/expenses/{ids[0]}/receipt/"), 500, "receipt_corrupted")
    # Uploading the same bytes again repairs the stored copy.
    repaired = finance_api.patch(
        f"/api/v1/expenses/{ids[1]}/",
        {"receipt": SimpleUploadedFile("ticket.pdf", content, content_type="application/pdf")},
        format="multipart",
    )
    assert repaired.status_code == 200, repaired.content
    assert finance_api.get(f"/api/v1/expenses/{ids[0]}/receipt/").content == content

    # Billable expenses become invoice lines; once invoiced they are locked.
    body = _draft(finance_api, catalog.acme)
    assert [line["kind"] for line in body["lines"]] == ["expense", "expense"]
    assert body["subtotal"] == "176.80"
    issued = finance_api.post(f"/api/v1/invoices/{body['id']}/issue/", {}, format="json")
    assert issued.status_code == 200 and issued.json()["status"] == "issued", issued.content
    error_of(finance_api.patch(f"/api/v1/expenses/{ids[0]}/", {"notes": "x"}, format="json"), 409, "expense_locked")
    assert Expense.objects.filter(invoice_id=body["id"]).count() == 2


def test_billing_report_and_exports(finance_api: Any, catalog: Any, month: None) -> None:
    taxi, travel = Vendor.objects.create(name="Taxi"), ExpenseCategory.objects.create(name="Travel")
    for amount, day in (("20.00", date(2026, 2, 3)), ("30.00", date(2026, 3, 3))):
        Expense.objects.create(
            date=day, vendor=taxi, category=travel, amount=amount, currency="CHF", project=catalog.support
        )
    body = _draft(finance_api, catalog.acme)
    issued = finance_api.post(f"/api/v1/invoices/{body['id']}/issue/", {"issue_date": "2026-04-01"}, format="json")
    assert issued.status_code == 200 and issued.json()["status"] == "issued", issued.content
    finance_api.post(
        "/api/v1/payments/", {"invoice": body["id"], "date": "2026-04-10", "amount": "70.25"}, format="json"
    )

    report = finance_api.get("/api/v1/reports/billing/").json()
    assert report["receivables"] == [
        {"currency": "CHF", "count": 1, "invoiced": "270.25", "paid": "70.25", "open": "200.00", "overdue": "0.00"}
    ]
    spending = report["spending"]
    assert [(r["month"], r["amount"]) for r in spending["by_month"]] == [("2026-02", "20.00"), ("2026-03", "30.00")]
    assert spending["by_vendor"][0]["vendor__name"] == "Taxi" and spending["by_vendor"][0]["amount"] == "50.00"
    assert spending["top_projects"][0]["project__name"] == "Support"

    register = list(csv.DictReader(io.StringIO(finance_api.get("/api/v1/invoices/register/").content.decode())))
    assert [(r["number"], r["net"], r["vat"], r["total"], r["paid"], r["open"]) for r in register] == [
        ("INV-2026-0001", "250.00", "20.25", "270.25", "70.25", "200.00")
    ]
    journal = list(csv.DictReader(io.StringIO(finance_api.get("/api/v1/invoices/journal/").content.decode())))
    assert [(r["debit_account"], r["credit_account"], r["amount"]) for r in journal] == [
        ("1400", "8400", "250.00"),
        ("1400", "1776", "20.25"),
        ("1200", "1400", "70.25"),
    ]
    for url in ("/api/v1/invoices/export/", "/api/v1/payments/export/", "/api/v1/expenses/export/"):
        response = finance_api.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), url
    lines = finance_api.get("/api/v1/invoices/export/?file_format=xlsx")
    assert lines["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(csv.DictReader(io.StringIO(finance_api.get("/api/v1/expenses/export/").content.decode())))
    assert sorted(r["amount"] for r in rows) == ["20.00", "30.00"]


def test_billing_is_for_admins_and_finance_only(people: Any, token_client: Any, catalog: Any, month: None) -> None:
    from django.contrib.auth.models import Group

    bob = token_client(people.bob)
    error_of(bob.get("/api/v1/invoices/"), 403, "permission_denied")
    error_of(bob.get("/api/v1/reports/billing/"), 403, "permission_denied")

    Group.objects.get_or_create(name="finance")[0].user_set.add(people.alice.user)
    alice = token_client(people.alice, scopes=["read:billing"])
    assert alice.get("/api/v1/invoices/").status_code == 200
    error_of(
        alice.post(
            "/api/v1/invoices/",
            {"client": str(catalog.acme.pk), "period_start": "2026-03-01", "period_end": "2026-03-31"},
            format="json",
        ),
        403,
        "insufficient_scope",
    )
    writer = token_client(people.alice, scopes=["write:billing"])
    assert _draft(writer, catalog.acme)["status"] == "draft"
