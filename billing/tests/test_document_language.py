"""An invoice PDF speaks its client's language (else the site's default), whoever renders
it, with dates and money in that language's formats: German amounts the Swiss way."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.utils import translation
from pypdf import PdfReader

from billing import pdf, services
from billing.tests.conftest import MARCH
from billing.tests.test_documents import COMPANY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def company(settings: Any) -> None:
    for name, value in COMPANY.items():
        setattr(settings, name, value)


def _text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _invoice(people: Any, catalog: Any, rate: Any, billed: Any, language: str) -> Any:
    """Acme (CHF, VAT 8.1 %): 2.50 h at 493.80 = 1'234.50, VAT 99.99, total 1'334.49."""
    catalog.acme.language = language
    catalog.acme.billing_address = "Acme AG\nHauptstrasse 5\n3000 Bern"
    catalog.acme.save()
    rate("project", catalog.website, "493.80")
    billed(date(2026, 3, 3), 150)
    draft = services.invoice_create_draft(
        client=catalog.acme, period_start=MARCH[0], period_end=MARCH[1], actor=people.admin
    )
    return services.invoice_issue(invoice=draft, actor=people.admin, issue_date=date(2026, 4, 1), render_pdf=False)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "de",
            [
                "Rechnung INV-2026-0001",
                "Zwischentotal",
                "1'234.50 CHF",
                "1'334.49 CHF",
                "Fällig",
                "01.05.2026",
                "01.03.2026 – 31.03.2026",
                "2.50 h",
                "Seite 1 von",
                "Zahlteil",
            ],
        ),
        (
            "fr",
            [
                "Facture INV-2026-0001",
                "Sous-total",
                "1 234,50 CHF",
                "1 334,49 CHF",
                "Échéance",
                "01/05/2026",
                "01/03/2026 – 31/03/2026",
                "2,50 h",
                "Page 1 sur",
                "Section paiement",
            ],
        ),
        (
            "it",
            [
                "Fattura INV-2026-0001",
                "Subtotale",
                "1.234,50 CHF",
                "1.334,49 CHF",
                "Scadenza",
                "01/05/2026",
                "01/03/2026 – 31/03/2026",
                "2,50 h",
                "Pagina 1 di",
                "Sezione pagamento",
            ],
        ),
        (
            "en",
            [
                "Invoice INV-2026-0001",
                "Subtotal",
                "CHF 1,234.50",
                "CHF 1,334.49",
                "Due",
                "05/01/2026",
                "03/01/2026 – 03/31/2026",
                "2.50 h",
                "Page 1 of",
                "Payment part",
            ],
        ),
    ],
)
def test_the_invoice_pdf_is_in_the_clients_language_and_formats(
    language: str, expected: list[str], people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    invoice = _invoice(people, catalog, rate, billed, language)

    with translation.override("en" if language != "en" else "de"):  # whoever clicks: not their language
        data, _name = pdf.invoice_pdf_bytes(invoice=invoice)

    text = _text(data)
    missing = [piece for piece in expected if piece not in text]
    assert not missing, f"{missing} not in:\n{text}"
    if language != "en":
        assert "Subtotal " not in text and "Payment terms" not in text and "Payment part" not in text


def test_a_client_without_a_language_gets_the_sites_default(
    settings: Any, people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    settings.LANGUAGE_CODE = "de"
    invoice = _invoice(people, catalog, rate, billed, "")

    text = _text(pdf.invoice_pdf_bytes(invoice=invoice)[0])

    assert "Rechnung INV-2026-0001" in text and "1'334.49 CHF" in text and "Subtotal " not in text


def test_text_stored_on_the_invoice_is_in_its_language_too(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    invoice = _invoice(people, catalog, rate, billed, "de")

    with translation.override("en"):
        note = services.invoice_credit_note(invoice=invoice, actor=people.admin, render_pdf=False)

    assert (
        note.notes == "Gutschrift zur Rechnung INV-2026-0001 vom 01.04.2026."
    )  # the invoice's German, not the clicker's English
