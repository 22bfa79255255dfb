"""The built-in renderers (see ``billing.documents``)."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path
from typing import Any, ClassVar

from django.template.loader import render_to_string

from billing.documents import register
from billing.documents.cii import build_cii
from billing.documents.parties import buyer_of, postal_address, seller_of
from billing.documents.vat import vat_summary
from billing.models import Invoice, InvoiceKind, InvoiceStatus, LineKind

BASE_URL = str(Path(__file__).resolve().parent.parent)


def pdf_context(invoice: Invoice, *, qr_bill_svg: str = "") -> dict[str, Any]:
    from billing.qr import payment_reference

    seller, buyer = seller_of(invoice), buyer_of(invoice)
    logo = seller.get("logo_path") or ""
    lines = list(invoice.lines.select_related("project", "task"))
    return {
        "invoice": invoice,
        "seller": seller,
        "buyer": buyer,
        "buyer_address": postal_address(buyer),
        "lines": lines,
        "vat_groups": vat_summary(lines, buyer),
        "is_draft": invoice.status == InvoiceStatus.DRAFT,
        "is_void": invoice.status == InvoiceStatus.VOID,
        "is_credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE,
        "logo_url": Path(logo).resolve().as_uri() if logo and Path(logo).is_file() else "",
        "qr_bill_svg": qr_bill_svg,
        "reference": payment_reference(invoice),
        "time_kind": LineKind.TIME,
    }


def _html(invoice: Invoice, **extra: Any) -> str:
    from django.utils import translation

    from billing.language import invoice_language

    with translation.override(invoice_language(invoice)):  # the client's language, not the clicker's
        return render_to_string("billing/invoice_pdf.html", pdf_context(invoice, **extra))


def _write_pdf(html: str, *, pdf_a: bool = False) -> bytes:
    from etime.core.pdf import weasy_html  # resources from etime's own files only

    if pdf_a:
        # WeasyPrint's PDF/A output intent opens its sRGB profile and never closes it;
        # collect the rendered document here so that leak's ResourceWarning stays local.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            rendered = weasy_html(html, base_url=BASE_URL).render(pdf_variant="pdf/a-3b")
            pdf = rendered.write_pdf(pdf_variant="pdf/a-3b")
            del rendered
            gc.collect()
    else:
        pdf = weasy_html(html, base_url=BASE_URL).write_pdf()
    if pdf is None:  # write_pdf returns None only when given a target
        raise RuntimeError("WeasyPrint returned no PDF")
    return bytes(pdf)


@register
class PlainPdf:
    name: ClassVar[str] = "pdf"
    media_type: ClassVar[str] = "application/pdf"
    extension: ClassVar[str] = "pdf"
    is_pdf: ClassVar[bool] = True

    def render(self, invoice: Invoice) -> bytes:
        return _write_pdf(_html(invoice))


@register
class QrBillPdf(PlainPdf):
    """The PDF with the Swiss QR-bill payment part (drawn by ``billing.pdf``'s QR path) on
    invoices with something to pay; without an IBAN or a usable address, the plain PDF."""

    name: ClassVar[str] = "qr_bill"

    def render(self, invoice: Invoice) -> bytes:
        from billing.qr import qr_bill_svg_or_nothing

        payable = bool(seller_of(invoice).get("iban")) and invoice.total > 0 and invoice.kind == InvoiceKind.INVOICE
        return _write_pdf(_html(invoice, qr_bill_svg=qr_bill_svg_or_nothing(invoice) if payable else ""))


@register
class CiiXml:
    """The EN 16931 CII alone (what ``GET /invoices/{id}/cii/`` serves to non-XRechnung clients)."""

    name: ClassVar[str] = "cii"
    media_type: ClassVar[str] = "application/xml"
    extension: ClassVar[str] = "xml"
    is_pdf: ClassVar[bool] = False

    def render(self, invoice: Invoice) -> bytes:
        return build_cii(invoice)


@register
class XRechnungXml(CiiXml):
    name: ClassVar[str] = "xrechnung"

    def render(self, invoice: Invoice) -> bytes:
        return build_cii(invoice, xrechnung=True)


@register
class FacturXPdf(PlainPdf):
    """PDF/A-3 with the EN 16931 CII embedded as factur-x.xml (checked against the XSD)."""

    name: ClassVar[str] = "factur_x"

    def render(self, invoice: Invoice) -> bytes:
        from facturx import generate_from_binary

        seller = seller_of(invoice)
        pdf = generate_from_binary(
            _write_pdf(_html(invoice), pdf_a=True),
            build_cii(invoice),
            flavor="factur-x",
            level="en16931",
            check_xsd=True,
            pdf_metadata={
                "author": seller.get("name", ""),
                "title": f"Invoice {invoice.number}",
                "subject": f"Invoice {invoice.number}",
                "keywords": "Factur-X",
            },
        )
        return bytes(pdf)
