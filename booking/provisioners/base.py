"""The provisioner interface: what booking needs from a provider to start, watch and end an instance.

Two kinds of provider sit behind it:

- **push** (the sandbox): ``provision`` asks, and the provider answers later through its signed webhook
  (``POST /webhooks/<provider>``); ``observe`` returns None.
- **poll** (AWS, RunPod, Lambda, Vast: none of them sends webhooks): ``observe`` reads the instance, and the
  worker (``booking.tracking``) turns what it sees into the same idempotent transitions a webhook makes.

Every call may be repeated, so each must be idempotent:

- ``provision`` first looks for an instance already tagged with the booking id (a create whose answer was
  lost, a worker that died after the provider accepted) and returns it instead of creating a second one;
  where the provider has an idempotency token (EC2's ``ClientToken``) it is the booking id too.
- ``stop`` of an instance that is already gone succeeds.

Vendor errors are mapped at this edge: refused credentials are :class:`~booking.errors.CredentialsRefused`,
a 429 that outlasted our retries :class:`~booking.errors.ProviderRateLimited`, anything else the provider
refused or could not answer :class:`~booking.errors.ProviderError` (502), each naming the provider and
quoting its answer (never a credential).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import httpx

from booking.errors import CredentialsRefused, ProviderError, ProviderRateLimited, ProviderRefused
from booking.models import Booking
from core.settings import Settings

# The tag (label, name prefix) every instance of ours carries: reconciliation lists instances by it.
TAG_KEY = "gpubroker-booking"
NAME_PREFIX = "gpubroker-"

Status = Literal["pending", "running", "stopping", "terminated", "failed", "lost"]
EndedBy = Literal["us", "provider", "spot"]


@dataclass(frozen=True)
class Credentials:
    """A provider account's secret fields (``api_key``; ``access_key_id`` + ``secret_access_key`` for AWS).
    ``repr`` shows the field names only."""

    provider_id: str
    values: Mapping[str, str] = field(repr=False)

    def __getitem__(self, name: str) -> str:
        return self.values[name]


@dataclass(frozen=True)
class Port:
    port: int
    public_port: int
    protocol: str = "tcp"


@dataclass(frozen=True)
class Observation:
    """What the provider says about one instance now."""

    ref: str
    status: Status
    booking_id: str | None = None
    public_ip: str | None = None
    ssh_user: str | None = None
    ssh_port: int | None = None
    ports: tuple[Port, ...] = ()
    reason: str | None = None
    # "spot": the provider ended it on its own because the spot capacity was reclaimed.
    ended_by: EndedBy | None = None

    def connection(self) -> dict[str, Any] | None:
        if not self.public_ip:
            return None
        return {
            "public_ip": self.public_ip,
            "ssh_user": self.ssh_user or "root",
            "ssh_port": self.ssh_port or 22,
            "ports": [
                {"port": p.port, "public_port": p.public_port, "protocol": p.protocol} for p in self.ports
            ],
        }


class Provisioner(Protocol):
    def provision(self, booking: Booking) -> str:
        """Asks the provider for the booking's instance; returns the provider's instance id."""
        ...

    def stop(self, booking: Booking) -> None:
        """Asks the provider to end the booking's instance (``booking.provider_ref``)."""
        ...

    def observe(self, booking: Booking) -> Observation | None:
        """The instance as the provider sees it now; None for a provider that reports by webhook."""
        ...

    def check(self) -> str:
        """A cheap read call with the credentials: a description of the account, or CredentialsRefused."""
        ...

    def list_ours(self) -> list[Observation]:
        """Every instance of this account carrying our tag (reconciliation)."""
        ...


def utcnow() -> datetime:
    return datetime.now(UTC)


def retry_after_s(value: str | None, default: float) -> float:
    """Retry-After as seconds: a number of seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - utcnow()).total_seconds())


class ProviderHttp:
    """One provider's HTTP client: JSON in and out, 429 retried after its Retry-After (bounded by
    ``provider_max_wait_s``, ``provider_retries`` times), errors mapped to ours.

    ``describe_error(response)`` turns the provider's error body into its message; ``refused(status, body)``
    says whether an answer means the credentials were refused. ``sleep`` is injected (tests pass their own).
    """

    def __init__(
        self,
        provider_id: str,
        settings: Settings,
        *,
        headers: Mapping[str, str] | None = None,
        describe_error: Callable[[httpx.Response], str] | None = None,
        refused: Callable[[int, str], bool] | None = None,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.provider_id = provider_id
        self._settings = settings
        self._headers = dict(headers or {})
        self._describe = describe_error or (lambda r: r.text[:300])
        self._refused = refused or (lambda status, message: status in (401, 403))
        self._client = client
        self._sleep = sleep

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        attempts = self._settings.provider_retries + 1
        for attempt in range(1, attempts + 1):
            response = self._send(method, url, **kwargs)
            if response.status_code == 429:
                wait = retry_after_s(response.headers.get("Retry-After"), 2.0**attempt)
                if attempt < attempts and wait <= self._settings.provider_max_wait_s:
                    self._sleep(wait)
                    continue
                raise ProviderRateLimited(
                    f"{self.provider_id} is rate limiting us (429); it asked us to wait {wait:.0f} s",
                    retry_after_s=wait,
                    details={"provider": self.provider_id, "retry_after_s": wait},
                )
            if response.status_code >= 400:
                message = self._describe(response)
                if self._refused(response.status_code, message):
                    raise CredentialsRefused(
                        f"{self.provider_id} refused the credentials: {message}",
                        details={"provider": self.provider_id, "status": response.status_code},
                    )
                error = ProviderRefused if response.status_code < 500 else ProviderError
                raise error(
                    f"{self.provider_id} answered {response.status_code}: {message}",
                    details={"provider": self.provider_id, "status": response.status_code, "answer": message},
                )
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise ProviderError(
                    f"{self.provider_id} answered something that is not JSON",
                    details={"provider": self.provider_id, "status": response.status_code},
                ) from None
        raise AssertionError("unreachable")

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self._headers, **kwargs.pop("headers", {})}
        try:
            if self._client is not None:
                return self._client.request(method, url, headers=headers, **kwargs)
            with httpx.Client(timeout=self._settings.http_timeout_s) as client:
                return client.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"{self.provider_id} could not be reached ({type(exc).__name__})",
                details={"provider": self.provider_id},
            ) from exc


def booking_name(booking: Booking) -> str:
    """The instance name that carries the booking id where a provider has names and no tags."""
    return f"{NAME_PREFIX}{booking.id}"


def booking_of_name(name: str | None) -> str | None:
    if name and name.startswith(NAME_PREFIX):
        return name[len(NAME_PREFIX) :] or None
    return None
