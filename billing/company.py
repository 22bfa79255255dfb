"""The seller on invoices: one function, so the source can change in one place.

For now the details come from Django settings ``ETIME_COMPANY_*`` (NAME, ADDRESS_LINES,
COUNTRY, VAT_ID, IBAN, LOGO_PATH, EMAIL); DB-stored company settings in the core will
replace this body later, keeping the returned shape.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def company_details() -> dict[str, Any]:
    """``{"name", "address_lines": [...], "country", "vat_id", "iban", "logo_path", "email"}``.

    ``address_lines`` are printed as given; the first is the street line, the last the
    postcode and town (the QR-bill and Factur-X need them split this way)."""
    lines = getattr(settings, "ETIME_COMPANY_ADDRESS_LINES", [])
    if isinstance(lines, str):
        lines = [line.strip() for line in lines.splitlines() if line.strip()]
    return {
        "name": getattr(settings, "ETIME_COMPANY_NAME", "") or "(set ETIME_COMPANY_NAME)",
        "address_lines": list(lines),
        "country": getattr(settings, "ETIME_COMPANY_COUNTRY", "CH"),
        "vat_id": getattr(settings, "ETIME_COMPANY_VAT_ID", ""),
        "iban": getattr(settings, "ETIME_COMPANY_IBAN", ""),
        "logo_path": getattr(settings, "ETIME_COMPANY_LOGO_PATH", ""),
        "email": getattr(settings, "ETIME_COMPANY_EMAIL", ""),
    }
