"""VAT categories as a user meets them: a line's category through the API, the VAT
summary of the API and of the PDF (every group, 0 % with its reason), the document
format a client's setting picks, and the buyer snapshot an issued invoice keeps."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from billing import documents, pdf, services
from billing.models import ClientBilling, DocumentFormat, VatCategory
from billing.tests.conftest import MARCH, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 90)


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_line_at_0_percent_takes_the_category_given_and_the_summary_lists_it(
    finance_api: Any, catalog: Any, month: None
) -> None:
    body = finance_api.post(
        "/api/v1/invoices/",
        {"client": str(catalog.acme.pk), "period_start": "2026-03-01", "period_end": "2026-03-31"},
        format="json",
    ).json()
    line = finance_api.post(
        "/api/v1/invoice-lines/",
        {
            "invoice": body["id"],
            "description": "Export parts",
            "quantity": "1",
            "unit_price": "40.00",
            "vat_rate": "0",
            "vat_category": "Z",
        },
        format="json",
    )
    assert line.status_code == 201, line.content
    assert line.json()["vat_category"] == "Z"

    bad = finance_api.post(
        "/api/v1/invoice-lines/",
        {"invoice": body["id"], "description": "x", "quantity": "1", "unit_price": "1.00", "vat_category": "XX"},
        format="json",
    )
    assert "vat_category" in error_of(bad, 400, "validation_error")["details"]

    contradiction = finance_api.post(
        "/api/v1/invoice-lines/",
        {
            "invoice": body["id"],
            "description": "x",
            "quantity": "1",
            "unit_price": "1.00",
            "vat_rate": "8.1",
            "vat_category": "AE",
        },
        format="json",
    )
    assert "vat_category" in error_of(contradiction, 400, "validation_error")["details"]

    groups = finance_api.get(f"/api/v1/invoices/{body['id']}/").json()["vat_breakdown"]
    assert groups == [
        {
            "category": "S",
            "rate": "8.10",
            "net": "150.00",
            "vat": "12.15",
            "exemption_reason": "",
            "exemption_reason_code": "",
        },
        {
            "category": "Z",
            "rate": "0.00",
            "net": "40.00",
            "vat": "0.00",
            "exemption_reason": "",
            "exemption_reason_code": "",
        },
    ]
    assert sum(Decimal(g["net"]) for g in groups) == Decimal(
        finance_api.get(f"/api/v1/invoices/{body['id']}/").json()["subtotal"]
    )


def test_the_pdf_lists_the_reverse_charge_group_with_its_reason(
    people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    ClientBilling.objects.create(client=catalog.globex, vat_id="DE123456789", vat_category=VatCategory.REVERSE_CHARGE)
    project = catalog.globex.projects.create(name="Consulting")
    rate("project", project, "120.00", currency="EUR")
    billed(date(2026, 3, 3), 60, project=project)
    invoice = services.invoice_create_draft(
        client=catalog.globex, period_start=MARCH[0], period_end=MARCH[1], actor=people.admin
    )
    invoice = services.invoice_issue(invoice=invoice, actor=people.admin, issue_date=date(2026, 4, 1), render_pdf=False)

    text = " ".join(_text(pdf.invoice_pdf_bytes(invoice=invoice)[0]).split())

    assert "VAT 0 % on 120.00 (Reverse charge: VAT to be accounted for by the recipient, VATEX-EU-AE)" in text
    assert "VAT DE123456789" in text  # the buyer's VAT number, printed under its address


def test_the_client_setting_picks_the_renderer_and_issue_freezes_it(
    people: Any, catalog: Any, month: None, settings: Any
) -> None:
    settings.ETIME_COMPANY_IBAN = ""
    draft = services.invoice_create_draft(
        client=catalog.acme, period_start=MARCH[0], period_end=MARCH[1], actor=people.admin
    )
    assert documents.format_of(draft) == DocumentFormat.PDF  # CHF without a company IBAN: the plain PDF

    profile = ClientBilling.objects.create(
        client=catalog.acme, document_format=DocumentFormat.XRECHNUNG, buyer_reference="991-12345-67"
    )
    draft.client.refresh_from_db()
    draft = type(draft).objects.get(pk=draft.pk)
    assert documents.format_of(draft) == DocumentFormat.XRECHNUNG
    assert documents.pdf_renderer_for(draft).name == "pdf"  # beside an XML-only format, the PDF is the plain one
    issued = services.invoice_issue(invoice=draft, actor=people.admin, issue_date=date(2026, 4, 1), render_pdf=False)
    assert issued.buyer["document_format"] == "xrechnung" and issued.buyer["buyer_reference"] == "991-12345-67"

    profile.document_format, profile.buyer_reference = DocumentFormat.FACTUR_X, "changed"
    profile.save()
    issued = type(issued).objects.get(pk=issued.pk)
    xml = pdf.invoice_cii_xml(invoice=issued)
    assert b"xrechnung_3.0" in xml and b"<ram:BuyerReference>991-12345-67<" in xml  # as issued
