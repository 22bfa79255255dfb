"""VAT categories of lines and the VAT summary (EN 16931 BG-23): one group per category
and rate, 0 % included, each 0 % group with its exemption reason (BT-120/BT-121)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from billing.models import VatCategory
from timesheets.money import round_money

ZERO, HUNDRED = Decimal("0.00"), Decimal(100)

# The standard wording and VATEX code of each category without VAT. Z (zero rated) carries
# no reason: EN 16931 forbids one there (BR-Z-10), as for S (BR-S-10).
DEFAULT_REASONS: dict[str, tuple[Any, str]] = {
    VatCategory.EXEMPT: (_("Exempt from VAT"), ""),
    VatCategory.REVERSE_CHARGE: (_("Reverse charge: VAT to be accounted for by the recipient"), "VATEX-EU-AE"),
    VatCategory.INTRA_COMMUNITY: (_("Intra-community supply, exempt from VAT"), "VATEX-EU-IC"),
    VatCategory.EXPORT: (_("Export outside the EU, exempt from VAT"), "VATEX-EU-G"),
    VatCategory.OUTSIDE_SCOPE: (_("Not subject to VAT"), "VATEX-EU-O"),
}


def line_category(rate: Decimal, line_category: str, buyer: dict[str, Any]) -> str:
    """A line with a rate is standard rated; one without takes its own category, else the
    buyer's category at 0 % (``E`` unless the client says otherwise)."""
    if Decimal(rate) > 0:
        return VatCategory.STANDARD
    if line_category and line_category != VatCategory.STANDARD:
        return line_category
    return buyer.get("vat_category") or VatCategory.EXEMPT


def exemption(category: str, buyer: dict[str, Any]) -> tuple[str, str]:
    """(BT-120 text, BT-121 code) of a category: the client's own wording for its category
    at 0 %, else the standard one; ("", "") for S and Z."""
    if category not in DEFAULT_REASONS:
        return "", ""
    text, code = DEFAULT_REASONS[category]
    if category == (buyer.get("vat_category") or VatCategory.EXEMPT):
        return buyer.get("vat_exemption_reason") or str(text), buyer.get("vat_exemption_code") or code
    return str(text), code


@dataclass(frozen=True)
class VatSummaryGroup:
    category: str
    rate: Decimal
    net: Decimal
    vat: Decimal
    reason: str
    reason_code: str

    @property
    def category_label(self) -> str:
        return str(VatCategory(self.category).label)


def vat_summary(lines: Iterable[Any], buyer: dict[str, Any]) -> list[VatSummaryGroup]:
    """``lines``: objects with ``amount``, ``vat_rate`` and ``vat_category``. VAT once per
    group on the sum of its nets, half-up to the cent (as ``services.vat_breakdown``: a
    rate is only ever S, so the totals agree)."""
    nets: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        rate = Decimal(line.vat_rate)
        nets[(line_category(rate, line.vat_category or "", buyer), rate)] += Decimal(line.amount)
    groups = []
    for (category, rate), net in sorted(nets.items(), key=lambda item: (-item[0][1], item[0][0])):
        reason, code = exemption(category, buyer)
        vat = round_money(net * rate / HUNDRED) if rate else ZERO
        groups.append(VatSummaryGroup(category, rate, net, vat, reason, code))
    return groups
