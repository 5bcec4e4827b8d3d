"""Request and response models of billing.

Money and rates travel as decimal strings (``"123.45"``, ``"0.89503488"``), never floats, so a client
sees exactly the figures the invoice was computed with.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from accounts.schemas import Email

Money = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")]
RateStr = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")]


def _utc(value: datetime) -> datetime:
    # SQLite hands datetimes back naive; everything stored is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class BillingAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str = Field(min_length=3, max_length=3, pattern="^[A-Za-z]{3}$", description="ISO 4217 code")
    email: Email | None = Field(None, description="where invoices are sent")


class BillingAccountOut(BaseModel):
    tenant_id: str
    currency: str
    email: str | None
    supported_currencies: list[str]


class InvoiceLineOut(BaseModel):
    position: int
    booking_id: str | None
    description: str
    hours: Decimal | None
    unit_price: Money | None
    amount_usd: Money


class InvoiceSummary(BaseModel):
    id: str
    number: str
    day: date
    status: str
    subtotal_usd: Money
    currency: str
    fx_rate: RateStr | None
    fx_rate_date: date | None
    total: Money
    issued_at: UtcDatetime | None


class InvoiceOut(InvoiceSummary):
    period_start: UtcDatetime
    period_end: UtcDatetime
    bill_to_name: str
    bill_to_email: str | None
    fx_source: str | None
    lines: list[InvoiceLineOut]
    ledger: Literal["builtin", "killbill"] = "builtin"


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
    amount: Money
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
    invoices_created: list[str] = Field(description="numbers of the invoices this run issued")
    invoices_existing: list[str] = Field(description="numbers of the day's invoices issued before")
    usage_exported: int = Field(0, description="usage records recorded in Kill Bill by this run")
    warnings: list[str] = []
    errors: list[dict[str, str]] = []
