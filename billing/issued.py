"""Issued documents are frozen: the PDF and the CII XML of an invoice or credit note are
rendered once, in the transaction that issues it, stored under MEDIA
(``invoices/<year>/``, so backups and restores carry them with the other media) with
their SHA-256, and served as stored ever after: ``GET …/pdf/`` and ``…/cii/`` return the
bytes that went out, checked against the hash (``invoice_document_corrupted`` if not).

Payments and credit notes never rewrite an issued document: they show in the API
(``amount_paid``, ``open_amount``, ``payment_status``, ``amount_credited``,
``credit_notes``), in reminders, and as documents of their own (a credit note is
issued and frozen like an invoice). The renderers draw the invoice as issued (amount
due = total), so even a document rendered late (issued with ``render_pdf=False``, or
stored before this rule) says what the issued invoice said.

Drafts are previews: rendered on every request, never stored.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from django.core.files.base import ContentFile
from django.db import transaction

from billing.errors import InvoiceDocumentCorrupted
from billing.models import Invoice, InvoiceStatus

Kind = Literal["pdf", "cii"]
EXTENSIONS = {"pdf": "pdf", "cii": "xml"}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _render(invoice: Invoice, kind: Kind) -> bytes:
    from billing import pdf

    return pdf.render_pdf(invoice) if kind == "pdf" else pdf.invoice_cii_xml(invoice=invoice)


def store_documents(invoice: Invoice) -> None:
    """Render and store the documents ``invoice`` lacks, with their hashes. Call it in
    the transaction that issues the invoice, on the row it holds locked; documents
    already stored are kept (a PDF stored before hashes existed gets its hash)."""
    if invoice.status == InvoiceStatus.DRAFT:
        raise ValueError("Drafts are previewed, not stored.")
    changed: dict[str, str] = {}
    for kind in ("pdf", "cii"):
        field, digest_field = getattr(invoice, kind), f"{kind}_sha256"
        if field:
            if not getattr(invoice, digest_field):
                with field.open("rb") as handle:
                    changed[digest_field] = _sha256(handle.read())
            continue
        data = _render(invoice, kind)
        field.save(f"{invoice.number}.{EXTENSIONS[kind]}", ContentFile(data), save=False)
        changed[kind], changed[digest_field] = field.name, _sha256(data)
    if changed:
        for name, value in changed.items():
            if name.endswith("_sha256"):
                setattr(invoice, name, value)
        Invoice.objects.filter(pk=invoice.pk).update(**changed)


def ensure_documents(invoice: Invoice) -> Invoice:
    """The invoice with both documents stored: those an invoice issued without them
    (``render_pdf=False``) lacks are stored now, once, under the row's lock."""
    if invoice.pdf and invoice.cii and invoice.pdf_sha256 and invoice.cii_sha256:
        return invoice
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        store_documents(locked)
    return locked


def document(invoice: Invoice, kind: Kind) -> tuple[bytes, str]:
    """(bytes, file name) of the invoice's PDF or CII XML: the stored document of an
    issued invoice, checked against its hash, or a fresh preview of a draft."""
    if invoice.status == InvoiceStatus.DRAFT:
        return _render(invoice, kind), f"draft-{invoice.pk}.{EXTENSIONS[kind]}"
    invoice = ensure_documents(invoice)
    field, digest = getattr(invoice, kind), getattr(invoice, f"{kind}_sha256")
    with field.open("rb") as handle:
        data = bytes(handle.read())
    if _sha256(data) != digest:
        raise InvoiceDocumentCorrupted(details={"invoice": str(invoice.pk), "document": kind, "sha256": digest})
    return data, f"{invoice.number}.{EXTENSIONS[kind]}"
