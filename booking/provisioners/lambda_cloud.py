"""Lambda Cloud through its REST API v1 (``Authorization: Bearer <api key>``):

- ``POST /instance-operations/launch`` ``{region_name, instance_type_name, ssh_key_names: [one], quantity,
  name}`` -> ``{"data": {"instance_ids": [...]}}``;
- ``GET /instances/{id}`` -> ``{"data": {id, name, ip, status: booting|active|unhealthy|terminating|terminated, ...}}``;
- ``GET /instances`` (the cheap read that checks credentials, and reconciliation);
- ``POST /instance-operations/terminate`` ``{instance_ids}``;
- ``GET /ssh-keys`` and ``POST /ssh-keys`` ``{name, public_key}``: a launch names exactly one key the account has.

Errors are ``{"error": {"code", "message", "suggestion"}}``; ``global/invalid-api-key`` (401) is refused
credentials, 429 is retried after its Retry-After. Lambda has no tags and no idempotency key: the instance is
named ``gpubroker-<booking id>`` and ``provision`` launches only when no live instance has that name. Lambda
sells no spot capacity. SSH user ``ubuntu`` (Lambda Stack images).
"""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from booking.errors import CredentialsRefused, ProviderError
from booking.models import Booking
from booking.provisioners.base import (
    Credentials,
    Observation,
    Port,
    ProviderHttp,
    Status,
    booking_name,
    booking_of_name,
)
from core.settings import Settings

PROVIDER = "lambda"
STATUS: dict[str, Status] = {
    "booting": "pending",
    "active": "running",
    "unhealthy": "running",
    "terminating": "stopping",
    "terminated": "terminated",
}


def _error(response: httpx.Response) -> str:
    try:
        error = response.json().get("error") or {}
        return f"{error.get('code', '')}: {error.get('message', '')}".strip(": ") or response.text[:300]
    except (ValueError, AttributeError):
        return response.text[:300]


class LambdaProvisioner:
    def __init__(
        self, settings: Settings, credentials: Credentials | None, client: httpx.Client | None = None
    ) -> None:
        if credentials is None:
            raise CredentialsRefused("lambda needs an API key", details={"provider": PROVIDER})
        self._base = settings.lambda_api_url.rstrip("/")
        self._http = ProviderHttp(
            PROVIDER,
            settings,
            headers={"Authorization": f"Bearer {credentials['api_key']}"},
            describe_error=_error,
            refused=lambda status, message: status in (401, 403) or "invalid-api-key" in message,
            client=client,
        )

    def _get(self, path: str) -> Any:
        return self._http.request("GET", f"{self._base}{path}")

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        return self._http.request("POST", f"{self._base}{path}", json=body)

    def check(self) -> str:
        instances = self._get("/instances").get("data", [])
        return f"Lambda Cloud account with {len(instances)} instances"

    def provision(self, booking: Booking) -> str:
        name = booking_name(booking)
        for instance in self._get("/instances").get("data", []):
            if instance.get("name") == name and instance.get("status") not in ("terminating", "terminated"):
                return str(instance["id"])
        body: dict[str, Any] = {
            "region_name": booking.region,
            "instance_type_name": booking.offer_name,
            "quantity": 1,
            "name": name,
            "ssh_key_names": [self._ssh_key(booking.ssh_public_key)] if booking.ssh_public_key else [],
        }
        ids = (self._post("/instance-operations/launch", body).get("data") or {}).get("instance_ids") or []
        if not ids:
            raise ProviderError("lambda launched nothing", details={"provider": PROVIDER})
        return str(ids[0])

    def stop(self, booking: Booking) -> None:
        if not booking.provider_ref:
            return
        try:
            self._post("/instance-operations/terminate", {"instance_ids": [booking.provider_ref]})
        except ProviderError as exc:
            if "object-does-not-exist" not in exc.message:
                raise

    def observe(self, booking: Booking) -> Observation | None:
        if not booking.provider_ref:
            return None
        try:
            instance = self._get(f"/instances/{booking.provider_ref}").get("data") or {}
        except ProviderError as exc:
            if "object-does-not-exist" in exc.message:
                return Observation(
                    booking.provider_ref, "lost", booking.id, reason="lambda no longer knows this instance"
                )
            raise
        return self._observation(instance)

    def list_ours(self) -> list[Observation]:
        return [
            self._observation(i)
            for i in self._get("/instances").get("data", [])
            if booking_of_name(i.get("name")) and i.get("status") != "terminated"
        ]

    def _observation(self, instance: dict[str, Any]) -> Observation:
        status = STATUS.get(str(instance.get("status")), "pending")
        return Observation(
            ref=str(instance["id"]),
            status=status,
            booking_id=booking_of_name(instance.get("name")),
            public_ip=instance.get("ip") if status == "running" else None,
            ssh_user="ubuntu",
            ssh_port=22,
            ports=(Port(22, 22, "tcp"),),
            reason="terminated" if status == "terminated" else None,
            ended_by="provider" if status == "terminated" else None,
        )

    def _ssh_key(self, public_key: str) -> str:
        """The name of this public key in the account, added when it is not there yet."""
        wanted = public_key.strip()
        for key in self._get("/ssh-keys").get("data", []):
            if str(key.get("public_key", "")).strip() == wanted:
                return str(key["name"])
        name = "gpubroker-" + hashlib.sha256(wanted.encode()).hexdigest()[:12]
        created = self._post("/ssh-keys", {"name": name, "public_key": wanted}).get("data") or {}
        return str(created.get("name") or name)
