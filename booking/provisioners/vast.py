"""Vast.ai through its REST API (``https://console.vast.ai/api/v0``, ``Authorization: Bearer <api key>``):

- ``GET /users/current/``: the cheap read that checks credentials;
- ``GET /bundles/?q=<json>``: the asks (machines offered now) of the booked shape, cheapest first; Vast's
  asks come and go, so the booking is matched to a live ask of the same GPU, count and country at or below
  the booked price (never above: the user agreed to that price);
- ``PUT /asks/{ask id}/`` ``{client_id: "me", image, disk, label, runtype: "ssh_direct", price?}`` ->
  ``{"success": true, "new_contract": <instance id>}``; ``price`` (the bid, the booked price) makes it an
  interruptible (spot) instance;
- ``POST /instances/{id}/ssh/`` ``{ssh_key}`` attaches the booking's key;
- ``GET /instances/`` -> ``{"instances": [...]}`` and ``GET /instances/{id}/`` -> ``{"instances": {...}}``
  (``actual_status``: null|created|loading|running|stopped|exited|offline..., ``public_ipaddr``, ``ports``
  ``{"22/tcp": [{"HostIp", "HostPort"}]}``);
- ``DELETE /instances/{id}/``.

The instance's ``label`` is ``gpubroker-<booking id>``: the lookup before a create and reconciliation use it
(Vast has no idempotency key). 401/403 are refused credentials; 429 ("API requests too frequent") is retried
with backoff. An interruptible instance that Vast stopped while we wanted it running was outbid: spot reclaim.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from booking.errors import CredentialsRefused, ProviderError, ProviderRefused
from booking.models import Booking
from booking.provisioners.base import (
    Credentials,
    EndedBy,
    Observation,
    Port,
    ProviderHttp,
    Status,
    booking_name,
    booking_of_name,
)
from core.settings import Settings

PROVIDER = "vast"
STATUS: dict[str, Status] = {
    "running": "running",
    "created": "pending",
    "loading": "pending",
    "rebooting": "pending",
    "stopped": "terminated",
    "exited": "terminated",
    "offline": "lost",
}


def _error(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body.get("msg") or body.get("error") or response.text[:300])
    except (ValueError, AttributeError):
        return response.text[:300]


def _shape(offer_name: str) -> tuple[int, str]:
    """``1x-H100_SXM-32-65536`` -> (1, "H100 SXM"): the catalog's Vast instance type."""
    count, _, rest = offer_name.partition("x-")
    gpu = rest.rsplit("-", 2)[0] if rest.count("-") >= 2 else rest
    return int(count or 1), gpu.replace("_", " ")


def _country(region: str | None) -> str | None:
    parts = [p.strip() for p in (region or "").split(",")]
    return parts[1] if len(parts) >= 2 else None


class VastProvisioner:
    def __init__(
        self, settings: Settings, credentials: Credentials | None, client: httpx.Client | None = None
    ) -> None:
        if credentials is None:
            raise CredentialsRefused("vast needs an API key", details={"provider": PROVIDER})
        self._settings = settings
        self._base = settings.vast_api_url.rstrip("/")
        self._http = ProviderHttp(
            PROVIDER,
            settings,
            headers={"Authorization": f"Bearer {credentials['api_key']}"},
            describe_error=_error,
            client=client,
        )

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._http.request(method, f"{self._base}{path}", **kwargs)

    def check(self) -> str:
        user = self._call("GET", "/users/current/")
        return f"Vast.ai user {user.get('username') or user.get('email') or user.get('id')}"

    def _instances(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/instances/").get("instances") or [])

    def provision(self, booking: Booking) -> str:
        label = booking_name(booking)
        for instance in self._instances():
            if instance.get("label") == label:
                return str(instance["id"])
        ask = self._ask(booking)
        body: dict[str, Any] = {
            "client_id": "me",
            "image": self._settings.vast_image,
            "disk": 40,
            "label": label,
            "runtype": "ssh_direct",
        }
        if booking.spot:
            body["price"] = float(booking.hourly_price)
        answer = self._call("PUT", f"/asks/{ask['id']}/", json=body)
        if not answer.get("success") or not answer.get("new_contract"):
            raise ProviderError(
                f"vast did not rent ask {ask['id']}: {answer}", details={"provider": PROVIDER}
            )
        instance_id = str(answer["new_contract"])
        if booking.ssh_public_key:
            self._call("POST", f"/instances/{instance_id}/ssh/", json={"ssh_key": booking.ssh_public_key})
        return instance_id

    def stop(self, booking: Booking) -> None:
        if not booking.provider_ref:
            return
        try:
            self._call("DELETE", f"/instances/{booking.provider_ref}/")
        except ProviderError as exc:
            if (exc.details or {}).get("status") != 404:
                raise

    def observe(self, booking: Booking) -> Observation | None:
        if not booking.provider_ref:
            return None
        try:
            instance = self._call("GET", f"/instances/{booking.provider_ref}/").get("instances")
        except ProviderError as exc:
            if (exc.details or {}).get("status") != 404:
                raise
            instance = None
        if not instance:
            return Observation(
                booking.provider_ref, "lost", booking.id, reason="vast no longer knows this instance"
            )
        return self._observation(instance, spot=booking.spot, stopping=booking.stop_reason is not None)

    def list_ours(self) -> list[Observation]:
        return [self._observation(i) for i in self._instances() if booking_of_name(i.get("label"))]

    def _observation(
        self, instance: dict[str, Any], *, spot: bool = False, stopping: bool = False
    ) -> Observation:
        actual = str(instance.get("actual_status") or "created")
        status = STATUS.get(actual, "pending")
        ref, booking_id = str(instance["id"]), booking_of_name(instance.get("label"))
        if status == "terminated":
            outbid = spot and instance.get("intended_status") == "running"
            ended_by: EndedBy = "us" if stopping else ("spot" if outbid else "provider")
            reason = (
                "Vast stopped the interruptible instance (outbid)"
                if ended_by == "spot"
                else (str(instance.get("status_msg") or f"the instance is {actual}"))
            )
            return Observation(ref, "terminated", booking_id, reason=reason, ended_by=ended_by)
        if status == "lost":
            return Observation(ref, "lost", booking_id, reason="the Vast host went offline")
        ports = instance.get("ports") or {}
        mapped = tuple(
            Port(
                int(key.split("/")[0]),
                int(bindings[0]["HostPort"]),
                key.split("/")[1] if "/" in key else "tcp",
            )
            for key, bindings in ports.items()
            if bindings
        )
        ssh = next((p for p in mapped if p.port == 22), None)
        if status != "running" or not instance.get("public_ipaddr") or ssh is None:
            return Observation(ref, "pending", booking_id)
        return Observation(
            ref,
            "running",
            booking_id,
            public_ip=str(instance["public_ipaddr"]).strip(),
            ssh_user="root",
            ssh_port=ssh.public_port,
            ports=mapped,
        )

    def _ask(self, booking: Booking) -> dict[str, Any]:
        count, gpu = _shape(booking.offer_name)
        query = {
            "gpu_name": {"eq": gpu},
            "num_gpus": {"eq": count},
            "rentable": {"eq": True},
            "rented": {"eq": False},
            "order": [["dph_total", "asc"]],
            "type": "bid" if booking.spot else "on-demand",
        }
        offers = self._call("GET", "/bundles/", params={"q": json.dumps(query)}).get("offers") or []
        country = _country(booking.region)
        ceiling = Decimal(booking.hourly_price)
        price_field = "min_bid" if booking.spot else "dph_total"
        for offer in offers:
            where = str(offer.get("geolocation") or "")
            if country and f", {country}" not in where:
                continue
            if Decimal(str(offer.get(price_field) or "inf")) <= ceiling:
                return dict(offer)
        raise ProviderRefused(
            f"vast has no {count}x {gpu} in {booking.region or 'any region'} at or below "
            f"${ceiling:.4f}/h right now",
            details={"provider": PROVIDER, "gpu": gpu, "count": count},
        )
