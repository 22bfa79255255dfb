"""QR-bills as scanners read them: every bill's PDF, rasterised at 150, 300 and 600 dpi,
decoded by zbar (Debian's zbarimg) and by zxing-cpp, the payload compared field by field
with the invoice, and the symbol measured against the Swiss Payment Standards (46 mm,
5 mm quiet zone, 7 mm cross with a 6 mm black square). Needs apt zbar-tools."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import qrcode
from pypdf import PdfReader

from billing import issued, qr, services
from billing.models import Invoice
from billing.tests import qrscan
from billing.tests.conftest import MARCH

pytestmark = pytest.mark.django_db

IBAN = "CH93 0076 2011 6238 5295 7"
QR_IBAN = "CH44 3199 9123 0008 8901 2"  # institution id 31999: a QR-IBAN
DPIS = (150, 300, 600)
LONG_CLIENT = "Société Coopérative de Développement Économique et Agroalimentaire Genève"[:70]
LONG_NAME = "Überlänge Beratungsgesellschaft für Zeitwirtschaft und Lohnbuchhaltung AG"[:70]


@dataclass(frozen=True)
class Case:
    iban: str
    company: str
    company_lines: tuple[str, ...]
    client_address: str
    creditor: tuple[str, str, str, str]  # name, street, postcode, town as the payload must carry them
    debtor: tuple[str, str, str, str] | None
    reference_type: str
    client_name: str = "Acme AG"


CASES = {
    "scor": Case(
        IBAN,
        "Muster Consulting AG",
        ("Bahnhofstrasse 10", "8001 Zürich"),
        "Acme AG\nHauptstrasse 5\n3000 Bern",
        ("Muster Consulting AG", "Bahnhofstrasse 10", "8001", "Zürich"),
        ("Acme AG", "Hauptstrasse 5", "3000", "Bern"),
        "SCOR",
    ),
    "qrr": Case(
        QR_IBAN,
        "Muster Consulting AG",
        ("Bahnhofstrasse 10", "8001 Zürich"),
        "Müller & Söhne AG\nBächliwis 55\n8184 Bachenbülach",
        ("Muster Consulting AG", "Bahnhofstrasse 10", "8001", "Zürich"),
        ("Acme AG", "Bächliwis 55", "8184", "Bachenbülach"),
        "QRR",
    ),
    "no_debtor": Case(
        QR_IBAN,
        "Muster Consulting AG",
        ("Bahnhofstrasse 10", "8001 Zürich"),
        "",
        ("Muster Consulting AG", "Bahnhofstrasse 10", "8001", "Zürich"),
        None,
        "QRR",
    ),
    "long": Case(
        IBAN,
        LONG_NAME,
        ("Rue de la Gare de Marchandises du Lötschberg-Simplon 112", "2501 Biel/Bienne"),
        "Acme AG\nAvenue de la Société Générale de Surveillance 1000\n1204 Genève",
        (LONG_NAME, "Rue de la Gare de Marchandises du Lötschberg-Simplon 112", "2501", "Biel/Bienne"),
        (LONG_CLIENT, "Avenue de la Société Générale de Surveillance 1000", "1204", "Genève"),
        "SCOR",
        client_name=LONG_CLIENT,
    ),
}

# The Swiss Implementation Guidelines' field order (version 0200, no alternative schemes).
FIELDS = [
    "QRType",
    "Version",
    "Coding",
    "IBAN",
    "Cdtr.AdrTp",
    "Cdtr.Name",
    "Cdtr.StrtNmOrAdrLine1",
    "Cdtr.BldgNbOrAdrLine2",
    "Cdtr.PstCd",
    "Cdtr.TwnNm",
    "Cdtr.Ctry",
    "UltmtCdtr.AdrTp",
    "UltmtCdtr.Name",
    "UltmtCdtr.StrtNmOrAdrLine1",
    "UltmtCdtr.BldgNbOrAdrLine2",
    "UltmtCdtr.PstCd",
    "UltmtCdtr.TwnNm",
    "UltmtCdtr.Ctry",
    "Amt",
    "Ccy",
    "UltmtDbtr.AdrTp",
    "UltmtDbtr.Name",
    "UltmtDbtr.StrtNmOrAdrLine1",
    "UltmtDbtr.BldgNbOrAdrLine2",
    "UltmtDbtr.PstCd",
    "UltmtDbtr.TwnNm",
    "UltmtDbtr.Ctry",
    "RmtInf.Tp",
    "RmtInf.Ref",
    "RmtInf.Ustrd",
    "RmtInf.Trailer",
]


def _issue(case: Case, settings: Any, people: Any, catalog: Any, rate: Any, billed: Any) -> Invoice:
    settings.ETIME_COMPANY_NAME = case.company
    settings.ETIME_COMPANY_ADDRESS_LINES = list(case.company_lines)
    settings.ETIME_COMPANY_COUNTRY = "CH"
    settings.ETIME_COMPANY_IBAN = case.iban
    catalog.acme.name = case.client_name
    catalog.acme.billing_address = case.client_address
    catalog.acme.save()
    rate("project", catalog.website, "120.00")
    billed(date(2026, 3, 3), 80)
    billed(date(2026, 3, 4), 150)
    draft = services.invoice_create_draft(
        client=catalog.acme, period_start=MARCH[0], period_end=MARCH[1], actor=people.admin
    )
    return services.invoice_issue(invoice=draft, actor=people.admin, issue_date=date(2026, 4, 1))


def _expected(invoice: Invoice, case: Case) -> dict[str, str]:
    """What the payload must say, from the invoice as issued and the case's addresses."""
    reference = qr.payment_reference(invoice)
    assert reference is not None
    debtor = ["S", *case.debtor[:2], "", *case.debtor[2:], "CH"] if case.debtor else [""] * 7
    values = [
        "SPC",
        "0200",
        "1",
        invoice.seller["iban"].replace(" ", ""),
        "S",
        case.creditor[0],
        case.creditor[1],
        "",
        case.creditor[2],
        case.creditor[3],
        "CH",
        *[""] * 7,
        f"{invoice.total:.2f}",
        invoice.currency,
        *debtor,
        reference.type,
        reference.value,
        f"Invoice {invoice.number}",
        "EPD",
    ]
    return dict(zip(FIELDS, values, strict=True))


def _fields(payload: bytes) -> dict[str, str]:
    values = payload.decode("utf-8").split("\r\n")
    assert len(values) == len(FIELDS), values
    return dict(zip(FIELDS, values, strict=True))


@pytest.mark.parametrize("name", sorted(CASES))
def test_zbar_and_zxing_read_every_bill_at_150_300_600_dpi_field_by_field(
    name: str, settings: Any, people: Any, catalog: Any, rate: Any, billed: Any, record_property: Any
) -> None:
    case = CASES[name]
    invoice = _issue(case, settings, people, catalog, rate, billed)
    data, _ = issued.document(invoice, "pdf")
    expected = _expected(invoice, case)
    assert expected["RmtInf.Tp"] == case.reference_type

    for dpi in DPIS:
        image = qrscan.payment_slip_image(data, dpi)
        zbar = qrscan.decode_zbar(image)
        zxing = qrscan.decode_zxing(image)
        assert len(zbar) == 1, f"zbar read {len(zbar)} symbols at {dpi} dpi"
        assert len(zxing) == 1, f"zxing read {len(zxing)} symbols at {dpi} dpi"
        assert _fields(zbar[0]) == expected, f"zbar at {dpi} dpi"
        assert _fields(bytes(zxing[0].bytes)) == expected, f"zxing at {dpi} dpi"
        assert zxing[0].ec_level == "M"

        m = qrscan.measure(image, dpi, zxing[0])
        pixel = 25.4 / dpi
        record_property(
            "figure",
            f"qrbill {name} {dpi} dpi: symbol {m.side_mm:.2f} mm, version "
            f"{(m.modules - 17) // 4}, module {m.module_mm:.3f} mm, quiet zone l/r/t/b "
            f"{m.quiet_left_mm:.2f}/{m.quiet_right_mm:.2f}/{m.quiet_top_mm:.2f}/{m.quiet_bottom_mm:.2f} mm, "
            f"cross black {m.cross_black_mm:.2f} mm, bars {m.cross_bar_width_mm:.2f} x "
            f"{m.cross_bar_length_mm:.2f} mm",
        )
        tolerance = 1.5 * pixel + 0.05
        assert abs(m.side_mm - qr.SYMBOL_MM) <= tolerance, m
        assert m.modules not in {17 + 4 * v for v in qr.CENTRE_ALIGNMENT_VERSIONS}, m
        assert m.module_mm >= 0.4, m  # the standard's minimum module
        # 5 mm of nothing around the symbol, measured to the ink. Left and right the 5 mm
        # end at a line's centre: the receipt/payment separator (1 user unit = 0.28 mm
        # wide) and, without a debtor, the corner marks of the empty "Payable by" box on
        # the 118 mm column edge (0.26 mm square-capped strokes): half a stroke and its cap.
        stroke = 0.26
        for side in (m.quiet_left_mm, m.quiet_right_mm):
            assert side >= qr.QUIET_ZONE_MM - stroke - tolerance, m
        for side in (m.quiet_top_mm, m.quiet_bottom_mm):
            assert side >= qr.QUIET_ZONE_MM - tolerance, m
        assert abs(m.cross_black_mm - qr.CROSS_BLACK_MM) <= tolerance, m
        assert m.cross_white_ring_clear, m  # white from the 6 mm black square out to 7 mm
        assert abs(m.cross_bar_width_mm - qr.CROSS_BAR_WIDTH_MM) <= tolerance, m
        assert abs(m.cross_bar_length_mm - qr.CROSS_BAR_LENGTH_MM) <= tolerance, m


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.mark.parametrize("name", ["scor", "qrr"])
def test_the_body_quotes_the_reference_the_payment_part_carries(
    name: str, settings: Any, people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    case = CASES[name]
    invoice = _issue(case, settings, people, catalog, rate, billed)
    data, _ = issued.document(invoice, "pdf")
    payload = _fields(qrscan.decode_zxing(qrscan.payment_slip_image(data, 300))[0].bytes)
    reference = qr.payment_reference(invoice)
    assert reference is not None
    assert (payload["RmtInf.Tp"], payload["RmtInf.Ref"]) == (reference.type, reference.value)

    *body, slip = _pages(data)
    body_text = " ".join(" ".join(body).split())
    assert f"quoting {reference.printed}." in body_text
    assert reference.printed in " ".join(slip.split())  # the payment part prints the same
    if name == "qrr":
        assert reference.type == "QRR" and len(reference.value) == 27 and reference.value.isdigit()
        assert "RF" not in body_text.replace("Reference", "")  # no creditor reference anywhere in the body
    else:
        assert reference.value == qr.creditor_reference(invoice) and reference.value.startswith("RF")


def test_a_draft_has_no_reference_yet(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    draft = services.invoice_create_draft(
        client=catalog.acme, period_start=MARCH[0], period_end=MARCH[1], actor=people.admin
    )
    assert qr.payment_reference(draft) is None


@pytest.mark.parametrize(
    ("iban", "qr_iban"),
    [
        (QR_IBAN, True),
        ("LI21 3000 0000 0000 0000 0", True),
        (IBAN, False),
        ("DE89 3704 0044 0532 0130 00", False),
        ("CH", False),
    ],
)
def test_qr_ibans_are_told_by_their_institution_id(iban: str, qr_iban: bool) -> None:
    assert qr.is_qr_iban(iban) is qr_iban


def _version(matrix: list[list[bool]]) -> int:
    return (len(matrix) - 17) // 4


def test_versions_with_an_alignment_pattern_under_the_cross_are_raised_to_14() -> None:
    seen = {}
    for length in range(150, 600, 25):
        data = "x" * length
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(data)
        code.make(fit=True)
        seen[code.version] = _version(qr.symbol_matrix(data))
    assert {v: seen[v] for v in range(7, 14) if v in seen} == {v: 14 for v in range(7, 14) if v in seen}
    assert seen[15] == 15 and seen[17] == 17  # from 14 on the smallest version stays
    assert set(seen) >= {8, 11, 13, 14, 15, 17}


def test_zbar_misses_a_standard_symbol_whose_cross_hides_the_centre_alignment_pattern(
    monkeypatch: Any, settings: Any, people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    """Why versions 7-13 are raised: the same bill in its smallest version (11), drawn
    exactly to the standard, is read by zxing and by no zbar at any resolution."""
    monkeypatch.setattr(qr, "CENTRE_ALIGNMENT_VERSIONS", range(0))
    invoice = _issue(CASES["scor"], settings, people, catalog, rate, billed)
    data, _ = issued.document(invoice, "pdf")
    for dpi in DPIS:
        image = qrscan.payment_slip_image(data, dpi)
        (found,) = qrscan.decode_zxing(image)
        assert found.extra["Version"] in {str(v) for v in range(7, 14)}
        assert qrscan.decode_zbar(image) == [], f"zbar read a version {found.extra['Version']} symbol at {dpi} dpi"


def test_the_payment_part_amount_is_the_total_as_issued(
    settings: Any, people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    invoice = _issue(CASES["scor"], settings, people, catalog, rate, billed)
    services.payment_record(invoice=invoice, actor=people.admin, amount=Decimal("100.00"), day=date(2026, 4, 5))
    invoice.refresh_from_db()
    assert _fields(qr.qr_bill(invoice).qr_data().encode())["Amt"] == f"{invoice.total:.2f}"


@pytest.mark.parametrize("name", ["scor", "qrr"])
def test_the_cii_remittance_information_is_the_same_reference(
    name: str, settings: Any, people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    from lxml import etree

    invoice = _issue(CASES[name], settings, people, catalog, rate, billed)
    cii, _ = issued.document(invoice, "cii")
    reference = qr.payment_reference(invoice)
    assert reference is not None
    ns = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
    assert etree.fromstring(cii).findtext(".//ram:PaymentReference", namespaces=ns) == reference.value


def test_a_credit_note_quotes_no_payment_reference(
    settings: Any, people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    invoice = _issue(CASES["qrr"], settings, people, catalog, rate, billed)
    note = services.invoice_credit_note(invoice=invoice, actor=people.admin, issue_date=date(2026, 4, 2))
    assert note.sequence_number == invoice.sequence_number  # its own series: a QR reference would repeat
    assert qr.payment_reference(note) is None
    body = " ".join(_pages(issued.document(note, "pdf")[0])[0].split())
    assert "Reference" not in body and qr.qr_reference(invoice) not in body
