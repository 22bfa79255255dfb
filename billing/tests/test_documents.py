"""The PDF (read back as text), the Swiss QR-bill payload and the Factur-X XML."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import StreamObject

from billing import pdf, qr, services
from billing.tests.conftest import MARCH
from timesheets.models import Project

pytestmark = pytest.mark.django_db

COMPANY = {
    "ETIME_COMPANY_NAME": "Muster Consulting AG",
    "ETIME_COMPANY_ADDRESS_LINES": ["Bahnhofstrasse 10", "8001 Zürich"],
    "ETIME_COMPANY_COUNTRY": "CH",
    "ETIME_COMPANY_VAT_ID": "CHE-123.456.789 MWST",
    "ETIME_COMPANY_IBAN": "CH93 0076 2011 6238 5295 7",
}


@pytest.fixture(autouse=True)
def company(settings: Any) -> None:
    for name, value in COMPANY.items():
        setattr(settings, name, value)


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _issued(people: Any, client: Any, project: Any, rate: Any, billed: Any, *, task: Any = None) -> Any:
    rate("project", project, "120.00")
    billed(date(2026, 3, 3), 80, project=project)  # 1.33 h
    billed(date(2026, 3, 4), 150, project=project, task=task)
    invoice = services.invoice_create_draft(
        client=client, period_start=MARCH[0], period_end=MARCH[1], actor=people.admin
    )
    return services.invoice_issue(invoice=invoice, actor=people.admin, issue_date=date(2026, 4, 1), render_pdf=False)


def test_the_pdf_holds_number_lines_and_totals(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    catalog.acme.billing_address = "Acme AG\nHauptstrasse 5\n3000 Bern"
    catalog.acme.save()
    invoice = _issued(people, catalog.acme, catalog.website, rate, billed, task=catalog.design)

    data, name = pdf.invoice_pdf_bytes(invoice=invoice)

    assert name == "INV-2026-0001.pdf" and data.startswith(b"%PDF")
    text = _text(data)
    assert "Invoice INV-2026-0001" in text
    assert "Website – Design" in text and "2.50 h" in text and "300.00" in text
    assert "1.33 h" in text and "159.60" in text  # 1.33 × 120.00, not 80 min × 120/60 = 160.00
    assert "Subtotal" in text and "459.60" in text
    assert "VAT 8.10 % on 459.60" in text and "37.23" in text
    assert "Total" in text and "496.83" in text
    assert "Muster Consulting AG" in text and "Hauptstrasse 5" in text
    assert "Payment part" in text  # the QR-bill page of a CHF invoice
    invoice.refresh_from_db()
    assert invoice.pdf.name.endswith(".pdf")
    assert pdf.invoice_pdf_bytes(invoice=invoice)[0] == data  # stored, not re-rendered


def test_the_qr_bill_payload_carries_iban_amount_and_reference(
    people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    invoice = _issued(people, catalog.acme, catalog.website, rate, billed)

    payload = qr.qr_bill(invoice).qr_data().split("\r\n")

    assert payload[0] == "SPC"
    assert "CH9300762011623852957" in payload
    assert f"{invoice.total:.2f}" in payload and "CHF" in payload
    reference = qr.creditor_reference(invoice)
    assert reference == "RF16INV20260001"
    assert "SCOR" in payload and reference in payload
    from stdnum import iso11649

    assert iso11649.is_valid(reference)


def test_eur_invoices_embed_factur_x_that_validates_and_reads_back(
    people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    from facturx import get_xml_from_pdf, xml_check_xsd

    catalog.globex.billing_address = "Globex GmbH\nFriedrichstrasse 1\n10117 Berlin"
    catalog.globex.vat_rate = Decimal("19.00")
    catalog.globex.save()
    consulting = Project.objects.create(client=catalog.globex, name="Consulting")
    invoice = _issued(people, catalog.globex, consulting, rate, billed)
    services.payment_record(invoice=invoice, actor=people.admin, amount=Decimal("100"), day=date(2026, 4, 5))

    xml = pdf.invoice_cii_xml(invoice=invoice)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True

    data, _ = pdf.invoice_pdf_bytes(invoice=invoice)
    filename, embedded = get_xml_from_pdf(data, check_xsd=True)
    assert filename == "factur-x.xml"
    tree = etree.fromstring(embedded)
    ns = {
        "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
        "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    }
    assert tree.findtext("rsm:ExchangedDocument/ram:ID", namespaces=ns) == "INV-2026-0001"
    summary = tree.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", ns)
    assert summary.findtext("ram:TaxBasisTotalAmount", namespaces=ns) == "459.60"
    assert summary.findtext("ram:TaxTotalAmount", namespaces=ns) == "87.32"
    assert summary.findtext("ram:GrandTotalAmount", namespaces=ns) == "546.92"
    assert len(tree.findall(".//ram:IncludedSupplyChainTradeLineItem", ns)) == 1
    metadata = PdfReader(io.BytesIO(data)).root_object["/Metadata"].get_object()
    assert isinstance(metadata, StreamObject)
    xmp = metadata.get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp or b'pdfaid:part="3"' in xmp  # PDF/A-3


def test_credit_note_cii_is_type_381_with_positive_amounts(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    consulting = Project.objects.create(client=catalog.globex, name="Consulting")
    invoice = _issued(people, catalog.globex, consulting, rate, billed)
    note = services.invoice_credit_note(invoice=invoice, actor=people.admin, render_pdf=False)

    xml = pdf.invoice_cii_xml(invoice=note)

    from facturx import xml_check_xsd

    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml and b"<ram:GrandTotalAmount>459.60<" in xml
    assert b"INV-2026-0001" in xml  # the invoice it reverses


def test_an_exempt_invoice_prints_its_0_percent_group_with_the_reason(
    people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    consulting = Project.objects.create(client=catalog.globex, name="Consulting")
    invoice = _issued(people, catalog.globex, consulting, rate, billed)
    text = _text(pdf.invoice_pdf_bytes(invoice=invoice)[0])
    # The 0 % group is listed (its base adds up to the subtotal) with why no VAT is charged.
    assert "Subtotal" in text and f"VAT 0 % on {invoice.subtotal} (Exempt from VAT)" in text


def test_a_draft_previews_marked_draft_and_stores_nothing(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    invoice = services.invoice_create_draft(
        client=catalog.acme, period_start=MARCH[0], period_end=MARCH[1], actor=people.admin
    )
    text = _text(pdf.invoice_pdf_bytes(invoice=invoice)[0])
    assert "DRAFT" in text
    invoice.refresh_from_db()
    assert not invoice.pdf


def test_without_a_usable_company_address_the_invoice_prints_without_qr_bill(
    settings: Any, people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    invoice = _issued(people, catalog.acme, catalog.website, rate, billed)
    # Issuing now refuses such an address (billing.completeness); one issued before did not.
    invoice.seller = {**invoice.seller, "address_lines": ["Nowhere in particular"]}  # no "postcode town" line
    invoice.save(update_fields=["seller"])
    text = _text(pdf.invoice_pdf_bytes(invoice=invoice)[0])
    assert "Invoice INV-2026-0001" in text and "Payment part" not in text
    assert "CH93 0076 2011 6238 5295" in text  # the IBAN still in the payment terms


def test_company_settings_from_the_admin_are_the_seller_on_the_pdf(
    people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    from etime.ops.company import company_settings_update

    company_settings_update(
        actor=people.admin,
        company_name="Beispiel GmbH",
        address="Seestrasse 1\n8002 Zürich",
        vat_id="CHE-999.888.777 MWST",
    )
    catalog.acme.billing_address = "Acme AG\nHauptstrasse 5\n3000 Bern"
    catalog.acme.save()
    invoice = _issued(people, catalog.acme, catalog.website, rate, billed, task=catalog.design)

    text = _text(pdf.invoice_pdf_bytes(invoice=invoice)[0])

    assert "Beispiel GmbH" in text and "Seestrasse 1" in text and "CHE-999.888.777" in text
    assert "Muster Consulting AG" not in text  # the settings-file name gives way
