"""Invoice documents, the public functions other modules call: ``render_pdf`` and
``invoice_cii_xml`` (thin wrappers over the renderer registry in ``billing.documents``,
which picks the client's format) and ``invoice_pdf_bytes`` (the frozen document of an
issued invoice, ``billing.issued``). The payment reference and the Swiss QR-bill payment
part live in ``billing.qr``.
"""

from __future__ import annotations

from billing.models import Invoice


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


def invoice_pdf_bytes(*, invoice: Invoice) -> tuple[bytes, str]:
    """(PDF bytes, file name): the frozen document of an issued invoice, or a fresh
    preview of a draft (billing/issued.py)."""
    from billing import issued

    return issued.document(invoice, "pdf")
