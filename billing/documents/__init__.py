"""Invoice documents: one renderer class per output format, in a registry, chosen by the
client's setting (``ClientBilling.document_format``, copied into ``Invoice.buyer`` at issue).

A renderer has ``name``, ``media_type``, ``extension`` and ``render(invoice) -> bytes``.
Registered: ``pdf`` (plain PDF), ``qr_bill`` (PDF with the Swiss QR-bill payment part),
``factur_x`` (PDF/A-3 with the EN 16931 CII embedded), ``xrechnung`` (XRechnung 3.0 CII
XML). ``"auto"`` (empty) picks by currency as etime always did: CHF with an IBAN: QR-bill;
EUR: Factur-X; others: PDF. A new format is a class decorated with ``@register``.
"""

from __future__ import annotations

from typing import ClassVar, Protocol, TypeVar

from billing.models import DocumentFormat, Invoice


class Renderer(Protocol):
    name: ClassVar[str]
    media_type: ClassVar[str]
    extension: ClassVar[str]
    is_pdf: ClassVar[bool]

    def render(self, invoice: Invoice) -> bytes: ...


REGISTRY: dict[str, Renderer] = {}
R = TypeVar("R", bound=type[Renderer])


def register(cls: R) -> R:
    """Class decorator: add one instance of the renderer under its ``name``."""
    REGISTRY[cls.name] = cls()
    return cls


def get(name: str) -> Renderer:
    from billing.documents import renderers  # noqa: F401 - registers the built-in formats

    return REGISTRY[name]


def format_of(invoice: Invoice) -> str:
    """The registry name of the invoice's document format."""
    from billing.documents.parties import buyer_of, seller_of

    chosen = buyer_of(invoice).get("document_format") or DocumentFormat.AUTO
    if chosen != DocumentFormat.AUTO:
        return str(chosen)
    if invoice.currency == "CHF" and seller_of(invoice).get("iban"):
        return DocumentFormat.QR_BILL
    if invoice.currency == "EUR":
        return DocumentFormat.FACTUR_X
    return DocumentFormat.PDF


def renderer_for(invoice: Invoice) -> Renderer:
    """The renderer of the document the client receives."""
    return get(format_of(invoice))


def pdf_renderer_for(invoice: Invoice) -> Renderer:
    """The PDF of the invoice: the client's format, or the plain PDF beside an XML-only one."""
    renderer = renderer_for(invoice)
    return renderer if renderer.is_pdf else get(DocumentFormat.PDF)


def xml_renderer_for(invoice: Invoice) -> Renderer:
    """The CII XML: XRechnung for XRechnung clients, else EN 16931 (what Factur-X embeds)."""
    return get(DocumentFormat.XRECHNUNG if format_of(invoice) == DocumentFormat.XRECHNUNG else "cii")
