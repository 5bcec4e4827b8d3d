"""The client of the sandbox provider (``booking.sandbox``), over real HTTP with httpx.

Transport failures and refusals become :class:`~booking.errors.ProviderError` (502) here, at the
edge, so the service sees one error type whatever the provider's wire looks like.
"""

from __future__ import annotations

from typing import Any

import httpx

from booking.errors import ProviderError
from booking.models import Booking
from booking.provisioners.base import Credentials, Observation
from core import tracing
from core.settings import Settings


class SandboxProvisioner:
    """Push: the sandbox reports by webhook, so ``observe`` has nothing to add and nothing is polled."""

    def __init__(
        self, settings: Settings, credentials: Credentials | None = None, client: httpx.Client | None = None
    ) -> None:
        self._settings = settings
        self._client = client

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self._settings.sandbox_url}{path}"
        try:
            if self._client is not None:
                response = self._client.request(method, url, **kwargs)
            else:
                with tracing.http_client(timeout=self._settings.http_timeout_s) as client:
                    response = client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"the sandbox provider could not be reached ({type(exc).__name__})",
                details={"provider": "sandbox", "url": url},
            ) from exc
        if response.status_code >= 400:
            raise ProviderError(
                f"the sandbox provider refused the request ({response.status_code})",
                details={"provider": "sandbox", "status": response.status_code, "body": response.text[:500]},
            )
        body: dict[str, Any] = response.json()
        return body

    def provision(self, booking: Booking) -> str:
        body = self._request(
            "POST",
            "/instances",
            json={
                "booking_id": booking.id,
                "provider_id": booking.provider_id,
                "offer_name": booking.offer_name,
                "gpu_type": booking.gpu_type,
                "gpu_count": booking.gpu_count,
                "hours": booking.hours,
                "callback_url": f"{self._settings.base_url}/webhooks/{booking.provider_id}",
            },
            # The booking id: a retried submit gets the instance the first one created.
            headers={"Idempotency-Key": booking.id},
        )
        return str(body["id"])

    def stop(self, booking: Booking) -> None:
        if booking.provider_ref is None:
            return
        self._request("POST", f"/instances/{booking.provider_ref}/stop")

    def observe(self, booking: Booking) -> Observation | None:
        return None

    def check(self) -> str:
        return "the sandbox provider (no account)"

    def list_ours(self) -> list[Observation]:
        return []
