"""Seller and buyer as the documents need them: the dicts copied onto an invoice at issue
(``Invoice.seller``/``Invoice.buyer``), and their structured postal address."""

from __future__ import annotations

import re
from typing import Any

from billing.company import company_details
from billing.models import ClientBilling, DocumentFormat, Invoice, VatCategory


def buyer_details(client: Any) -> dict[str, Any]:
    """What an issued invoice keeps of its client, e-invoicing details included."""
    try:
        profile = client.billing_profile  # cached where the query selected it
    except ClientBilling.DoesNotExist:
        profile = ClientBilling(client=client)
    return {
        "name": client.name,
        "address_lines": [line.strip() for line in client.billing_address.splitlines() if line.strip()],
        "country": profile.country or client.country,
        "currency": client.currency,
        "vat_rate": str(client.vat_rate),
        "vat_id": profile.vat_id.strip(),
        "buyer_reference": profile.buyer_reference.strip(),
        "street": profile.street.strip(),
        "postcode": profile.postcode.strip(),
        "city": profile.city.strip(),
        "email": profile.email.strip(),
        "document_format": profile.document_format or DocumentFormat.AUTO,
        "vat_category": profile.vat_category or VatCategory.EXEMPT,
        "vat_exemption_reason": profile.vat_exemption_reason.strip(),
        "vat_exemption_code": profile.vat_exemption_code.strip(),
    }


def seller_of(invoice: Invoice) -> dict[str, Any]:
    return invoice.seller or company_details()


def buyer_of(invoice: Invoice) -> dict[str, Any]:
    """The issued snapshot, or (a draft) the client as it is now."""
    return invoice.buyer or buyer_details(invoice.client)


def split_address(lines: list[str]) -> tuple[str, str, str]:
    """(street line, postcode, town) from printed address lines: the last line is
    "postcode town" when it starts with a postcode, the line before it the street."""
    last = lines[-1] if lines else ""
    street = lines[-2] if len(lines) > 1 else ""
    match = re.match(r"^\s*([A-Z]{0,2}-?\d{3,6})\s+(.+)$", last)
    if match:
        return street, match.group(1), match.group(2)
    return street, "", last


def postal_address(party: dict[str, Any]) -> dict[str, str]:
    """``{"street", "postcode", "city", "country"}``: the structured fields where filled in
    (they win), else split from the printed lines."""
    street, postcode, city = split_address(party.get("address_lines") or [])
    if party.get("postcode") or party.get("city"):
        street, postcode, city = party.get("street") or street, party.get("postcode", ""), party.get("city", "")
    elif party.get("street"):
        street = party["street"]
    return {"street": street, "postcode": postcode, "city": city, "country": (party.get("country") or "CH").upper()}
