"""The seller on invoices: one function, so the source can change in one place.

The company settings edited in the admin (``etime.ops.company``: name, address, VAT id,
IBAN, logo) win where they are filled in; Django settings ``ETIME_COMPANY_*`` (NAME,
ADDRESS_LINES, COUNTRY, VAT_ID, IBAN, LOGO_PATH, EMAIL) fill the rest.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def company_details() -> dict[str, Any]:
    """``{"name", "address_lines": [...], "country", "vat_id", "iban", "logo_path", "email",
    "contact_name", "contact_phone", "contact_email", "street", "postcode", "city"}``.

    ``address_lines`` are printed as given; the first is the street line, the last the
    postcode and town (the QR-bill and Factur-X need them split this way)."""
    lines = settings.ETIME_COMPANY_ADDRESS_LINES
    from etime.ops.company import company_settings

    stored = company_settings()
    stored_lines = [line.strip() for line in (stored.address or "").splitlines() if line.strip()]
    stored_name = stored.company_name if stored.company_name not in ("", "etime") else ""
    return {
        "name": stored_name or settings.ETIME_COMPANY_NAME or "(set ETIME_COMPANY_NAME)",
        "address_lines": stored_lines or list(lines),
        "country": settings.ETIME_COMPANY_COUNTRY,
        "vat_id": stored.vat_id or settings.ETIME_COMPANY_VAT_ID,
        "iban": stored.iban or settings.ETIME_COMPANY_IBAN,
        "logo_path": (stored.logo.path if stored.logo else "") or settings.ETIME_COMPANY_LOGO_PATH,
        "email": settings.ETIME_COMPANY_EMAIL,
        **_seller_contact(),
    }


def _seller_contact() -> dict[str, str]:
    """The e-invoicing contact (BG-6) and structured address, where set in the admin."""
    from billing.models import SellerContact

    contact = SellerContact.objects.filter(pk=1).first() or SellerContact()
    return {
        "contact_name": contact.contact_name,
        "contact_phone": contact.contact_phone,
        "contact_email": contact.contact_email,
        "street": contact.street,
        "postcode": contact.postcode,
        "city": contact.city,
    }
