"""Money: Decimal only, one rounding rule (half up to the cent), never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_cents(value: Decimal | int | str) -> Decimal:
    """The one rounding rule: half up (away from zero) to the cent. PostgreSQL's
    round(numeric, 2) is the same rule; SQL in this package uses only `sql_cents`."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def sql_cents(expression: str) -> str:
    """The same rule in SQL (numeric round() rounds half away from zero)."""
    return f"round(({expression})::numeric, 2)"


def prorate(price: Decimal, days: int, period_days: int) -> Decimal:
    return to_cents(price * days / period_days)


def tax_of(amount: Decimal, rate_percent: Decimal) -> Decimal:
    return to_cents(amount * rate_percent / 100)
