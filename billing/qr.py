"""The Swiss QR-bill: which payment reference an invoice carries, and the payment part
with its QR symbol drawn as the Swiss Payment Standards draw it.

One rule decides the reference (``payment_reference``): a QR-IBAN (institution id 30000–
31999) takes a 27-digit QR reference (``QRR``), any other IBAN an ISO 11649 creditor
reference (``SCOR``, ``RF..``). The payment part and the invoice body both print what it
returns, so a payer never sees two references.

The symbol (Swiss Implementation Guidelines QR-bill, style guide): error correction M,
46 × 46 mm whatever the version, a 5 mm quiet zone, and the Swiss cross in the centre:
a white 7 × 7 mm square holding a black 6 × 6 mm square with a white cross of bars
7/6 × 35/9 mm (the proportions of the standard's graphic file). The payment part itself
(texts, receipt, scissors) is the ``qrbill`` library's; ``SwissQRBill`` replaces only its
symbol and cross, which it draws at 45.8 mm with a 7.3 mm cross.

Version: the smallest QR version that holds the data, except that versions 7–13 are
raised to 14. In versions 7–13 (and 21–40) an alignment pattern sits exactly in the
centre, where the cross covers it; decoders that sample the grid from every alignment
pattern (zbar, used by many scanning apps) then misread the whole symbol. Versions 14–20
have no alignment pattern in the centre. Version 14 (73 modules, 0.63 mm each) is well
above the standard's 0.4 mm minimum module, and the standard limits only the maximum
version (25). Payloads needing version 21+ keep it (zbar misses those again): an etime
payload is at most 558 characters (every name, street and town at its QR-bill maximum),
which version 20 holds (666 bytes) unless more than 108 of them are accented letters
(two bytes in UTF-8).
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from billing.models import Invoice

logger = logging.getLogger(__name__)

QR_IID = range(30000, 32000)  # QR-IBANs carry an institution id in this range and need a QR reference

SYMBOL_MM = 46.0  # the symbol without quiet zone, whatever its version
QUIET_ZONE_MM = 5.0
CROSS_WHITE_MM = 7.0  # the cross's white square ...
CROSS_BLACK_MM = 6.0  # ... around its black square ...
CROSS_BAR_WIDTH_MM = 7 / 6  # ... with the white cross's bars
CROSS_BAR_LENGTH_MM = 35 / 9
# Versions whose centre holds an alignment pattern are raised to the first one that doesn't.
CENTRE_ALIGNMENT_VERSIONS = range(7, 14)
CENTRE_FREE_VERSION = 14


# --- The payment reference ---------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentReference:
    type: str  # "QRR" (QR reference, with a QR-IBAN) or "SCOR" (ISO 11649 creditor reference)
    value: str

    @property
    def printed(self) -> str:
        """As people read it: a QR reference in groups of five from the right, an RF
        reference in groups of four (the QR-bill's own formatting)."""
        from qrbill.bill import format_ref_number

        return str(format_ref_number(_RefHolder(self.value, self.type)))


@dataclass(frozen=True)
class _RefHolder:  # the two attributes qrbill's formatter reads
    reference_number: str
    ref_type: str


def is_qr_iban(iban: str) -> bool:
    compact = iban.replace(" ", "").upper()
    return len(compact) >= 9 and compact[:2] in ("CH", "LI") and compact[4:9].isdigit() and int(compact[4:9]) in QR_IID


def creditor_reference(invoice: Invoice) -> str:
    """An ISO 11649 creditor reference (``RF..``) from the invoice number."""
    body = re.sub(r"[^0-9A-Z]", "", (invoice.number or str(invoice.pk)).upper())[-21:]
    digits = "".join(str(int(ch, 36)) for ch in body + "RF00")
    return f"RF{98 - int(digits) % 97:02d}{body}"


def qr_reference(invoice: Invoice) -> str:
    """A 27-digit QR reference: year, sequence number, zero-padded, mod-10 check digit."""
    from stdnum.ch import esr

    base = f"{invoice.sequence_year or 0:04d}{invoice.sequence_number or 0:010d}".rjust(26, "0")
    return base + esr.calc_check_digit(base)


def payment_reference(invoice: Invoice) -> PaymentReference | None:
    """The reference a payer quotes: ``QRR`` with a QR-IBAN, ``SCOR`` otherwise; the one
    rule for the body, the payment part and the CII. None before the invoice has a number
    and for credit notes (nobody pays them; their sequence would repeat the invoices'
    QR references, which must be unique per creditor)."""
    from billing.models import InvoiceKind

    if not invoice.number or invoice.kind != InvoiceKind.INVOICE:
        return None
    from billing.company import company_details

    seller = invoice.seller or company_details()
    if is_qr_iban(seller.get("iban") or ""):
        return PaymentReference("QRR", qr_reference(invoice))
    return PaymentReference("SCOR", creditor_reference(invoice))


# --- The symbol ------------------------------------------------------------------------------


def symbol_matrix(data: str) -> list[list[bool]]:
    """The QR modules (rows of booleans, no quiet zone) for ``data`` at error correction
    M, in the smallest version that holds it, raised from 7–13 to 14 (module docstring)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    if code.version in CENTRE_ALIGNMENT_VERSIONS:
        code = qrcode.QRCode(version=CENTRE_FREE_VERSION, error_correction=ERROR_CORRECT_M, border=0)
        code.add_data(data)
        code.make(fit=False)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def _modules_path(matrix: list[list[bool]]) -> str:
    """SVG path data, one unit per module, one rectangle per horizontal run of dark modules."""
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start},{y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    return "".join(parts)


class _SymbolImage:
    """What ``qrbill`` reads from ``qr_image()``: an SVG with one ``<path>`` and a
    ``width`` it scales by ``45.8 mm / width``. Declaring ``modules × 45.8 / 46`` makes
    that scale exactly 46 mm / modules."""

    def __init__(self, matrix: list[list[bool]]) -> None:
        self.modules = len(matrix)
        self.width = self.modules * 45.8 / SYMBOL_MM
        self._path = _modules_path(matrix)

    def save(self, out: io.BytesIO) -> None:
        out.write(f'<svg xmlns="http://www.w3.org/2000/svg"><path d="{self._path}" /></svg>'.encode())


@functools.cache
def _swiss_qr_bill_class() -> type:
    from qrbill import QRBill
    from qrbill.bill import BILL_HEIGHT, RECEIPT_WIDTH, SCISSORS_SVG_PATH, mm

    class SwissQRBill(QRBill):
        """``qrbill``'s payment part with the symbol and cross drawn to the standard, and
        the scissors on the receipt/payment line moved up beside the titles: ``qrbill``
        puts them level with the symbol, 3.7 mm from it, inside its 5 mm quiet zone."""

        def draw_bill(self, dwg: Any, horiz_scissors: bool = True) -> Any:
            line: bool = bool(self.payment_line)  # type: ignore[has-type]  # qrbill is untyped
            self.payment_line = False
            try:
                group = super().draw_bill(dwg, horiz_scissors=horiz_scissors)
            finally:
                self.payment_line = line
            if line:
                above = 1  # mm, as qrbill draws (room for the top line's scissors)
                group.add(
                    dwg.line(
                        start=(mm(RECEIPT_WIDTH), mm(above)),
                        end=(mm(RECEIPT_WIDTH), mm(BILL_HEIGHT - above)),
                        stroke="black",
                        stroke_dasharray="2 2",
                        fill="none",
                    )
                )
                scissors = dwg.path(
                    d=SCISSORS_SVG_PATH, style="fill:#000000;fill-opacity:1;fill-rule:nonzero;stroke:none"
                )
                scissors.scale(1.9)
                scissors.translate(tx=118, ty=5)  # qrbill's x; 3-8 mm below the top line instead of 20-24 mm
                scissors.rotate(90)
                group.add(scissors)
            return group

        def qr_image(self) -> _SymbolImage:
            return _SymbolImage(symbol_matrix(self.qr_data()))

        def draw_swiss_cross(self, dwg: Any, grp: Any, origin: tuple[float, float], size: float) -> None:
            x, y = origin
            centre_x, centre_y = x + mm(SYMBOL_MM / 2), y + mm(SYMBOL_MM / 2)
            group = grp.add(dwg.g(id="swiss-cross"))

            def rect(width: float, height: float, fill: str) -> None:
                group.add(
                    dwg.rect(
                        insert=(centre_x - mm(width / 2), centre_y - mm(height / 2)),
                        size=(mm(width), mm(height)),
                        fill=fill,
                    )
                )

            rect(CROSS_WHITE_MM, CROSS_WHITE_MM, "white")
            rect(CROSS_BLACK_MM, CROSS_BLACK_MM, "black")
            rect(CROSS_BAR_WIDTH_MM, CROSS_BAR_LENGTH_MM, "white")
            rect(CROSS_BAR_LENGTH_MM, CROSS_BAR_WIDTH_MM, "white")

    return SwissQRBill


def _additional_information(invoice: Invoice) -> str:
    """The payment part's message ("Invoice INV-2026-0001") in the invoice's language."""
    from django.utils import translation

    from billing.language import invoice_language

    if not invoice.number:
        return ""
    with translation.override(invoice_language(invoice)):
        return translation.gettext("Invoice %(number)s") % {"number": invoice.number}


def qr_bill(invoice: Invoice) -> Any:
    """The payment part of a CHF invoice: the company's IBAN, the amount as issued (a
    document never changes after issue; payments show in the API and reminders) and the
    invoice's payment reference."""
    from billing.documents.parties import buyer_of, postal_address, seller_of
    from billing.language import invoice_language

    seller = seller_of(invoice)
    creditor = postal_address(seller)
    debtor_address = postal_address(buyer_of(invoice))
    reference = payment_reference(invoice)
    debtor = None
    if debtor_address["postcode"] and debtor_address["city"]:
        debtor = {
            "name": buyer_of(invoice)["name"][:70],
            "street": debtor_address["street"][:70],
            "pcode": debtor_address["postcode"],
            "city": debtor_address["city"][:35],
            "country": debtor_address["country"],
        }
    return _swiss_qr_bill_class()(
        account=seller["iban"],
        creditor={
            "name": seller["name"][:70],
            "street": creditor["street"][:70],
            "pcode": creditor["postcode"],
            "city": creditor["city"][:35],
            "country": creditor["country"],
        },
        amount=f"{invoice.total:.2f}",
        currency=invoice.currency,
        debtor=debtor,
        reference_number=reference.value if reference else None,
        additional_information=_additional_information(invoice),
        language=invoice_language(invoice),
    )


def qr_bill_svg(invoice: Invoice) -> str:
    """The payment part (210 × 106 mm: 105 mm and 1 mm above for the scissors line) as a
    data URI for the PDF template."""
    out = io.StringIO()
    qr_bill(invoice).as_svg(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue().encode()).decode()


def qr_bill_svg_or_nothing(invoice: Invoice) -> str:
    """The payment part, or none when the company details can't make one (an IBAN that
    is not Swiss, an address without "postcode town"): logged, and the invoice still
    prints with the IBAN in its payment terms."""
    try:
        return qr_bill_svg(invoice)
    except ValueError as exc:
        logger.warning("billing: no QR-bill for %s: %s", invoice.number or invoice.pk, exc)
        return ""
