"""Tax on invoices: the buyer's billing country and VAT ID, a rate per country from settings, and EU
reverse charge.

One rule, applied when a document is issued and stored on it (``tax_country``, ``tax_rate``,
``reverse_charge``, ``tax_note``), so a later change of settings or of the team's details never
changes an issued invoice:

1. The tax country is the buyer's billing country, or the seller's when the buyer gave none.
2. A business buyer in another EU member state than the seller (``seller_country`` in the EU), with a
   VAT ID, is charged no VAT: *reverse charge* (Article 196 of Council Directive 2006/112/EC), and the
   invoice says so with both VAT IDs.
3. Otherwise the rate is ``settings.tax_rates[country]`` (percent); a country without a configured
   rate is charged none, and the invoice says that no rate applies to it.

VAT IDs are checked for their country's format and check digits with ``python-stdnum`` (EU member
states, GB, CH, NO, and every other country stdnum knows); a country it does not know gets a generic
check (2 to 20 letters and digits). Countries are ISO 3166-1 alpha-2 (``pycountry``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pycountry
from stdnum import get_cc_module
from stdnum.eu.vat import MEMBER_STATES
from stdnum.exceptions import ValidationError

from billing.errors import InvalidBillingDetails
from core.settings import Settings

# stdnum lists member states by their VAT prefix; Greece's is EL, its ISO country code GR.
EU = frozenset({"GR" if c == "el" else c.upper() for c in MEMBER_STATES})
REVERSE_CHARGE = (
    "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC)"
)


@dataclass(frozen=True)
class Treatment:
    country: str | None
    rate: Decimal  # percent
    reverse_charge: bool
    note: str


def country_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidBillingDetails(
            f"{value!r} is not an ISO 3166-1 alpha-2 country code",
            details=[{"field": "country", "message": "not an ISO 3166-1 alpha-2 code (DE, FR, US, ...)"}],
        )
    return code


def country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code)
    return str(found.name) if found is not None else code


def vat_id(country: str | None, value: str) -> str:
    """``value`` in its compact, validated form (``de 136 695 976`` -> ``DE136695976``)."""
    if country is None:
        raise InvalidBillingDetails(
            "a VAT ID needs the billing country it belongs to",
            details=[{"field": "country", "message": "required with vat_id"}],
        )
    compact = "".join(ch for ch in value.upper() if ch.isalnum())
    module = get_cc_module("eu" if country in EU else country.lower(), "vat")
    if country in EU:
        prefix = "EL" if country == "GR" else country
        if not compact.startswith(prefix):
            compact = prefix + compact
    try:
        if module is not None:
            compact = str(module.validate(compact))
        elif not (2 <= len(compact) <= 20):
            raise ValidationError("wrong length")
    except ValidationError as exc:
        raise InvalidBillingDetails(
            f"{value!r} is not a valid VAT ID for {country_name(country)} ({exc})",
            details=[{"field": "vat_id", "message": f"not a valid {country} VAT ID"}],
        ) from None
    return compact


def treatment(settings: Settings, country: str | None, buyer_vat_id: str | None) -> Treatment:
    seller = settings.seller_country.upper() if settings.seller_country else None
    place = country or seller
    if place is None:
        return Treatment(None, Decimal(0), False, "No tax: no billing country is on file")
    if seller in EU and place in EU and place != seller and buyer_vat_id:
        note = f"{REVERSE_CHARGE}. Customer VAT ID {buyer_vat_id}"
        if settings.seller_tax_id:
            note += f", supplier VAT ID {settings.seller_tax_id}"
        return Treatment(place, Decimal(0), True, note)
    rate = settings.tax_rates.get(place)
    if rate is None:
        return Treatment(
            place, Decimal(0), False, f"No tax charged: no tax rate applies to {country_name(place)}"
        )
    return Treatment(place, Decimal(rate), False, f"VAT {plain_rate(Decimal(rate))}% ({country_name(place)})")


def plain_rate(rate: Decimal) -> str:
    return format(rate.normalize(), "f") if rate else "0"
