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
    ssh_key_id: str | None = Field(
        None,
        min_length=1,
        max_length=36,
        description="the SSH key (GET /ssh-keys) the instance lets in; default: your first key",
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


class PortOut(BaseModel):
    port: int = Field(description="the port on the instance")
    public_port: int = Field(description="where it is reached from outside")
    protocol: str


class ConnectionOut(BaseModel):
    public_ip: str
    ssh_user: str
    ssh_port: int
    ssh_command: str = Field(description="the command that opens a shell on the instance with your key")
    ports: list[PortOut]


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
    spot: bool = Field(description="a spot (interruptible) instance: the provider may reclaim it")
    zone: str | None
    provisioner: str | None = Field(
        description="who starts the instance: the provider's own API (aws, lambda, runpod, vast) or "
        '"sandbox" (a provider without real provisioning yet); null while a draft'
    )
    ssh_key_id: str | None
    connection: ConnectionOut | None = Field(
        None, description="how to reach the instance, once active: address, SSH command, open ports"
    )
    time_left_s: int | None = Field(None, description="seconds of booked time left, while active")
    cost_so_far: Price | None = Field(
        None, description="the booked price times the time run so far (capped at the booked hours)"
    )


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


# --- provider credentials and SSH keys ----------------------------------------------------------------


class CredentialsIn(BaseModel):
    """AWS: ``access_key_id`` and ``secret_access_key``; RunPod, Lambda, Vast: ``api_key``."""

    model_config = ConfigDict(extra="forbid")

    api_key: str | None = Field(None, max_length=2000)
    access_key_id: str | None = Field(None, max_length=2000)
    secret_access_key: str | None = Field(None, max_length=2000)

    def values(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class CredentialsOut(BaseModel):
    """What we keep about a team's provider account, without any secret."""

    model_config = ConfigDict(from_attributes=True)

    provider_id: str
    status: str = Field(description='"stored": checked with the provider when saved')
    hint: str = Field(description="enough of the key to recognise it, never enough to use it")
    account: str | None = Field(description="how the provider described the account when it was checked")
    cipher: str = Field(description="aes-256-gcm or vault-transit")
    created_at: Utc
    updated_at: Utc
    validated_at: Utc


class ProviderAccountOut(BaseModel):
    provider_id: str
    status: str = Field(
        description='"stored" (the team\'s own), "broker" (the operator\'s account) or "missing"'
    )
    credentials: CredentialsOut | None


class CredentialsList(BaseModel):
    items: list[ProviderAccountOut]


class SshKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=100, description="a label; default: the key's comment")
    public_key: str = Field(min_length=1, max_length=16_000, description="an OpenSSH public key (.pub)")


class SshKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    public_key: str
    fingerprint: str
    created_at: Utc
    default: bool = False


class SshKeyList(BaseModel):
    items: list[SshKeyOut]
