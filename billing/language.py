"""The language an invoice is written in (docs/BILLING.md "Language and formats").

An invoice speaks its client's language (Client → Language) when the client has one, else
the site's default ``LANGUAGE_CODE``: never the language of whoever happens to click
"Issue" or "PDF", so a stored invoice reads the same whoever rendered it first. Numbers,
dates and money follow that language through ``etime.core.formatting`` (German amounts
the Swiss way, ``1'234.50 CHF``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def invoice_language(invoice: Any) -> str:
    """``invoice.client.language`` if it is one of ``LANGUAGES``, else ``LANGUAGE_CODE``."""
    client = getattr(invoice, "client", None)
    chosen = (getattr(client, "language", "") or "") if client is not None else ""
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
