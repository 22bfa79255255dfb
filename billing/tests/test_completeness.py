"""Issue #17: issuing checks what the law and EN 16931 need (billing.completeness).

The rule is a pure function, tested as a table; then the issue path (service, API, admin)
refuses with ``invoice_incomplete`` and the missing fields, and the demo's invoices pass."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from billing.completeness import Documents, LineTax, Party, missing_fields
from billing.tests.conftest import MARCH, error_of

SELLER = Party(
    name="Muster AG",
    address_lines=("Bahnhofstrasse 10", "8001 Zürich"),
    country="CH",
    vat_id="CHE-123.456.789 MWST",
    iban="CH93 0076 2011 6238 5295 7",
)
BUYER = Party(name="Kunde GmbH", address_lines=("Hafenstrasse 1", "20457 Hamburg"), country="DE", vat_id="DE123456789")
TAXED, EXEMPT = LineTax(Decimal("8.10")), LineTax(Decimal("0"))
QR, EN, PDF = Documents(qr_bill=True), Documents(en16931=True), Documents()


def _without(party: Party, **blank: Any) -> Party:
    return Party(**{**party.__dict__, **blank})


CASES = [
    # (name, seller, buyer, lines, documents, expected [(field, code, rules)])
    ("complete CHF with VAT", SELLER, BUYER, [TAXED], QR, []),
    ("complete EUR with VAT", SELLER, BUYER, [LineTax(Decimal("19"))], EN, []),
    ("complete plain exempt without a seller VAT number", _without(SELLER, vat_id=""), BUYER, [EXEMPT], PDF, []),
    ("no seller name", _without(SELLER, name=""), BUYER, [TAXED], PDF, [("seller.name", "required", ("BR-06",))]),
    (
        "no seller address",
        _without(SELLER, address_lines=()),
        BUYER,
        [TAXED],
        PDF,
        [("seller.address", "required", ("BR-08",))],
    ),
    (
        "no seller country",
        _without(SELLER, country=""),
        BUYER,
        [TAXED],
        PDF,
        [("seller.country", "required", ("BR-09",))],
    ),
    (
        "taxed without seller VAT number (plain PDF: the law)",
        _without(SELLER, vat_id=""),
        BUYER,
        [TAXED],
        PDF,
        [("seller.vat_id", "required", ("VAT law",))],
    ),
    (
        "taxed e-invoice without seller VAT number",
        _without(SELLER, vat_id=""),
        BUYER,
        [TAXED],
        EN,
        [("seller.vat_id", "required", ("BR-S-02", "BR-CO-26"))],
    ),
    (
        "exempt e-invoice without seller VAT number",
        _without(SELLER, vat_id=""),
        BUYER,
        [EXEMPT],
        EN,
        [("seller.vat_id", "required", ("BR-E-02", "BR-CO-26"))],
    ),
    (
        "a legal registration id satisfies BR-CO-26 but not BR-S-02",
        _without(SELLER, vat_id="", legal_id="CHE-1"),
        BUYER,
        [TAXED],
        EN,
        [("seller.vat_id", "required", ("BR-S-02",))],
    ),
    (
        "QR-bill without IBAN",
        _without(SELLER, iban=""),
        BUYER,
        [TAXED],
        QR,
        [("seller.iban", "required", ("QR-bill",))],
    ),
    (
        "QR-bill with a German IBAN",
        _without(SELLER, iban="DE89 3704 0044 0532 0130 00"),
        BUYER,
        [TAXED],
        QR,
        [("seller.iban", "not_swiss_iban", ("QR-bill",))],
    ),
    (
        "QR-bill address without postcode and town",
        _without(SELLER, address_lines=("Nowhere in particular",)),
        BUYER,
        [TAXED],
        QR,
        [("seller.address", "no_postcode_town", ("QR-bill",))],
    ),
    ("no IBAN is fine without a QR-bill", _without(SELLER, iban=""), BUYER, [TAXED], EN, []),
    ("no buyer name", SELLER, _without(BUYER, name=""), [TAXED], PDF, [("buyer.name", "required", ("BR-07",))]),
    (
        "e-invoice without buyer country",
        SELLER,
        _without(BUYER, country=""),
        [TAXED],
        EN,
        [("buyer.country", "required", ("BR-11",))],
    ),
    (
        "reverse charge without buyer VAT number",
        SELLER,
        _without(BUYER, vat_id=""),
        [LineTax(Decimal("0"), category="AE", exemption_reason="Reverse charge")],
        EN,
        [("buyer.vat_id", "required", ("BR-AE-02",))],
    ),
    (
        "intra-community supply without buyer VAT number",
        SELLER,
        _without(BUYER, vat_id=""),
        [LineTax(Decimal("0"), category="K", exemption_reason="Intra-community supply")],
        EN,
        [("buyer.vat_id", "required", ("BR-IC-02",))],
    ),
    (
        "0 % with a blank exemption reason",
        SELLER,
        BUYER,
        [LineTax(Decimal("0"), exemption_reason=" ")],
        EN,
        [("lines.exemption_reason", "required", ("BR-E-10",))],
    ),
    ("0 % with an unknown exemption reason is not checked", SELLER, BUYER, [EXEMPT], EN, []),
    (
        "zero-rated needs no exemption reason",
        SELLER,
        BUYER,
        [LineTax(Decimal("0"), category="Z", exemption_reason="")],
        EN,
        [],
    ),
    (
        "everything missing at once, in a stable order",
        Party(),
        Party(),
        [TAXED],
        QR,
        [
            ("seller.name", "required", ("BR-06",)),
            ("seller.address", "required", ("BR-08",)),
            ("seller.country", "required", ("BR-09",)),
            ("seller.vat_id", "required", ("VAT law",)),
            ("seller.iban", "required", ("QR-bill",)),
            ("buyer.name", "required", ("BR-07",)),
        ],
    ),
]


@pytest.mark.parametrize(
    ("seller", "buyer", "lines", "documents", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_missing_fields_table(
    seller: Party,
    buyer: Party,
    lines: list[LineTax],
    documents: Documents,
    expected: list[tuple[str, str, tuple[str, ...]]],
) -> None:
    found = missing_fields(seller=seller, buyer=buyer, lines=lines, documents=documents)
    assert [(m.field, m.code, m.rules) for m in found] == expected
    assert all(str(m.message) and m.as_dict()["field"] == m.field for m in found)


# --- the issue path ------------------------------------------------------------------------------------


@pytest.fixture
def blank_company(settings: Any) -> None:
    """A fresh install: no address, VAT number or IBAN anywhere."""
    settings.ETIME_COMPANY_ADDRESS_LINES = []
    settings.ETIME_COMPANY_VAT_ID = ""
    settings.ETIME_COMPANY_IBAN = ""


@pytest.fixture
def acme_draft(people: Any, catalog: Any, rate: Any, billed: Any) -> Any:
    from billing import services

    rate("project", catalog.website, "120.00")
    billed(date(2026, 3, 3), 90)
    return services.invoice_create_draft(
        client=catalog.acme, period_start=MARCH[0], period_end=MARCH[1], actor=people.admin
    )


pytestmark = pytest.mark.django_db


def test_issuing_without_the_company_details_is_refused_and_changes_nothing(
    blank_company: None, people: Any, acme_draft: Any
) -> None:
    from billing import services
    from billing.errors import InvoiceIncomplete
    from billing.models import NumberSequence
    from etime.ops.company import company_settings_update
    from timesheets.models import EntryStatus, TimeEntry

    with pytest.raises(InvoiceIncomplete) as refused:
        services.invoice_issue(invoice=acme_draft, actor=people.admin, render_pdf=False)
    assert refused.value.code == "invoice_incomplete" and refused.value.status == 409
    missing = {(m["field"], m["code"]): m["rules"] for m in refused.value.details["missing"]}
    assert missing == {
        ("seller.address", "required"): ["BR-08"],
        ("seller.vat_id", "required"): ["VAT law"],
        ("seller.iban", "required"): ["QR-bill"],
    }
    assert "VAT number" in str(refused.value.message) and "IBAN" in str(refused.value.message)
    acme_draft.refresh_from_db()
    assert acme_draft.status == "draft" and acme_draft.number == ""
    assert not NumberSequence.objects.filter(last__gt=0).exists()  # no number used up
    assert not TimeEntry.objects.filter(status=EntryStatus.INVOICED).exists()

    company_settings_update(
        actor=people.admin,
        address="Seestrasse 1\n8002 Zürich",
        vat_id="CHE-999.888.777 MWST",
        iban="CH93 0076 2011 6238 5295 7",
    )
    issued = services.invoice_issue(
        invoice=acme_draft, actor=people.admin, issue_date=date(2026, 4, 1), render_pdf=False
    )
    assert issued.number == "INV-2026-0001" and issued.seller["vat_id"] == "CHE-999.888.777 MWST"


def test_a_eur_invoice_needs_the_clients_country(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    from billing import services
    from billing.errors import InvoiceIncomplete
    from timesheets import services as ts_services
    from timesheets.models import Project

    catalog.globex.country = ""
    ts_services.client_save(client=catalog.globex, actor=people.admin)
    project = ts_services.project_save(project=Project(client=catalog.globex, name="Portal"), actor=people.admin)
    rate("project", project, "100.00")
    billed(date(2026, 3, 3), 60, project=project)
    draft = services.invoice_create_draft(
        client=catalog.globex, period_start=MARCH[0], period_end=MARCH[1], actor=people.admin
    )
    with pytest.raises(InvoiceIncomplete) as refused:
        services.invoice_issue(invoice=draft, actor=people.admin, render_pdf=False)
    assert [(m["field"], m["rules"]) for m in refused.value.details["missing"]] == [("buyer.country", ["BR-11"])]


def test_the_api_answers_409_invoice_incomplete_with_the_missing_fields(
    blank_company: None, acme_draft: Any, finance_api: Any
) -> None:
    response = finance_api.post(f"/api/v1/invoices/{acme_draft.pk}/issue/", {}, format="json")
    error = error_of(response, 409, "invoice_incomplete")
    assert [m["field"] for m in error["details"]["missing"]] == ["seller.address", "seller.vat_id", "seller.iban"]
    assert all(set(m) == {"field", "code", "rules", "message"} for m in error["details"]["missing"])


def test_the_invoice_admin_shows_the_company_setup_checklist(
    settings: Any, blank_company: None, admin_client: Any, acme_draft: Any
) -> None:
    page = admin_client.get(reverse("admin:billing_invoice_changelist")).content.decode()
    assert 'data-testid="setup-checklist"' in page
    assert page.count('data-testid="setup-missing"') == 4 and "the company IBAN" in page and "BR-CO-26" in page
    draft = admin_client.get(reverse("admin:billing_invoice_change", args=[acme_draft.pk])).content.decode()
    assert 'data-testid="invoice-missing"' in draft and "the company VAT number" in draft

    refused = admin_client.post(reverse("admin:billing_invoice_operation", args=[acme_draft.pk, "issue"]), follow=True)
    assert "cannot be issued yet" in refused.content.decode()
    acme_draft.refresh_from_db()
    assert acme_draft.status == "draft"

    settings.ETIME_COMPANY_ADDRESS_LINES = ["Bahnhofstrasse 10", "8001 Zürich"]
    settings.ETIME_COMPANY_VAT_ID = "CHE-123.456.789 MWST"
    settings.ETIME_COMPANY_IBAN = "CH93 0076 2011 6238 5295 7"
    page = admin_client.get(reverse("admin:billing_invoice_changelist")).content.decode()
    assert page.count('data-testid="setup-complete"') == 4 and 'data-testid="setup-missing"' not in page


def test_the_demo_companys_invoices_are_complete(blank_company: None) -> None:
    import io
    import random

    from accounts.demo import seed_company
    from billing.completeness import invoice_missing
    from billing.demo import seed_billing
    from billing.models import Invoice, InvoiceStatus
    from timesheets.demo import seed_timesheets

    out = io.StringIO()
    rng = random.Random(2026)
    seed_company(rng=rng, stdout=out)
    seed_timesheets(rng=rng, stdout=out)
    seed_billing(rng=rng, stdout=out)

    issued = Invoice.objects.get(status=InvoiceStatus.ISSUED)
    assert issued.seller["vat_id"] and issued.seller["iban"] and issued.seller["address_lines"]
    for draft in Invoice.objects.filter(status=InvoiceStatus.DRAFT).select_related("client"):
        assert invoice_missing(draft) == [], draft.client.name
    assert Decimal(issued.total) > 0
