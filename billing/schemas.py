"""Request and response models of billing.

Money and rates travel as decimal strings (``"123.45"``, ``"6847"``, ``"0.89503488"``), never floats,
so a client sees exactly the figures the invoice was computed with: payable amounts with exactly their
currency's ISO 4217 decimals, exact line and usage amounts without padding zeros.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from accounts.schemas import Email
from billing.money import plain

Money = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")]
RateStr = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")]
# Exact amounts (usage, invoice lines): every digit, no padding zeros.
Exact = Annotated[Decimal, PlainSerializer(plain, return_type=str, when_used="json")]


def _utc(value: datetime) -> datetime:
    # SQLite hands datetimes back naive; everything stored is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class BillingAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str = Field(min_length=3, max_length=3, pattern="^[A-Za-z]{3}$", description="ISO 4217 code")
    email: Email | None = Field(None, description="where invoices are sent")
    country: str | None = Field(None, max_length=2, description="billing country, ISO 3166-1 alpha-2")
    vat_id: str | None = Field(None, max_length=32, description="VAT ID, checked for the country's format")
    address: str | None = Field(None, max_length=400, description="postal address printed on invoices")


class CurrencyPeriodOut(BaseModel):
    valid_from: date
    currency: str


class BillingAccountOut(BaseModel):
    tenant_id: str
    currency: str = Field(description="the currency today's usage is billed in")
    next_currency: str | None = Field(None, description="a change not yet in force")
    next_currency_from: date | None = Field(None, description="the first UTC day billed in next_currency")
    notice: str | None = Field(None, description="what a currency change does, when one is scheduled")
    email: str | None
    country: str | None = None
    vat_id: str | None = None
    address: str | None = None
    currency_history: list[CurrencyPeriodOut] = []
    supported_currencies: list[str]


class InvoiceLineOut(BaseModel):
    position: int
    booking_id: str | None
    description: str
    hours: Decimal | None
    unit_price: Money | None
    amount_usd: Exact


class InvoiceSummary(BaseModel):
    id: str
    number: str
    kind: Literal["invoice", "credit_note"] = "invoice"
    corrects_id: str | None = None
    corrects_number: str | None = None
    day: date
    status: str
    subtotal_usd: Money
    currency: str
    fx_rate: RateStr | None
    fx_rate_date: date | None
    net: Money
    tax: Money
    total: Money
    issued_at: UtcDatetime | None
    due_date: date | None = None


class PaymentOut(BaseModel):
    amount: Money
    currency: str
    paid_at: UtcDatetime
    source: str
    reference: str


class DeliveryOut(BaseModel):
    recipient: str
    status: str
    transport: str
    message_id: str
    detail: str | None
    attempted_at: UtcDatetime


class InvoiceOut(InvoiceSummary):
    period_start: UtcDatetime
    period_end: UtcDatetime
    bill_to_name: str
    bill_to_email: str | None
    bill_to_address: str | None = None
    bill_to_country: str | None = None
    bill_to_vat_id: str | None = None
    seller_name: str = ""
    seller_address: str | None = None
    seller_tax_id: str | None = None
    fx_source: str | None
    fx_note: str | None = None
    tax_rate: Decimal = Decimal(0)
    tax_country: str | None = None
    tax_note: str | None = None
    reverse_charge: bool = False
    payment_terms: str | None = None
    paid_at: UtcDatetime | None = None
    voided_at: UtcDatetime | None = None
    void_reason: str | None = None
    memo: str | None = None
    rounding: str | None = None
    lines: list[InvoiceLineOut]
    corrections: list[InvoiceSummary] = []
    payments: list[PaymentOut] = []
    deliveries: list[DeliveryOut] = []
    ledger: Literal["builtin", "killbill"] = "builtin"


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=400)


class CreditNoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=400)
    amount: Decimal | None = Field(
        None, gt=0, description="in the invoice's currency; leave out to credit what remains of the invoice"
    )


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=120, description="bank transfer or receipt reference")
    paid_at: datetime | None = Field(None, description="when the money arrived (default: now)")


class InvoicePage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[InvoiceSummary]


class UsageOut(BaseModel):
    id: str
    booking_id: str
    day: date
    started_at: UtcDatetime
    ended_at: UtcDatetime
    hours: Decimal
    unit_price: Money
    amount: Exact
    currency: str
    final: bool
    provider_id: str
    offer_name: str
    gpu_type: str
    gpu_count: int


class UsagePage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[UsageOut]


class MeterOut(BaseModel):
    until: datetime
    bookings: int
    written: int
    updated: int
    unchanged: int


class RunOut(BaseModel):
    day: date
    ledger: Literal["builtin", "killbill"]
    metered: MeterOut
    invoices_created: list[str] = Field(
        description="numbers of the invoices and credit notes this run issued"
    )
    invoices_existing: list[str] = Field(description="numbers of the period's documents issued before")
    deferred: list[dict[str, str]] = Field(
        [], description="teams whose usage of the day is not settled yet: billed by a later run"
    )
    usage_exported: int = Field(0, description="usage records recorded in Kill Bill by this run")
    warnings: list[str] = []
    errors: list[dict[str, str]] = []


class StatementDocument(BaseModel):
    number: str
    kind: Literal["invoice", "credit_note"]
    status: str
    day: date
    issued_at: UtcDatetime
    corrects_number: str | None
    currency: str
    subtotal_usd: Money
    net: Money
    tax: Money
    total: Money
    memo: str | None


class CurrencyTotals(BaseModel):
    currency: str
    invoiced: Money = Field(description="totals of the month's live invoices (supplementary ones included)")
    credited: Money = Field(description="totals of the month's live credit notes")
    balance: Money = Field(description="invoiced less credited")
    tax: Money = Field(description="tax of the live invoices less that of the credit notes")
    paid: Money


class StatementOut(BaseModel):
    """A team's month: what it used, what was invoiced and credited for it, and what is left."""

    tenant_id: str
    team: str
    month: str
    usage_hours: Decimal
    usage_usd: Exact = Field(description="the month's metered usage, exact")
    invoiced_usd: Exact = Field(description="usage billed by live invoices, exact line amounts")
    credited_usd: Exact = Field(description="usage credited back by live credit notes (corrections)")
    not_invoiced_usd: Exact = Field(
        description="usage not (yet) invoiced: not settled, or a day below the smallest unit"
    )
    goodwill_credited_usd: Exact = Field(description="manual credit notes, not tied to usage")
    documents: list[StatementDocument]
    corrections: list[StatementDocument]
    totals: list[CurrencyTotals]
