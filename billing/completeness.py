"""Is an invoice complete enough to issue? (issue #17)

The rule is one pure function, ``missing_fields``, over plain data (the seller, the buyer,
each line's VAT category and rate, and which documents the invoice becomes): no database,
no settings, no clock, so its table tests cover every case. ``invoice_missing`` is the
loader around it that reads a draft, and ``company_checklist`` asks the same rule what the
company's own setup lacks for each kind of invoice (the admin's checklist).

What is checked, and why (EN 16931 rule ids as the standard numbers them; "law" is the
VAT invoice content of the EU VAT directive art. 226 and the Swiss MWSTG art. 26):

1. Seller name (BR-06, law) and postal address (BR-08, law), seller country (BR-09).
2. Seller VAT number when a line is taxed: standard rate (BR-S-02, law); on an EN 16931
   invoice also for zero-rated, exempt, reverse-charge and intra-community lines
   (BR-Z-02, BR-E-02, BR-AE-02, BR-IC-02, BR-G-02), and some seller identifier always (BR-CO-26).
3. Buyer name (BR-07); buyer country on an EN 16931 invoice (BR-11).
4. Buyer VAT number for reverse charge and intra-community supplies (BR-AE-02, BR-IC-02,
   law: art. 226(4)).
5. An exemption reason for lines without VAT that need one: exempt, reverse charge,
   intra-community, export, not subject (BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10,
   law: art. 226(11)). Only checked when the caller knows the reason (``None``: unknown).
6. QR-bill (Swiss payment part): a Swiss or Liechtenstein IBAN, and a creditor address
   whose last line is "postcode town" (Swiss Implementation Guidelines for the QR-bill).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# EN 16931 VAT category codes (UNCL5305 subset).
STANDARD, ZERO, EXEMPT, REVERSE_CHARGE, INTRA_COMMUNITY, EXPORT, NOT_SUBJECT = "S", "Z", "E", "AE", "K", "G", "O"
# Lines of these categories make the seller's VAT number mandatory on an EN 16931 invoice.
_SELLER_VAT_RULES = {
    STANDARD: "BR-S-02",
    ZERO: "BR-Z-02",
    EXEMPT: "BR-E-02",
    REVERSE_CHARGE: "BR-AE-02",
    INTRA_COMMUNITY: "BR-IC-02",
    EXPORT: "BR-G-02",
}
# ... and these need an exemption reason (text or code) per category.
_REASON_RULES = {
    EXEMPT: "BR-E-10",
    REVERSE_CHARGE: "BR-AE-10",
    INTRA_COMMUNITY: "BR-IC-10",
    EXPORT: "BR-G-10",
    NOT_SUBJECT: "BR-O-10",
}
# ... and these the buyer's VAT number.
_BUYER_VAT_RULES = {REVERSE_CHARGE: "BR-AE-02", INTRA_COMMUNITY: "BR-IC-02"}
# As billing/pdf.py splits the creditor address for the QR-bill: "8001 Zürich", "FL-9490 Vaduz".
_POSTCODE_TOWN = re.compile(r"^\s*[A-Z]{0,2}-?\d{3,6}\s+\S")
QR_BILL_RULE = "QR-bill"
LAW_RULE = "VAT law"


@dataclass(frozen=True)
class Party:
    """Seller or buyer as the invoice will show them. ``legal_id`` is a seller identifier
    or legal registration (BT-29/BT-30) where one is known; ``iban`` the seller's."""

    name: str = ""
    address_lines: tuple[str, ...] = ()
    country: str = ""
    vat_id: str = ""
    legal_id: str = ""
    iban: str = ""


@dataclass(frozen=True)
class LineTax:
    """One line's VAT: ``rate`` in percent; ``category`` an EN 16931 code (None: from the
    rate, S above 0, E at 0, as the documents print today); ``exemption_reason`` None
    when the caller does not know it (not checked), "" when it is known to be blank."""

    rate: Decimal
    category: str | None = None
    exemption_reason: str | None = None

    @property
    def code(self) -> str:
        if self.category:
            return self.category
        return STANDARD if self.rate > 0 else EXEMPT


@dataclass(frozen=True)
class Documents:
    """What the invoice becomes: a QR-bill payment part, an EN 16931 e-invoice (Factur-X,
    CII), or just the PDF (both False)."""

    qr_bill: bool = False
    en16931: bool = False


@dataclass(frozen=True)
class Missing:
    """A field the invoice lacks. ``field`` is dotted (``seller.vat_id``); ``code`` says
    what is wrong with it (``required``, ``not_swiss_iban``, ``no_postcode_town``);
    ``rules`` which rules ask for it."""

    field: str
    code: str
    rules: tuple[str, ...]
    message: Any = ""

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "rules": list(self.rules), "message": str(self.message)}


_MESSAGES = {
    ("seller.name", "required"): _("the company name"),
    ("seller.address", "required"): _("the company address"),
    ("seller.address", "no_postcode_town"): _("the company address's last line as postcode and town"),
    ("seller.country", "required"): _("the company country"),
    ("seller.vat_id", "required"): _("the company VAT number"),
    ("seller.iban", "required"): _("the company IBAN"),
    ("seller.iban", "not_swiss_iban"): _("a Swiss or Liechtenstein IBAN (CH or LI) for the QR-bill"),
    ("buyer.name", "required"): _("the client's name"),
    ("buyer.country", "required"): _("the client's country"),
    ("buyer.vat_id", "required"): _("the client's VAT number"),
    ("lines.exemption_reason", "required"): _("a VAT exemption reason for the lines without VAT"),
}


def missing_fields(*, seller: Party, buyer: Party, lines: Sequence[LineTax], documents: Documents) -> list[Missing]:
    """Everything the invoice lacks to be issued, in a stable order (seller, buyer, lines),
    one entry per field and problem with all the rules that ask for it. Empty: complete."""
    found: dict[tuple[str, str], list[str]] = {}

    def need(name: str, code: str, rule: str) -> None:
        rules = found.setdefault((name, code), [])
        if rule not in rules:
            rules.append(rule)

    codes = [line.code for line in lines]
    if not seller.name.strip():
        need("seller.name", "required", "BR-06")
    if not any(line.strip() for line in seller.address_lines):
        need("seller.address", "required", "BR-08")
    elif documents.qr_bill and not _POSTCODE_TOWN.match(seller.address_lines[-1].strip()):
        need("seller.address", "no_postcode_town", QR_BILL_RULE)
    if not seller.country.strip():
        need("seller.country", "required", "BR-09")
    if not seller.vat_id.strip():
        if STANDARD in codes:
            need("seller.vat_id", "required", "BR-S-02" if documents.en16931 else LAW_RULE)
        if documents.en16931:
            for code in codes:
                if code in _SELLER_VAT_RULES:
                    need("seller.vat_id", "required", _SELLER_VAT_RULES[code])
            if not seller.legal_id.strip():
                need("seller.vat_id", "required", "BR-CO-26")
    if documents.qr_bill:
        iban = seller.iban.replace(" ", "").upper()
        if not iban:
            need("seller.iban", "required", QR_BILL_RULE)
        elif iban[:2] not in ("CH", "LI"):
            need("seller.iban", "not_swiss_iban", QR_BILL_RULE)
    if not buyer.name.strip():
        need("buyer.name", "required", "BR-07")
    if documents.en16931 and not buyer.country.strip():
        need("buyer.country", "required", "BR-11")
    if not buyer.vat_id.strip():
        for code in codes:
            if code in _BUYER_VAT_RULES:
                need("buyer.vat_id", "required", _BUYER_VAT_RULES[code])
    for line in lines:
        if line.code in _REASON_RULES and line.exemption_reason is not None and not line.exemption_reason.strip():
            need("lines.exemption_reason", "required", _REASON_RULES[line.code])
    return [
        Missing(name, code, tuple(rules), _MESSAGES.get((name, code), name)) for (name, code), rules in found.items()
    ]


# --- loaders ----------------------------------------------------------------------------------------

# Kinds of invoice the company checklist covers: (label, documents, a line of that kind).
CHECKLIST_KINDS: tuple[tuple[Any, Documents, LineTax], ...] = (
    (_("CHF invoices (QR-bill) with VAT"), Documents(qr_bill=True), LineTax(Decimal("8.1"))),
    (_("EUR invoices (Factur-X, EN 16931) with VAT"), Documents(en16931=True), LineTax(Decimal("19"))),
    (_("EUR invoices (Factur-X, EN 16931) without VAT"), Documents(en16931=True), LineTax(Decimal("0"))),
    (_("Invoices in other currencies with VAT"), Documents(), LineTax(Decimal("20"))),
)


def documents_for(currency: str) -> Documents:
    """The documents an invoice in ``currency`` becomes (billing/pdf.py picks by currency:
    CHF gets a QR-bill, EUR a Factur-X e-invoice, others the plain PDF)."""
    return Documents(qr_bill=currency == "CHF", en16931=currency == "EUR")


def seller_party(details: dict[str, Any] | None = None) -> Party:
    """The seller from ``company_details()`` (its placeholder name counts as missing)."""
    from billing.company import company_details

    details = details if details is not None else company_details()
    name = str(details.get("name") or "")
    return Party(
        name="" if name.startswith("(set ") else name,
        address_lines=tuple(str(line) for line in details.get("address_lines") or ()),
        country=str(details.get("country") or ""),
        vat_id=str(details.get("vat_id") or ""),
        legal_id=str(details.get("legal_id") or details.get("registration_id") or ""),
        iban=str(details.get("iban") or ""),
    )


def buyer_party(buyer: dict[str, Any]) -> Party:
    """The buyer from ``documents.parties.buyer_details`` (the client with its e-invoicing
    details: VAT number, structured address)."""
    return Party(
        name=str(buyer.get("name") or ""),
        address_lines=tuple(str(line) for line in buyer.get("address_lines") or ()),
        country=str(buyer.get("country") or ""),
        vat_id=str(buyer.get("vat_id") or ""),
    )


def _line_tax(line: Any, buyer: dict[str, Any]) -> LineTax:
    # The category and exemption text the documents will print (billing/documents/vat.py).
    from billing.documents.vat import exemption, line_category

    category = line_category(Decimal(line.vat_rate), line.vat_category, buyer)
    return LineTax(rate=Decimal(line.vat_rate), category=category, exemption_reason=exemption(category, buyer)[0])


def documents_of(invoice: Any, buyer: dict[str, Any]) -> Documents:
    """The documents the invoice becomes: the client's format (``billing.documents``); by
    currency when the client chose none, where a CHF invoice is meant to carry a QR-bill
    (so a missing IBAN is reported rather than silently giving a plain PDF)."""
    from billing.models import DocumentFormat

    chosen = buyer.get("document_format") or DocumentFormat.AUTO
    if chosen == DocumentFormat.AUTO:
        return documents_for(invoice.currency)
    return Documents(
        qr_bill=chosen == DocumentFormat.QR_BILL, en16931=chosen in (DocumentFormat.FACTUR_X, DocumentFormat.XRECHNUNG)
    )


def invoice_missing(invoice: Any, *, seller: Party | None = None) -> list[Missing]:
    """What ``invoice`` (a draft) lacks, with the company and the client as they are now."""
    from billing.documents.parties import buyer_details

    buyer = buyer_details(invoice.client)
    return missing_fields(
        seller=seller or seller_party(),
        buyer=buyer_party(buyer),
        lines=[_line_tax(line, buyer) for line in invoice.lines.all()],
        documents=documents_of(invoice, buyer),
    )


def ensure_complete(invoice: Any) -> None:
    """Raise ``invoice_incomplete`` listing what ``invoice`` lacks (called at issue)."""
    from billing.errors import InvoiceIncomplete

    missing = invoice_missing(invoice)
    if missing:
        listed = "; ".join(str(m.message) for m in missing)
        raise InvoiceIncomplete(
            gettext("This invoice cannot be issued yet. Missing: %(missing)s.") % {"missing": listed},
            details={"missing": [m.as_dict() for m in missing]},
        )


def company_checklist(seller: Party | None = None) -> list[tuple[Any, list[Missing]]]:
    """For each kind of invoice, what the company's own setup lacks (buyer-side needs
    are the client's and shown when a draft is issued)."""
    seller = seller or seller_party()
    complete_buyer = Party(name="x", address_lines=("x",), country="XX", vat_id="x")
    return [
        (
            label,
            [
                m
                for m in missing_fields(seller=seller, buyer=complete_buyer, lines=[line], documents=documents)
                if m.field.startswith("seller.")
            ],
        )
        for label, documents, line in CHECKLIST_KINDS
    ]
