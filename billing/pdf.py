"""Invoice documents, the public functions other modules call: the Swiss QR-bill payment
part and its references, ``render_pdf``/``invoice_cii_xml`` (thin wrappers over the
renderer registry in ``billing.documents``, which picks the client's format), and the
stored PDF of an issued invoice.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile

from billing.company import company_details
from billing.models import Invoice, InvoiceStatus

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
        additional_information=f"Invoice {invoice.number}" if invoice.number else "", language="en",
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


# --- Documents: thin wrappers over the renderer registry (billing.documents) ----------------


def invoice_cii_xml(*, invoice: Invoice) -> bytes:
    """The invoice's CII XML: XRechnung 3.0 for clients sent XRechnung, else EN 16931
    (the XML a Factur-X PDF embeds). Built by ``billing.documents.cii`` with lxml."""
    from billing import documents

    return documents.xml_renderer_for(invoice).render(invoice)


def render_pdf(invoice: Invoice) -> bytes:
    """The invoice PDF in the client's format (``billing.documents``): plain, with a Swiss
    QR-bill, or Factur-X PDF/A-3 with its CII embedded."""
    from billing import documents

    return documents.pdf_renderer_for(invoice).render(invoice)


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
