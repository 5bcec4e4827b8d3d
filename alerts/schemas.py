"""Request and response models of ``/alerts``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator, model_validator

Price = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Channel = Literal["in_app", "email", "webhook"]


def _in_app() -> list[Channel]:
    return ["in_app"]


class AlertCreate(BaseModel):
    """A saved search and a threshold: "8x H100 in the EU at or below $16/h" is ``{"filters":
    {"gpu_type": "H100", "gpu_count_exact": 8, "geo": "eu"}, "threshold": 16, "per": "hour"}``; "any H100
    at or below $2/GPU-h" is ``{"filters": {"gpu_type": "H100"}, "threshold": 2, "per": "gpu_hour"}``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, max_length=200)
    filters: dict[str, Any] = Field(default_factory=dict, description="the filters of GET /providers")
    threshold: Decimal = Field(gt=0, le=100_000, description="notify when a matching offer is at or below it")
    per: Literal["hour", "gpu_hour"] = "hour"
    channels: list[Channel] = Field(default_factory=_in_app, min_length=1)
    email: str | None = Field(None, max_length=320, description="default: your account's email")
    webhook_url: str | None = Field(None, max_length=500)

    @field_validator("channels")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v and ("@" not in v or v.startswith("@") or v.endswith("@") or " " in v):
            raise ValueError("not an email address")
        return v or None

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v and not v.startswith(("https://", "http://")):
            raise ValueError("the webhook URL must start with https:// (or http://)")
        return v or None

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> AlertCreate:
        if "webhook" in self.channels and not self.webhook_url:
            raise ValueError("the webhook channel needs webhook_url")
        return self


class AlertOut(BaseModel):
    id: str
    name: str
    filters: dict[str, Any]
    threshold: Price
    per: str
    channels: list[str]
    email: str | None
    webhook_url: str | None
    active: bool
    created_at: datetime


class AlertCreated(AlertOut):
    webhook_secret: str | None = Field(None, description="signs each webhook (HMAC-SHA256); shown once, here")
    currently_under: int = Field(description="matching offers already at or below the threshold (no notice)")


class FiringOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    alert_id: str
    offer_id: str
    price: Price
    price_per_hour: Price
    threshold: Price
    per: str
    offer: dict[str, Any]
    price_as_of: datetime | None
    fired_at: datetime
    read_at: datetime | None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    firing_id: str
    channel: str
    target: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    response_status: int | None
    created_at: datetime
    delivered_at: datetime | None
