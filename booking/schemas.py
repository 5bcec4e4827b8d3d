"""Request and response models of the bookings API and of provider webhook events.

Inputs are strict (an unknown field is a 422) and bounded; a booking's price is a decimal in the JSON
as a number, like the catalog's prices.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, field_validator

from booking.models import MAX_HOURS, BookingState

Price = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


def _utc(value: datetime) -> datetime:
    # SQLite hands datetimes back naive; everything stored is UTC, and the API says so.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


Utc = Annotated[datetime, AfterValidator(_utc)]


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    offer_id: str = Field(
        min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$", description="an offer id from GET /providers"
    )
    hours: float = Field(gt=0, le=MAX_HOURS, description="how long to book, in hours (at most 90 days)")
    idempotency_key: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        pattern=r"^[\x21-\x7e]+$",
        description="the same key returns the same booking instead of a second one",
    )

    @field_validator("hours")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value


class TransitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_state: BookingState
    to_state: BookingState
    source: str
    event_id: str | None
    at: Utc
    details: dict[str, Any]


class BookingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    tenant_id: str
    user_id: str
    offer_id: str | None
    provider_id: str
    offer_name: str
    gpu_type: str
    gpu_count: int
    region: str | None
    hourly_price: Price
    currency: str
    hours: float
    estimated_total: Price = Field(description="hourly_price x hours, before any early stop")
    state: BookingState
    provider_ref: str | None
    version: int
    idempotency_key: str | None
    failure_reason: str | None
    created_at: Utc
    updated_at: Utc
    submitted_at: Utc | None
    activated_at: Utc | None
    ended_at: Utc | None


class BookingDetailOut(BookingOut):
    transitions: list[TransitionOut]


class BookingPage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[BookingOut]


class ProviderEvent(BaseModel):
    """A provider's webhook body. Unknown extra fields are kept out of our way, not refused: providers
    add fields without asking."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=60)
    instance_id: str = Field(min_length=1, max_length=200)
    occurred_at: datetime | None = None
    reason: str | None = Field(None, max_length=1000)
