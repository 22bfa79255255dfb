"""Invoice documents: the PDF (WeasyPrint, ``templates/billing/invoice_pdf.html``), the
Swiss QR-bill payment part for CHF invoices, and the EN 16931 CII XML (Factur-X) that
EUR invoices embed in a PDF/A-3 and that ``GET .../cii/`` serves alone.

Extension point: another renderer (a different layout, another e-invoice syntax) is a
function taking an ``Invoice`` and returning bytes; ``invoice_pdf_bytes`` picks by
currency today (CHF: QR-bill, EUR: Factur-X, others: the plain PDF).
"""

from __future__ import annotations

import base64
import gc
import io
import logging
import re
import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from django.utils import translation

from billing.company import company_details
from billing.language import invoice_language
from billing.models import Invoice, InvoiceKind, InvoiceStatus, LineKind
from billing.services import vat_breakdown

logger = logging.getLogger(__name__)
QR_IID = range(30000, 32000)  # QR-IBANs carry an institution id in this range and need a QR reference


# --- References -----------------------------------------------------------------------------


def creditor_reference(invoice: Invoice) -> str:
    """An ISO 11649 creditor reference (``RF..``) from the invoice number: what a payer
    quotes, and what lets a bank statement be matched to the invoice."""
    body = re.sub(r"[^0-9A-Z]", "", (invoice.number or str(invoice.pk)).upper())[-21:]
    digits = "".join(str(int(ch, 36)) for ch in body + "RF00")
    return f"RF{98 - int(digits) % 97:02d}{body}"


def qr_reference(invoice: Invoice) -> str:
    """A 27-digit QR reference (for QR-IBANs): year, sequence, zero-padded, check digit."""
    from stdnum.ch import esr

    base = f"{invoice.sequence_year or 0:04d}{invoice.sequence_number or 0:010d}".rjust(26, "0")
    return base + esr.calc_check_digit(base)


def _is_qr_iban(iban: str) -> bool:
    compact = iban.replace(" ", "")
    return len(compact) >= 9 and compact[:2] in ("CH", "LI") and int(compact[4:9]) in QR_IID


def _split_address(lines: list[str]) -> tuple[str, str, str]:
    """(street line, postcode, town) from printed address lines."""
    street = lines[0] if len(lines) > 1 else ""
    last = lines[-1] if lines else ""
    match = re.match(r"^\s*([A-Z]{0,2}-?\d{3,6})\s+(.+)$", last)
    if match:
        return street, match.group(1), match.group(2)
    return street, "", last


# --- Swiss QR-bill -----------------------------------------------------------------------------


def qr_bill(invoice: Invoice) -> Any:
    """The ``qrbill.QRBill`` of a CHF invoice: the company's IBAN, the open amount and a
    reference (QR reference for a QR-IBAN, else an RF creditor reference)."""
    from qrbill import QRBill

    seller = invoice.seller or company_details()
    buyer = invoice.buyer or {"name": invoice.client.name, "address_lines": [], "country": invoice.client.country}
    street, pcode, city = _split_address(seller["address_lines"])
    iban = seller["iban"]
    reference = qr_reference(invoice) if _is_qr_iban(iban) else creditor_reference(invoice)
    debtor = None
    b_street, b_pcode, b_city = _split_address(buyer.get("address_lines") or [])
    if b_pcode and b_city:
        debtor = {"name": buyer["name"][:70], "street": b_street[:70], "pcode": b_pcode, "city": b_city[:35],
                  "country": buyer.get("country") or "CH"}  # fmt: skip
    amount = invoice.total if invoice.status == InvoiceStatus.DRAFT else invoice.total - invoice.amount_paid
    return QRBill(
        account=iban, creditor={"name": seller["name"][:70], "street": street[:70], "pcode": pcode, "city": city[:35],
                                "country": seller.get("country") or "CH"},
        amount=f"{amount:.2f}", currency=invoice.currency, debtor=debtor, reference_number=reference,
        additional_information=f"Invoice {invoice.number}" if invoice.number else "", language=invoice_language(invoice),
    )  # fmt: skip


def _qr_bill_svg(invoice: Invoice) -> str:
    out = io.StringIO()
    qr_bill(invoice).as_svg(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue().encode()).decode()


def _qr_bill_or_nothing(invoice: Invoice) -> str:
    """The payment part, or none when the company details can't make one (an IBAN that
    is not Swiss, an address without "postcode town"): logged, and the invoice still
    prints with the IBAN in its payment terms."""
    try:
        return _qr_bill_svg(invoice)
    except ValueError as exc:
        logger.warning("billing: no QR-bill for %s: %s", invoice.number or invoice.pk, exc)
        return ""


# --- EN 16931 CII (Factur-X) -------------------------------------------------------------------


def _d(value: date) -> str:
    return f'<udt:DateTimeString format="102">{value:%Y%m%d}</udt:DateTimeString>'


def _party(tag: str, party: dict[str, Any], *, vat_id: str = "") -> str:
    street, pcode, city = _split_address(party.get("address_lines") or [])
    address = "".join([
        f"<ram:PostcodeCode>{escape(pcode)}</ram:PostcodeCode>" if pcode else "",
        f"<ram:LineOne>{escape(street)}</ram:LineOne>" if street else "",
        f"<ram:CityName>{escape(city)}</ram:CityName>" if city else "",
        f"<ram:CountryID>{escape(party.get('country') or 'CH')}</ram:CountryID>",
    ])  # fmt: skip
    tax = f'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{escape(vat_id)}</ram:ID></ram:SpecifiedTaxRegistration>' if vat_id else ""
    return f"<ram:{tag}><ram:Name>{escape(party['name'])}</ram:Name><ram:PostalTradeAddress>{address}</ram:PostalTradeAddress>{tax}</ram:{tag}>"


def _category(rate: Decimal) -> str:
    return "S" if rate else "E"


def invoice_cii_xml(*, invoice: Invoice) -> bytes:
    """The invoice as UN/CEFACT CII in the Factur-X EN 16931 profile. Credit notes are
    type 381 with the amounts positive, as the syntax expects."""
    sign = Decimal(-1) if invoice.kind == InvoiceKind.CREDIT_NOTE else Decimal(1)
    seller = invoice.seller or company_details()
    buyer = invoice.buyer or {"name": invoice.client.name, "address_lines": invoice.client.billing_address.splitlines(),
                              "country": invoice.client.country}  # fmt: skip
    cur = escape(invoice.currency)
    lines_xml = []
    lines = list(invoice.lines.all())
    for n, line in enumerate(lines, 1):
        quantity, price = sign * line.quantity, line.unit_price
        if price < 0:  # a discount: EN 16931 wants a non-negative price, so the quantity carries the sign
            quantity, price = -quantity, -price
        unit = "HUR" if line.unit == "h" else "C62"
        lines_xml.append(
            "<ram:IncludedSupplyChainTradeLineItem>"
            f"<ram:AssociatedDocumentLineDocument><ram:LineID>{n}</ram:LineID></ram:AssociatedDocumentLineDocument>"
            f"<ram:SpecifiedTradeProduct><ram:Name>{escape(line.description)}</ram:Name></ram:SpecifiedTradeProduct>"
            "<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice>"
            f"<ram:ChargeAmount>{price:.2f}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>"
            f'<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="{unit}">{quantity:.2f}</ram:BilledQuantity>'
            "</ram:SpecifiedLineTradeDelivery>"
            "<ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode>"
            f"<ram:CategoryCode>{_category(line.vat_rate)}</ram:CategoryCode>"
            f"<ram:RateApplicablePercent>{line.vat_rate:.2f}</ram:RateApplicablePercent></ram:ApplicableTradeTax>"
            "<ram:SpecifiedTradeSettlementLineMonetarySummation>"
            f"<ram:LineTotalAmount>{sign * line.amount:.2f}</ram:LineTotalAmount>"
            "</ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>"
            "</ram:IncludedSupplyChainTradeLineItem>"
        )
    taxes = "".join(
        "<ram:ApplicableTradeTax>"
        f"<ram:CalculatedAmount>{sign * g.vat:.2f}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>"
        + ("" if g.rate else "<ram:ExemptionReason>Exempt from VAT</ram:ExemptionReason>")
        + f"<ram:BasisAmount>{sign * g.net:.2f}</ram:BasisAmount><ram:CategoryCode>{_category(g.rate)}</ram:CategoryCode>"
        f"<ram:RateApplicablePercent>{g.rate:.2f}</ram:RateApplicablePercent></ram:ApplicableTradeTax>"
        for g in vat_breakdown([(line.amount, line.vat_rate) for line in lines])
    )
    issue = invoice.issue_date or date.today()  # noqa: DTZ011 - a draft preview's date
    due = invoice.due_date
    payment_means = (
        "<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode><ram:PayeePartyCreditorFinancialAccount>"
        f"<ram:IBANID>{escape(seller['iban'].replace(' ', ''))}</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>"
        "</ram:SpecifiedTradeSettlementPaymentMeans>"
    ) if seller.get("iban") else ""  # fmt: skip
    terms = (
        f"<ram:SpecifiedTradePaymentTerms><ram:Description>Payable within {invoice.payment_terms_days} days</ram:Description>"
        + (f"<ram:DueDateDateTime>{_d(due)}</ram:DueDateDateTime>" if due else "")
        + "</ram:SpecifiedTradePaymentTerms>"
    )
    referenced = (
        f"<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>{escape(invoice.credits.number)}</ram:IssuerAssignedID>"
        "</ram:InvoiceReferencedDocument>"
    ) if invoice.credits_id and invoice.credits else ""  # fmt: skip
    xml = (
        "<?xml version='1.0' encoding='UTF-8'?>"
        '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
        'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
        'xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100" '
        'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">'
        "<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>"
        "<ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>"
        f"<rsm:ExchangedDocument><ram:ID>{escape(invoice.number or 'DRAFT')}</ram:ID>"
        f"<ram:TypeCode>{381 if invoice.kind == InvoiceKind.CREDIT_NOTE else 380}</ram:TypeCode>"
        f"<ram:IssueDateTime>{_d(issue)}</ram:IssueDateTime>"
        + (f"<ram:IncludedNote><ram:Content>{escape(invoice.notes)}</ram:Content></ram:IncludedNote>" if invoice.notes else "")
        + "</rsm:ExchangedDocument><rsm:SupplyChainTradeTransaction>"
        + "".join(lines_xml)
        + "<ram:ApplicableHeaderTradeAgreement>"
        + _party("SellerTradeParty", seller, vat_id=seller.get("vat_id", ""))
        + _party("BuyerTradeParty", buyer)
        + "</ram:ApplicableHeaderTradeAgreement><ram:ApplicableHeaderTradeDelivery/>"
        "<ram:ApplicableHeaderTradeSettlement>"
        f"<ram:PaymentReference>{escape(invoice.number or 'DRAFT')}</ram:PaymentReference>"
        f"<ram:InvoiceCurrencyCode>{cur}</ram:InvoiceCurrencyCode>"
        + payment_means + taxes
        + f"<ram:BillingSpecifiedPeriod><ram:StartDateTime>{_d(invoice.period_start)}</ram:StartDateTime>"
        f"<ram:EndDateTime>{_d(invoice.period_end)}</ram:EndDateTime></ram:BillingSpecifiedPeriod>"
        + terms
        + "<ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
        f"<ram:LineTotalAmount>{sign * invoice.subtotal:.2f}</ram:LineTotalAmount>"
        f"<ram:TaxBasisTotalAmount>{sign * invoice.subtotal:.2f}</ram:TaxBasisTotalAmount>"
        f'<ram:TaxTotalAmount currencyID="{cur}">{sign * invoice.vat_amount:.2f}</ram:TaxTotalAmount>'
        f"<ram:GrandTotalAmount>{sign * invoice.total:.2f}</ram:GrandTotalAmount>"
        + (f"<ram:TotalPrepaidAmount>{invoice.amount_paid:.2f}</ram:TotalPrepaidAmount>" if invoice.amount_paid else "")
        + f"<ram:DuePayableAmount>{sign * (invoice.total - invoice.amount_paid):.2f}</ram:DuePayableAmount>"
        "</ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
        + referenced
        + "</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"
    )
    return xml.encode("utf-8")


# --- PDF -------------------------------------------------------------------------------------


def _context(invoice: Invoice) -> dict[str, Any]:
    seller = invoice.seller or company_details()
    buyer = invoice.buyer or {"name": invoice.client.name, "address_lines": invoice.client.billing_address.splitlines(),
                              "country": invoice.client.country}  # fmt: skip
    logo = seller.get("logo_path") or ""
    lines = list(invoice.lines.select_related("project", "task"))
    groups = vat_breakdown([(line.amount, line.vat_rate) for line in lines])
    return {
        "invoice": invoice, "seller": seller, "buyer": buyer, "lines": lines,
        "vat_groups": [g for g in groups if g.rate],
        "is_draft": invoice.status == InvoiceStatus.DRAFT, "is_void": invoice.status == InvoiceStatus.VOID,
        "is_credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE,
        "logo_url": Path(logo).resolve().as_uri() if logo and Path(logo).is_file() else "",
        "qr_bill_svg": _qr_bill_or_nothing(invoice) if invoice.currency == "CHF" and seller.get("iban")
        and invoice.total > 0 and invoice.kind == InvoiceKind.INVOICE else "",
        "reference": creditor_reference(invoice) if invoice.number else "",
        "time_kind": LineKind.TIME,
    }  # fmt: skip


def render_pdf(invoice: Invoice) -> bytes:
    """The invoice PDF. EUR invoices are PDF/A-3 with their Factur-X XML embedded."""
    from weasyprint import HTML

    with translation.override(invoice_language(invoice)):  # the client's language, not the clicker's
        html = render_to_string("billing/invoice_pdf.html", _context(invoice))
    factur_x = invoice.currency == "EUR"
    if factur_x:
        # WeasyPrint's PDF/A output intent opens its sRGB profile and never closes it;
        # collect the rendered document here so that leak's ResourceWarning stays local.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            rendered = HTML(string=html, base_url=str(Path(__file__).resolve().parent)).render(pdf_variant="pdf/a-3b")
            pdf = rendered.write_pdf(pdf_variant="pdf/a-3b")
            del rendered
            gc.collect()
    else:
        pdf = HTML(string=html, base_url=str(Path(__file__).resolve().parent)).write_pdf()
    if pdf is None:  # write_pdf returns None only when given a target
        raise RuntimeError("WeasyPrint returned no PDF")
    if factur_x:
        from facturx import generate_from_binary

        pdf = generate_from_binary(
            pdf, invoice_cii_xml(invoice=invoice), flavor="factur-x", level="en16931", check_xsd=True,
            pdf_metadata={"author": (invoice.seller or {}).get("name", ""), "title": f"Invoice {invoice.number}",
                          "subject": f"Invoice {invoice.number}", "keywords": "Factur-X"},
        )  # fmt: skip
    return bytes(pdf)


def invoice_store_pdf(*, invoice: Invoice) -> FieldFile:
    """Render an issued invoice once and keep the file with it (idempotent: a stored PDF
    is returned as is, so the document never changes after issue)."""
    if invoice.status == InvoiceStatus.DRAFT:
        raise ValueError("Drafts are previewed, not stored.")
    if invoice.pdf:
        return invoice.pdf
    data = render_pdf(invoice)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if not locked.pdf:
            locked.pdf.save(f"{locked.number}.pdf", ContentFile(data), save=False)
            Invoice.objects.filter(pk=locked.pk).update(pdf=locked.pdf.name)
        invoice.pdf = locked.pdf
    return invoice.pdf


def invoice_pdf_bytes(*, invoice: Invoice) -> tuple[bytes, str]:
    """(PDF bytes, file name): the stored document of an issued invoice (rendered and
    stored on first use), or a fresh preview of a draft."""
    if invoice.status == InvoiceStatus.DRAFT:
        return render_pdf(invoice), f"draft-{invoice.pk}.pdf"
    stored = invoice_store_pdf(invoice=invoice)
    with stored.open("rb") as handle:
        return handle.read(), f"{invoice.number}.pdf"
