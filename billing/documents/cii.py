"""The invoice as UN/CEFACT Cross Industry Invoice (CII D16B), EN 16931 semantics, built
as an lxml tree (element order as the CII XSD requires).

Two flavours of one builder: the EN 16931 (Factur-X "EN 16931" profile) document that
Factur-X PDFs embed, and XRechnung 3.0 (the German CIUS: its specification identifier,
the Peppol business process, buyer reference, seller contact). Credit notes are type 381
with their amounts positive, as the syntax expects. The document states the invoice as
issued: payments made later are not part of it (no TotalPrepaidAmount).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from billing.documents.parties import buyer_of, postal_address, seller_of
from billing.documents.vat import line_category, vat_summary
from billing.models import Invoice, InvoiceKind, VatCategory
from billing.qr import payment_reference

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT}

EN16931 = "urn:cen.eu:en16931:2017"
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PEPPOL_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
SEPA_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "IS",
        "LI",
        "NO",
        "CH",
        "GB",
        "MC",
        "SM",
        "VA",
        "AD",
        "GI",
    ]
)


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", attrs)
    if text is not None:
        node.text = text
    return node


def _date(parent: etree._Element, tag: str, value: date, dtype: str = "udt") -> None:
    _el(_el(parent, tag), f"{dtype}:DateTimeString", f"{value:%Y%m%d}", format="102")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _party(
    parent: etree._Element,
    tag: str,
    party: dict[str, Any],
    *,
    vat_id: str,
    legal_id: str = "",
    contact: bool = False,
    email: str = "",
) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", party["name"])
    if legal_id:
        _el(_el(node, "ram:SpecifiedLegalOrganization"), "ram:ID", legal_id)
    if contact and (party.get("contact_name") or party.get("contact_phone") or party.get("contact_email")):
        trade_contact = _el(node, "ram:DefinedTradeContact")
        if party.get("contact_name"):
            _el(trade_contact, "ram:PersonName", party["contact_name"])
        if party.get("contact_phone"):
            _el(_el(trade_contact, "ram:TelephoneUniversalCommunication"), "ram:CompleteNumber", party["contact_phone"])
        if party.get("contact_email"):
            _el(_el(trade_contact, "ram:EmailURIUniversalCommunication"), "ram:URIID", party["contact_email"])
    address = postal_address(party)
    postal = _el(node, "ram:PostalTradeAddress")
    if address["postcode"]:
        _el(postal, "ram:PostcodeCode", address["postcode"])
    if address["street"]:
        _el(postal, "ram:LineOne", address["street"])
    if address["city"]:
        _el(postal, "ram:CityName", address["city"])
    _el(postal, "ram:CountryID", address["country"])
    if email:
        _el(_el(node, "ram:URIUniversalCommunication"), "ram:URIID", email, schemeID="EM")
    if vat_id:
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", vat_id, schemeID="VA")


def build_cii(invoice: Invoice, *, xrechnung: bool = False) -> bytes:
    """The CII XML of ``invoice`` (EN 16931; XRechnung 3.0 with ``xrechnung``)."""
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    sign = Decimal(-1) if credit_note else Decimal(1)
    seller, buyer = seller_of(invoice), buyer_of(invoice)
    lines = list(invoice.lines.all())
    groups = vat_summary(lines, buyer)
    categories = {g.category for g in groups}
    # "Not subject to VAT" invoices carry no VAT identifiers (BR-O-02); the seller is then
    # identified by its registration (BT-30), which is what a Swiss UID also is.
    outside_scope = VatCategory.OUTSIDE_SCOPE in categories
    seller_vat = "" if outside_scope else (seller.get("vat_id") or "").strip()
    buyer_vat = "" if outside_scope else (buyer.get("vat_id") or "").strip()

    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    if xrechnung:
        _el(_el(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", PEPPOL_BILLING)
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", XRECHNUNG if xrechnung else EN16931)

    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", invoice.number or "DRAFT")
    _el(document, "ram:TypeCode", "381" if credit_note else "380")
    _date(document, "ram:IssueDateTime", invoice.issue_date or date.today())  # noqa: DTZ011 - a draft preview's date
    if invoice.notes:
        _el(_el(document, "ram:IncludedNote"), "ram:Content", invoice.notes)

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for n, line in enumerate(lines, 1):
        quantity, price = sign * line.quantity, line.unit_price
        if price < 0:  # a discount: EN 16931 wants a non-negative price (BR-27), so the quantity carries the sign
            quantity, price = -quantity, -price
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(n))
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description or "-")
        _el(
            _el(_el(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice"),
            "ram:ChargeAmount",
            _money(price),
        )
        _el(
            _el(item, "ram:SpecifiedLineTradeDelivery"),
            "ram:BilledQuantity",
            f"{quantity:.2f}",
            unitCode="HUR" if line.unit == "h" else "C62",
        )
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        category = line_category(line.vat_rate, line.vat_category or "", buyer)
        _el(tax, "ram:CategoryCode", category)
        if category != VatCategory.OUTSIDE_SCOPE:  # O has no rate (BR-O-05)
            _el(tax, "ram:RateApplicablePercent", f"{line.vat_rate:.2f}")
        _el(
            _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"),
            "ram:LineTotalAmount",
            _money(sign * line.amount),
        )

    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    buyer_reference = buyer.get("buyer_reference") or ""
    if buyer_reference:
        _el(agreement, "ram:BuyerReference", buyer_reference)
    seller_email = seller.get("contact_email") or seller.get("email") or ""
    _party(
        agreement,
        "ram:SellerTradeParty",
        seller,
        vat_id=seller_vat,
        contact=True,
        email=seller_email,
        legal_id=(seller.get("vat_id") or "").strip() if outside_scope else "",
    )
    _party(agreement, "ram:BuyerTradeParty", buyer, vat_id=buyer_vat, email=buyer.get("email") or "")

    delivery = _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    if VatCategory.INTRA_COMMUNITY in categories:
        # Deliver to the buyer's address: EN 16931 needs its country (BR-IC-12), XRechnung
        # the whole address once the group is there (BR-DE-10, BR-DE-11).
        ship_to = _el(_el(delivery, "ram:ShipToTradeParty"), "ram:PostalTradeAddress")
        address = postal_address(buyer)
        for tag, key in (("PostcodeCode", "postcode"), ("LineOne", "street"), ("CityName", "city")):
            if address[key]:
                _el(ship_to, f"ram:{tag}", address[key])
        _el(ship_to, "ram:CountryID", address["country"])

    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    # BT-83: what the payer quotes, the same reference the PDF body and the QR-bill print.
    reference = payment_reference(invoice)
    _el(settlement, "ram:PaymentReference", reference.value if reference else invoice.number or "DRAFT")
    _el(settlement, "ram:InvoiceCurrencyCode", invoice.currency)
    iban = (seller.get("iban") or "").replace(" ", "")
    if iban:
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        # 58: SEPA credit transfer (EUR to an IBAN of the SEPA area), 30: credit transfer.
        _el(means, "ram:TypeCode", "58" if invoice.currency == "EUR" and iban[:2] in SEPA_COUNTRIES else "30")
        _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", iban)
    for group in groups:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", _money(sign * group.vat))
        _el(tax, "ram:TypeCode", "VAT")
        if group.reason:
            _el(tax, "ram:ExemptionReason", group.reason)
        _el(tax, "ram:BasisAmount", _money(sign * group.net))
        _el(tax, "ram:CategoryCode", group.category)
        if group.reason_code:
            _el(tax, "ram:ExemptionReasonCode", group.reason_code)
        # Every group states its rate, O too (0): XRechnung requires BT-119 (BR-DE-14) and
        # EN 16931 forbids a rate for O on lines only (BR-O-05).
        _el(tax, "ram:RateApplicablePercent", f"{group.rate:.2f}")
    period = _el(settlement, "ram:BillingSpecifiedPeriod")
    _date(period, "ram:StartDateTime", invoice.period_start)
    _date(period, "ram:EndDateTime", invoice.period_end)
    terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    if credit_note:
        _el(terms, "ram:Description", "Credit note: nothing to pay")
    else:
        _el(terms, "ram:Description", f"Payable within {invoice.payment_terms_days} days")
    if invoice.due_date and not credit_note:
        _date(terms, "ram:DueDateDateTime", invoice.due_date)
    subtotal = sum((g.net for g in groups), Decimal("0.00"))
    vat_total = sum((g.vat for g in groups), Decimal("0.00"))
    summation = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _money(sign * subtotal))
    _el(summation, "ram:TaxBasisTotalAmount", _money(sign * subtotal))
    _el(summation, "ram:TaxTotalAmount", _money(sign * vat_total), currencyID=invoice.currency)
    _el(summation, "ram:GrandTotalAmount", _money(sign * (subtotal + vat_total)))
    _el(summation, "ram:DuePayableAmount", _money(sign * (subtotal + vat_total)))
    original = invoice.credits if invoice.credits_id else None
    if original is not None and original.number:
        referenced = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(referenced, "ram:IssuerAssignedID", original.number)
        if original.issue_date:
            _date(referenced, "ram:FormattedIssueDateTime", original.issue_date, dtype="qdt")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
