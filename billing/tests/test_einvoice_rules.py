"""Every invoice and credit-note fixture against the official rules: the CEN EN 16931 CII
schematron, the KoSIT XRechnung 3.0 CII schematron and the CII XSD (see
``einvoice_validation``): no fatal assert, no XSD error. And the check itself fails on a
broken invoice, so a green run means something."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree
from pypdf import PdfReader

from billing import pdf, services
from billing.models import ClientBilling, DocumentFormat, Invoice, InvoiceLine, SellerContact, VatCategory
from billing.tests.conftest import MARCH
from billing.tests.einvoice_validation import check, failed_asserts
from timesheets.models import Client, Project

pytestmark = pytest.mark.django_db

COMPANY = {
    "ETIME_COMPANY_NAME": "Muster Consulting AG",
    "ETIME_COMPANY_ADDRESS_LINES": ["Bahnhofstrasse 10", "8001 Zürich"],
    "ETIME_COMPANY_COUNTRY": "CH",
    "ETIME_COMPANY_VAT_ID": "CHE-123.456.789 MWST",
    "ETIME_COMPANY_IBAN": "CH93 0076 2011 6238 5295 7",
    "ETIME_COMPANY_EMAIL": "billing@muster.example",
}
ISSUE_DAY = date(2026, 4, 1)
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"


@pytest.fixture(autouse=True)
def company(settings: Any) -> None:
    for name, value in COMPANY.items():
        setattr(settings, name, value)
    SellerContact.objects.create(
        contact_name="Anna Muster", contact_phone="+41 44 123 45 67", contact_email="anna@muster.example"
    )


def _client(name: str, currency: str, vat_rate: str, country: str, address: str, **profile: Any) -> Client:
    client = Client.objects.create(
        name=name, currency=currency, vat_rate=Decimal(vat_rate), country=country, billing_address=address
    )
    ClientBilling.objects.create(client=client, **profile)
    return client


def _draft(client: Client, people: Any, rate: Any, billed: Any, *, entries: int = 2) -> Invoice:
    project = Project.objects.create(client=client, name=f"Consulting {client.name}")
    rate("project", project, "120.00", currency=client.currency)
    for day in range(entries):
        billed(date(2026, 3, 2 + day), 80 + 10 * day, project=project)
    return services.invoice_create_draft(client=client, period_start=MARCH[0], period_end=MARCH[1], actor=people.admin)


def _extra(
    invoice: Invoice,
    people: Any,
    description: str,
    price: str,
    vat_rate: str | None = None,
    category: str = "",
    quantity: str = "1",
) -> None:
    services.invoice_line_add(
        invoice=invoice,
        actor=people.admin,
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        vat_rate=None if vat_rate is None else Decimal(vat_rate),
        vat_category=category,
    )


def _issue(invoice: Invoice, people: Any) -> Invoice:
    return services.invoice_issue(invoice=invoice, actor=people.admin, issue_date=ISSUE_DAY, render_pdf=False)


# --- The fixtures: name -> builder(people, rate, billed, profile extras) -> issued invoice or credit note ---


Builder = Callable[[Any, Any, Any, dict[str, Any]], Invoice]
GERMAN = "Spree Software GmbH\nFriedrichstrasse 12\n10117 Berlin"


def chf_standard(people: Any, rate: Any, billed: Any, extra: dict[str, Any]) -> Invoice:
    client = _client("Helvetia Tools AG", "CHF", "8.1", "CH", "Helvetia Tools AG\nHauptstrasse 5\n3000 Bern", **extra)
    return _issue(_draft(client, people, rate, billed), people)


def eur_standard(people: Any, rate: Any, billed: Any, extra: dict[str, Any]) -> Invoice:
    client = _client("Spree Software GmbH", "EUR", "19", "DE", GERMAN, vat_id="DE123456789", **extra)
    return _issue(_draft(client, people, rate, billed), people)


def mixed_rates(people: Any, rate: Any, billed: Any, extra: dict[str, Any]) -> Invoice:
    client = _client("Helvetia Tools AG", "CHF", "8.1", "CH", "Helvetia Tools AG\nHauptstrasse 5\n3000 Bern", **extra)
    invoice = _draft(client, people, rate, billed)
    _extra(invoice, people, "Books (reduced rate)", "48.50", "2.6")
    _extra(invoice, people, "Accommodation", "150.00", "3.8")
    _extra(invoice, people, "Training (exempt)", "300.00", "0")
    _extra(invoice, people, "Export goods (zero rated)", "75.00", "0", category=VatCategory.ZERO)
    return _issue(invoice, people)


def _zero_client(category: str, **profile: Any) -> Callable[[Any, Any, Any, dict[str, Any]], Invoice]:
    def build(people: Any, rate: Any, billed: Any, extra: dict[str, Any]) -> Invoice:
        client = _client("Spree Software GmbH", "EUR", "0", "DE", GERMAN, vat_category=category, **{**profile, **extra})
        return _issue(_draft(client, people, rate, billed), people)

    build.__name__ = f"category_{category}"
    return build


def discounts(people: Any, rate: Any, billed: Any, extra: dict[str, Any]) -> Invoice:
    client = _client("Helvetia Tools AG", "CHF", "8.1", "CH", "Helvetia Tools AG\nHauptstrasse 5\n3000 Bern", **extra)
    invoice = _draft(client, people, rate, billed)
    _extra(invoice, people, "Books", "40.00", "2.6")
    services.invoice_discount_add(invoice=invoice, actor=people.admin, percent=Decimal("7.5"))
    services.invoice_discount_add(invoice=invoice, actor=people.admin, amount=Decimal("10.00"), description="Loyalty")
    return _issue(invoice, people)


def fifty_lines(people: Any, rate: Any, billed: Any, extra: dict[str, Any]) -> Invoice:
    client = _client("Spree Software GmbH", "EUR", "19", "DE", GERMAN, vat_id="DE123456789", **extra)
    invoice = _draft(client, people, rate, billed, entries=5)
    for n in range(50):
        _extra(invoice, people, f'Material {n + 1} <&> "quoted"', f"{3 + n * 1.37:.2f}", quantity=f"{1 + n % 4}")
    return _issue(invoice, people)


def credit_note(people: Any, rate: Any, billed: Any, extra: dict[str, Any]) -> Invoice:
    original = discounts(people, rate, billed, extra)
    return services.invoice_credit_note(
        invoice=original, actor=people.admin, issue_date=date(2026, 4, 15), render_pdf=False
    )


FIXTURES: dict[str, Builder] = {
    "chf_standard": chf_standard,
    "eur_standard": eur_standard,
    "mixed_rates": mixed_rates,
    "zero_rated": _zero_client(VatCategory.ZERO, vat_id="DE123456789"),
    "exempt": _zero_client(VatCategory.EXEMPT, vat_exemption_reason="Exempt under Art. 21 para. 2 MWSTG"),
    "reverse_charge": _zero_client(VatCategory.REVERSE_CHARGE, vat_id="DE123456789"),
    "intra_community": _zero_client(VatCategory.INTRA_COMMUNITY, vat_id="DE123456789"),
    "export": _zero_client(VatCategory.EXPORT),
    "outside_scope": _zero_client(VatCategory.OUTSIDE_SCOPE, vat_id="DE123456789"),
    "discounts": discounts,
    "fifty_lines": fifty_lines,
    "credit_note": credit_note,
}
XRECHNUNG = {
    "document_format": DocumentFormat.XRECHNUNG,
    "buyer_reference": "04011000-12345-03",
    "email": "invoices@buyer.example",
}


def _report(fatal: list[Any], everything: list[Any], xsd: list[str]) -> str:
    return "\n".join([*map(str, everything), *xsd])


@pytest.mark.parametrize("name", FIXTURES)
def test_every_fixture_passes_the_en16931_rules_and_the_cii_xsd(name: str, people: Any, rate: Any, billed: Any) -> None:
    invoice = FIXTURES[name](people, rate, billed, {})
    xml = pdf.invoice_cii_xml(invoice=invoice)

    fatal, everything, xsd = check(xml)

    assert not fatal and not xsd, _report(fatal, everything, xsd)


@pytest.mark.parametrize("name", FIXTURES)
def test_every_fixture_sent_as_xrechnung_passes_the_kosit_rules(name: str, people: Any, rate: Any, billed: Any) -> None:
    invoice = FIXTURES[name](people, rate, billed, XRECHNUNG)
    xml = pdf.invoice_cii_xml(invoice=invoice)

    fatal, everything, xsd = check(xml, xrechnung=True)

    assert b"urn:xeinkauf.de:kosit:xrechnung_3.0" in xml
    assert not fatal and not xsd, _report(fatal, everything, xsd)
    assert {a.id for a in everything if a.id.startswith("BR-DE")} == set(), _report(fatal, everything, xsd)


def test_the_factur_x_pdf_embeds_a_cii_that_passes(people: Any, rate: Any, billed: Any) -> None:
    invoice = eur_standard(people, rate, billed, {"document_format": DocumentFormat.FACTUR_X})
    data, _ = pdf.invoice_pdf_bytes(invoice=invoice)

    embedded = PdfReader(io.BytesIO(data)).attachments["factur-x.xml"][0]
    fatal, everything, xsd = check(embedded)
    assert not fatal and not xsd, _report(fatal, everything, xsd)


# --- The check fails where it should -----------------------------------------------------------


def _valid_xml(people: Any, rate: Any, billed: Any, **extra: Any) -> bytes:
    return pdf.invoice_cii_xml(invoice=eur_standard(people, rate, billed, extra))


def test_the_check_fails_on_a_total_that_does_not_add_up(people: Any, rate: Any, billed: Any) -> None:
    tree = etree.fromstring(_valid_xml(people, rate, billed))
    grand = tree.find(f".//{RAM}GrandTotalAmount")
    assert grand is not None
    grand.text = f"{Decimal(grand.text or 0) + 1:.2f}"

    fatal, _, xsd = check(etree.tostring(tree))

    assert "BR-CO-15" in {a.id for a in fatal}  # grand total = net total + VAT total
    assert not xsd  # well-formed and schema-valid: only the business rule catches it


def test_the_check_fails_on_a_seller_without_vat_number(people: Any, rate: Any, billed: Any) -> None:
    tree = etree.fromstring(_valid_xml(people, rate, billed))
    seller = tree.find(f".//{RAM}SellerTradeParty")
    assert seller is not None
    registration = seller.find(f"{RAM}SpecifiedTaxRegistration")
    assert registration is not None
    seller.remove(registration)

    fatal, _, _ = check(etree.tostring(tree))

    assert {"BR-S-02", "BR-CO-26"} <= {a.id for a in fatal}


def test_the_check_fails_on_an_element_the_schema_does_not_know(people: Any, rate: Any, billed: Any) -> None:
    tree = etree.fromstring(_valid_xml(people, rate, billed))
    seller = tree.find(f".//{RAM}SellerTradeParty")
    assert seller is not None
    etree.SubElement(seller, f"{RAM}Nickname").text = "Muster"

    assert check(etree.tostring(tree))[2]


def test_xrechnung_fails_without_buyer_reference_or_seller_contact(people: Any, rate: Any, billed: Any) -> None:
    xml = _valid_xml(people, rate, billed, document_format=DocumentFormat.XRECHNUNG)  # no buyer reference
    SellerContact.objects.all().delete()
    fatal_ids = {a.id for a in failed_asserts(xml, "xrechnung") if a.flag == "fatal"}
    assert "BR-DE-15" in fatal_ids

    invoice = Invoice.objects.get(number__startswith="INV")
    invoice.seller = {k: v for k, v in invoice.seller.items() if not k.startswith("contact_")}
    fatal_ids = {a.id for a in failed_asserts(pdf.invoice_cii_xml(invoice=invoice), "xrechnung") if a.flag == "fatal"}
    assert "BR-DE-2" in fatal_ids


# --- What the fields change in the document ----------------------------------------------------


def test_a_structured_address_is_what_the_cii_says(people: Any, rate: Any, billed: Any) -> None:
    client = _client(
        "Initech Ltd",
        "GBP",
        "0",
        "GB",
        "Initech Ltd\n1 Fleet Street\nLondon EC4Y 1AA",
        street="1 Fleet Street",
        postcode="EC4Y 1AA",
        city="London",
        vat_category=VatCategory.EXPORT,
    )
    xml = pdf.invoice_cii_xml(invoice=_issue(_draft(client, people, rate, billed), people))

    buyer = etree.fromstring(xml).find(f".//{RAM}BuyerTradeParty/{RAM}PostalTradeAddress")
    assert buyer is not None
    assert [(child.tag.removeprefix(RAM), child.text) for child in buyer] == [
        ("PostcodeCode", "EC4Y 1AA"),
        ("LineOne", "1 Fleet Street"),
        ("CityName", "London"),
        ("CountryID", "GB"),
    ]
    assert not check(xml)[0]


def test_reverse_charge_carries_both_vat_numbers_and_the_reason(people: Any, rate: Any, billed: Any) -> None:
    invoice = FIXTURES["reverse_charge"](people, rate, billed, {})
    tree = etree.fromstring(pdf.invoice_cii_xml(invoice=invoice))

    ids = [el.findtext(f"{RAM}ID") for el in tree.iter(f"{RAM}SpecifiedTaxRegistration")]
    assert ids == ["CHE-123.456.789 MWST", "DE123456789"]  # seller's, buyer's (BR-AE-02)
    tax = tree.find(f".//{RAM}ApplicableHeaderTradeSettlement/{RAM}ApplicableTradeTax")
    assert tax is not None
    assert tax.findtext(f"{RAM}CategoryCode") == "AE" and tax.findtext(f"{RAM}ExemptionReasonCode") == "VATEX-EU-AE"
    assert tax.findtext(f"{RAM}ExemptionReason")


def test_a_line_keeps_its_own_category(people: Any, rate: Any, billed: Any) -> None:
    invoice = mixed_rates(people, rate, billed, {})
    zero = InvoiceLine.objects.get(invoice=invoice, description__startswith="Export goods")
    assert zero.vat_category == VatCategory.ZERO
    categories = [
        el.findtext(f"{RAM}CategoryCode")
        for el in etree.fromstring(pdf.invoice_cii_xml(invoice=invoice)).iter(f"{RAM}ApplicableTradeTax")
    ]
    assert categories.count("Z") == 2 and categories.count("E") == 2  # a line and a group each
