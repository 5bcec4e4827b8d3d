"""Money: each currency's ISO 4217 minor unit, and the one rounding rule of billing.

**The rule.** Amounts are kept exact until a document is issued: a usage line is ``hours x unit price``
with every digit (hours are measured to 6 decimals, 3.6 ms; prices have 4), and an invoice sums its
exact lines. Each figure that is *payable* is then rounded **once**, to the minor unit of its currency,
**half up** (0.5 goes away from zero):

- the USD subtotal: ``round(sum of the exact lines, USD)``;
- the net in the billing currency: ``round(USD subtotal x FX rate, currency)``;
- the tax: ``round(net x tax rate, currency)``; the total is ``net + tax`` (no further rounding).

Why once per document and not per line: a per-line rounding loses or invents up to half a unit on every
line (four 60-second lines at 0.25 USD/h are 0.0042 USD each: 0.00 per line, 0.02 summed), while one
rounding of the sum is off by at most half a minor unit per document. Why half up and not half even:
half even only helps when many rounded figures are added up, which never happens here (no rounded figure
is summed again), and half up is the commercial rounding customers and tax authorities recompute with.

Minor units come from the ISO 4217 list (the ``iso4217`` package ships SIX's official table: JPY and
KRW 0, most currencies 2, BHD/KWD/TND 3). An amount is stored in integer minor units (``*_minor``
columns) wherever its currency varies, so a column cannot hold a fraction its currency does not have.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import iso4217

USD = "USD"
RULE = (
    "Lines are kept exact (hours x rate, unrounded) and summed; each payable amount is rounded once to the "
    "currency's smallest unit, half up: the USD subtotal, the converted net, and the tax."
)


class UnknownCurrency(ValueError):
    pass


@lru_cache(maxsize=256)
def minor_unit(currency: str) -> int:
    """The number of decimals of ``currency`` in ISO 4217 (JPY 0, EUR 2, KWD 3)."""
    try:
        exponent = iso4217.Currency(currency.upper()).exponent
    except ValueError:
        raise UnknownCurrency(f"{currency!r} is not an ISO 4217 currency") from None
    if exponent is None:  # gold, SDRs, test codes: no minor unit, not money we bill in
        raise UnknownCurrency(f"{currency} has no minor unit in ISO 4217")
    return int(exponent)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """The one rounding of billing: ``amount`` to ``currency``'s minor unit, half up."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal, currency: str) -> int:
    """A rounded amount in integer minor units (``12.34 EUR`` -> ``1234``, ``6847 JPY`` -> ``6847``).
    The amount must already be rounded: this never rounds a second time."""
    scaled = amount.scaleb(minor_unit(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} is not rounded to the currency's minor unit")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """Integer minor units as a decimal with exactly the currency's decimals (``1234`` EUR -> ``12.34``)."""
    return Decimal(minor).scaleb(-minor_unit(currency)).quantize(quantum(currency))


def fmt(amount: Decimal, currency: str) -> str:
    """``1,234.50 EUR``, ``6,847 JPY``: grouped, with the currency's own number of decimals."""
    places = minor_unit(currency)
    return f"{round_money(amount, currency):,.{places}f} {currency}"


def plain(value: Decimal) -> str:
    """An exact decimal without padding zeros, never in exponent form: 5.500000 -> 5.5, 24.000000 -> 24."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")
