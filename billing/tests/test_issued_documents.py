"""Issued documents are frozen: the PDF and the CII XML are stored at issue with their
SHA-256 and served byte for byte ever after; payments and credit notes show in the API,
never by rewriting an issued document."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.files.storage import default_storage
from lxml import etree
from pypdf import PdfReader

from billing import issued, services
from billing.models import Invoice
from billing.tests.conftest import MARCH, error_of
from timesheets.models import Project

pytestmark = pytest.mark.django_db

NS = {
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
}


@pytest.fixture(autouse=True)
def company(settings: Any) -> None:
    settings.ETIME_COMPANY_NAME = "Muster Consulting AG"
    settings.ETIME_COMPANY_ADDRESS_LINES = ["Bahnhofstrasse 10", "8001 Zürich"]
    settings.ETIME_COMPANY_COUNTRY = "CH"
    settings.ETIME_COMPANY_VAT_ID = "CHE-123.456.789 MWST"
    settings.ETIME_COMPANY_IBAN = "CH93 0076 2011 6238 5295 7"


@pytest.fixture(autouse=True)
def april_2026() -> Any:
    """Invoices of March, issued on 1 April, paid and credited in April."""
    with time_machine.travel(datetime(2026, 4, 15, 10, 0, tzinfo=UTC)):
        yield


def _issue_via_api(api: Any, client: Any) -> dict[str, Any]:
    draft = api.post(
        "/api/v1/invoices/",
        {"client": str(client.pk), "period_start": "2026-03-01", "period_end": "2026-03-31"},
        format="json",
    )
    assert draft.status_code == 201, draft.content
    response = api.post(f"/api/v1/invoices/{draft.json()['id']}/issue/", {"issue_date": "2026-04-01"}, format="json")
    assert response.status_code == 200, response.content
    return dict(response.json())


def _stored(invoice_id: str) -> tuple[bytes, bytes]:
    invoice = Invoice.objects.get(pk=invoice_id)
    with default_storage.open(invoice.pdf.name, "rb") as pdf, default_storage.open(invoice.cii.name, "rb") as cii:
        return pdf.read(), cii.read()


def _get(api: Any, invoice_id: str, kind: str) -> bytes:
    response = api.get(f"/api/v1/invoices/{invoice_id}/{kind}/")
    assert response.status_code == 200, response.content
    digest = base64.b64encode(hashlib.sha256(response.content).digest()).decode()
    assert response["Repr-Digest"] == f"sha-256=:{digest}:"
    return bytes(response.content)


def _summary(xml: bytes) -> dict[str, str]:
    node = etree.fromstring(xml).find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", NS)
    return {etree.QName(child).localname: child.text for child in node}


@pytest.fixture
def month(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 90)
    billed(date(2026, 3, 4), 60, task=catalog.design)


def test_issue_stores_both_documents_with_their_hashes_in_the_issue_itself(
    finance_api: Any, catalog: Any, month: None
) -> None:
    body = _issue_via_api(finance_api, catalog.acme)

    invoice = Invoice.objects.get(pk=body["id"])  # before any download
    assert invoice.pdf.name.endswith("INV-2026-0001.pdf") and invoice.cii.name.endswith("INV-2026-0001.xml")
    pdf, cii = _stored(body["id"])
    assert hashlib.sha256(pdf).hexdigest() == invoice.pdf_sha256 == body["pdf_sha256"]
    assert hashlib.sha256(cii).hexdigest() == invoice.cii_sha256 == body["cii_sha256"]
    assert pdf.startswith(b"%PDF") and b"<ram:ID>INV-2026-0001</ram:ID>" in cii


def test_after_a_payment_pdf_and_cii_are_the_bytes_stored_at_issue(
    people: Any, finance_api: Any, catalog: Any, month: None
) -> None:
    body = _issue_via_api(finance_api, catalog.acme)
    at_issue = (_get(finance_api, body["id"], "pdf"), _get(finance_api, body["id"], "cii"))
    assert _summary(at_issue[1])["DuePayableAmount"] == body["total"] == "270.25"

    paid = finance_api.post(
        "/api/v1/payments/", {"invoice": body["id"], "amount": "100.00", "date": "2026-04-10"}, format="json"
    )
    assert paid.status_code == 201, paid.content

    after = (_get(finance_api, body["id"], "pdf"), _get(finance_api, body["id"], "cii"))
    assert after == at_issue == _stored(body["id"])
    assert "TotalPrepaidAmount" not in _summary(after[1])  # the document says what it said at issue
    shown = finance_api.get(f"/api/v1/invoices/{body['id']}/").json()  # the payment shows here instead
    assert (shown["amount_paid"], shown["open_amount"], shown["payment_status"]) == (
        "100.00",
        "170.25",
        "partially_paid",
    )
    assert (shown["pdf_sha256"], shown["cii_sha256"]) == (body["pdf_sha256"], body["cii_sha256"])


def test_a_credit_note_is_its_own_frozen_document_and_the_invoice_stays_as_issued(
    people: Any, finance_api: Any, catalog: Any, month: None
) -> None:
    body = _issue_via_api(finance_api, catalog.acme)
    at_issue = (_get(finance_api, body["id"], "pdf"), _get(finance_api, body["id"], "cii"))

    note = finance_api.post(f"/api/v1/invoices/{body['id']}/credit-note/", {"issue_date": "2026-04-12"}, format="json")
    assert note.status_code == 201, note.content
    note_body = note.json()

    assert (_get(finance_api, body["id"], "pdf"), _get(finance_api, body["id"], "cii")) == at_issue
    note_pdf, note_cii = _get(finance_api, note_body["id"], "pdf"), _get(finance_api, note_body["id"], "cii")
    assert (note_pdf, note_cii) == _stored(note_body["id"])
    tree = etree.fromstring(note_cii)
    assert tree.findtext("rsm:ExchangedDocument/ram:ID", namespaces=NS) == note_body["number"] == "CN-2026-0001"
    assert tree.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "381"
    assert tree.findtext(".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=NS) == "INV-2026-0001"
    assert _summary(note_cii)["DuePayableAmount"] == "270.25"
    assert "Credit note CN-2026-0001" in PdfReader(io.BytesIO(note_pdf)).pages[0].extract_text()

    shown = finance_api.get(f"/api/v1/invoices/{body['id']}/").json()
    assert shown["payment_status"] == "credited" and shown["open_amount"] == "0.00"
    assert shown["amount_credited"] == "270.25"
    assert shown["credit_notes"] == [{"id": note_body["id"], "number": "CN-2026-0001"}]
    assert _summary(at_issue[1])["DuePayableAmount"] == "270.25"  # the invoice as it went out


def test_eur_pdf_embeds_exactly_the_stored_cii(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    from facturx import get_xml_from_pdf

    catalog.globex.billing_address = "Globex GmbH\nFriedrichstrasse 1\n10117 Berlin"
    catalog.globex.save()
    consulting = Project.objects.create(client=catalog.globex, name="Consulting")
    rate("project", consulting, "120.00")
    billed(date(2026, 3, 3), 90, project=consulting)
    draft = services.invoice_create_draft(
        client=catalog.globex, period_start=MARCH[0], period_end=MARCH[1], actor=people.admin
    )
    invoice = services.invoice_issue(invoice=draft, actor=people.admin, issue_date=date(2026, 4, 1))
    services.payment_record(invoice=invoice, actor=people.admin, amount=Decimal("50.00"), day=date(2026, 4, 5))

    pdf, _ = issued.document(invoice, "pdf")
    cii, name = issued.document(invoice, "cii")
    assert name == "INV-2026-0001.xml"
    assert get_xml_from_pdf(pdf, check_xsd=False)[1] == cii


def test_an_invoice_issued_without_documents_stores_them_on_first_download_once(
    people: Any, finance_api: Any, catalog: Any, month: None
) -> None:
    draft = services.invoice_create_draft(
        client=catalog.acme, period_start=MARCH[0], period_end=MARCH[1], actor=people.admin
    )
    invoice = services.invoice_issue(invoice=draft, actor=people.admin, issue_date=date(2026, 4, 1), render_pdf=False)
    assert not Invoice.objects.get(pk=invoice.pk).cii
    services.payment_record(invoice=invoice, actor=people.admin, amount=Decimal("20.00"), day=date(2026, 4, 5))

    first = _get(finance_api, str(invoice.pk), "cii")
    assert _summary(first)["DuePayableAmount"] == "270.25"  # as issued, though rendered after the payment
    services.payment_record(invoice=invoice, actor=people.admin, amount=Decimal("30.00"), day=date(2026, 4, 6))
    assert _get(finance_api, str(invoice.pk), "cii") == first == _stored(str(invoice.pk))[1]


def test_a_stored_document_that_no_longer_matches_its_hash_is_refused(
    finance_api: Any, catalog: Any, month: None
) -> None:
    body = _issue_via_api(finance_api, catalog.acme)
    invoice = Invoice.objects.get(pk=body["id"])
    with default_storage.open(invoice.cii.name, "wb") as handle:
        handle.write(b"<tampered/>")

    error = error_of(finance_api.get(f"/api/v1/invoices/{body['id']}/cii/"), 500, "invoice_document_corrupted")

    assert error["details"]["document"] == "cii" and error["details"]["sha256"] == body["cii_sha256"]
    assert finance_api.get(f"/api/v1/invoices/{body['id']}/pdf/").status_code == 200  # the PDF is intact


def test_drafts_are_previewed_fresh_and_never_stored(finance_api: Any, catalog: Any, month: None) -> None:
    draft = finance_api.post(
        "/api/v1/invoices/",
        {"client": str(catalog.acme.pk), "period_start": "2026-03-01", "period_end": "2026-03-31"},
        format="json",
    ).json()
    cii = finance_api.get(f"/api/v1/invoices/{draft['id']}/cii/")
    assert cii.status_code == 200 and b"<ram:ID>DRAFT</ram:ID>" in cii.content
    assert "Repr-Digest" not in cii
    invoice = Invoice.objects.get(pk=draft["id"])
    assert not invoice.pdf and not invoice.cii and not invoice.pdf_sha256
