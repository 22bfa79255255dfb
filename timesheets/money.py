"""Money and hours arithmetic: Decimal only, one rounding rule (half-up to the cent).

Every amount etime shows or bills goes through ``round_money``; billing reuses this
module so an invoice line and a report agree to the cent. No float ever touches money:
seconds are integers, rates Decimals, and division happens once, at the end.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
SECONDS_PER_HOUR = Decimal(3600)
ZERO = Decimal("0.00")


def round_money(value: Decimal | int) -> Decimal:
    """Round to the cent, half away from zero (0.005 -> 0.01), as accountants expect."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def hours(seconds: int | None) -> Decimal:
    """Seconds as hours with two decimals (half-up), for display and reports."""
    return round_money(Decimal(seconds or 0) / SECONDS_PER_HOUR)


def amount_for(seconds: int | None, rate: Decimal) -> Decimal:
    """``seconds`` at an hourly ``rate``, rounded once to the cent.

    Multiplying before dividing keeps the result exact until the single rounding step
    (1 h 20 min at 90.00 is 120.00, not 119.99 from a rounded 1.33 h).
    """
    return round_money(Decimal(seconds or 0) * Decimal(rate) / SECONDS_PER_HOUR)
