"""RunPod through its GraphQL API (``POST https://api.runpod.io/graphql``, ``Authorization: Bearer <key>``;
the key never goes into the URL, where it would reach access logs):

- ``gpuTypes { id displayName memoryInGb }`` to find the GPU type id of the offer's GPU;
- ``podFindAndDeployOnDemand(input: {...})`` for on-demand, ``podRentInterruptable(input: {bidPerGpu, ...})``
  for spot (interruptible) pods, named ``gpubroker-<booking id>``, with ``PUBLIC_KEY`` set to the booking's
  SSH key (RunPod's images install it) and port ``22/tcp`` exposed;
- ``pod(input: {podId}) { desiredStatus runtime { ports { ip isIpPublic privatePort publicPort type } } }``;
- ``podTerminate(input: {podId})``;
- ``myself { id pods { ... } }``: the cheap read that checks credentials, the lookup before a create (by
  name: RunPod has no idempotency key), and reconciliation.

GraphQL reports most failures as ``{"errors": [{"message"}]}`` in a 200 answer ("There are no longer any
instances available with the requested specifications" when capacity is gone); a bad key is an HTTP 401.
A pod whose ``runtime`` is null is still starting; an interruptible pod that RunPod stopped
(``desiredStatus: EXITED`` without our stop) was reclaimed.
"""

from __future__ import annotations

import re
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
    booking_name,
    booking_of_name,
)
from core.settings import Settings

PROVIDER = "runpod"
POD_FIELDS = (
    "id name desiredStatus costPerHr gpuCount imageName "
    "runtime { uptimeInSeconds ports { ip isIpPublic privatePort publicPort type } }"
)


def _tokens(text: str) -> set[str]:
    return {t for t in re.split(r"[^a-z0-9]+", text.lower()) if t and t not in ("nvidia", "geforce")}


def _instance_parts(offer_name: str) -> tuple[str, str]:
    """``1x_A100-80GB_SECURE`` -> ("A100-80GB", "SECURE") (the catalog's RunPod instance type)."""
    parts = offer_name.split("_")
    cloud = parts[-1].upper() if parts[-1].upper() in ("SECURE", "COMMUNITY") else "ALL"
    gpu = "_".join(parts[1:-1] if cloud != "ALL" else parts[1:]) if len(parts) > 1 else offer_name
    return gpu, cloud


class RunPodProvisioner:
    def __init__(
        self, settings: Settings, credentials: Credentials | None, client: httpx.Client | None = None
    ) -> None:
        if credentials is None:
            raise CredentialsRefused("runpod needs an API key", details={"provider": PROVIDER})
        self._settings = settings
        self._http = ProviderHttp(
            PROVIDER,
            settings,
            headers={"Authorization": f"Bearer {credentials['api_key']}"},
            client=client,
        )

    def _graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = self._http.request(
            "POST", self._settings.runpod_api_url, json={"query": query, "variables": variables or {}}
        )
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:
            message = "; ".join(str(e.get("message", e)) for e in errors)
            if "unauthorized" in message.lower() or "api key" in message.lower():
                raise CredentialsRefused(
                    f"runpod refused the credentials: {message}", details={"provider": PROVIDER}
                )
            raise ProviderRefused(f"runpod: {message}", details={"provider": PROVIDER, "answer": message})
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise ProviderError("runpod answered without data", details={"provider": PROVIDER})
        return data

    def _pods(self) -> list[dict[str, Any]]:
        myself: dict[str, Any] = (
            self._graphql(f"query Pods {{ myself {{ id pods {{ {POD_FIELDS} }} }} }}")["myself"] or {}
        )
        return list(myself.get("pods") or [])

    def check(self) -> str:
        myself: dict[str, Any] = self._graphql("query Me { myself { id email } }")["myself"] or {}
        return f"RunPod user {myself.get('email') or myself.get('id')}"

    def provision(self, booking: Booking) -> str:
        name = booking_name(booking)
        for pod in self._pods():
            if pod.get("name") == name and pod.get("desiredStatus") != "TERMINATED":
                return str(pod["id"])
        gpu, cloud = _instance_parts(booking.offer_name)
        gpu_type_id = self._gpu_type_id(gpu)
        base: dict[str, Any] = {
            "name": name,
            "imageName": self._settings.runpod_image,
            "gpuTypeId": gpu_type_id,
            "gpuCount": booking.gpu_count,
            "cloudType": cloud,
            "containerDiskInGb": 40,
            "volumeInGb": 0,
            "ports": "22/tcp",
            "startSsh": True,
            "supportPublicIp": True,
            "env": [{"key": "PUBLIC_KEY", "value": booking.ssh_public_key or ""}],
        }
        if booking.zone:
            base["dataCenterId"] = booking.zone
        if booking.spot:
            # The bid is the price the user agreed to, per GPU: never more than the booking's price.
            base["bidPerGpu"] = float(booking.hourly_price) / max(booking.gpu_count, 1)
            mutation = "podRentInterruptable"
            kind = "PodRentInterruptableInput"
        else:
            mutation = "podFindAndDeployOnDemand"
            kind = "PodFindAndDeployOnDemandInput"
        data = self._graphql(
            f"mutation Deploy($input: {kind}!) {{ {mutation}(input: $input) {{ id desiredStatus }} }}",
            {"input": base},
        )
        deployed = data.get(mutation)
        if not deployed:
            raise ProviderError(
                f"runpod deployed nothing for {booking.offer_name}", details={"provider": PROVIDER}
            )
        return str(deployed["id"])

    def stop(self, booking: Booking) -> None:
        if not booking.provider_ref:
            return
        try:
            self._graphql(
                "mutation Stop($input: PodTerminateInput!) { podTerminate(input: $input) }",
                {"input": {"podId": booking.provider_ref}},
            )
        except ProviderError as exc:
            if "not found" not in exc.message.lower():
                raise

    def observe(self, booking: Booking) -> Observation | None:
        if not booking.provider_ref:
            return None
        pod = self._graphql(
            f"query Pod($input: PodFilter!) {{ pod(input: $input) {{ {POD_FIELDS} }} }}",
            {"input": {"podId": booking.provider_ref}},
        ).get("pod")
        if not pod:
            return Observation(
                booking.provider_ref, "lost", booking.id, reason="runpod no longer knows this pod"
            )
        return self._observation(pod, spot=booking.spot, stopping=booking.stop_reason is not None)

    def list_ours(self) -> list[Observation]:
        return [
            self._observation(p)
            for p in self._pods()
            if booking_of_name(p.get("name")) and p.get("desiredStatus") != "TERMINATED"
        ]

    def _observation(self, pod: dict[str, Any], *, spot: bool = False, stopping: bool = False) -> Observation:
        desired = str(pod.get("desiredStatus") or "")
        runtime = pod.get("runtime") or None
        ports = (runtime or {}).get("ports") or []
        public = [p for p in ports if p.get("isIpPublic")]
        ssh = next((p for p in public if p.get("privatePort") == 22), None)
        ref, booking_id = str(pod["id"]), booking_of_name(pod.get("name"))
        if desired == "TERMINATED":
            return Observation(
                ref, "terminated", booking_id, reason="terminated", ended_by="us" if stopping else "provider"
            )
        if desired == "EXITED":
            ended_by: EndedBy = "us" if stopping else ("spot" if spot else "provider")
            reason = "RunPod interrupted the spot pod" if ended_by == "spot" else "the pod exited"
            return Observation(ref, "terminated", booking_id, reason=reason, ended_by=ended_by)
        if desired != "RUNNING" or runtime is None or ssh is None:
            return Observation(ref, "pending", booking_id)
        return Observation(
            ref,
            "running",
            booking_id,
            public_ip=str(ssh.get("ip")),
            ssh_user="root",
            ssh_port=int(ssh.get("publicPort") or 22),
            ports=tuple(
                Port(int(p["privatePort"]), int(p["publicPort"]), str(p.get("type") or "tcp")) for p in public
            ),
        )

    def _gpu_type_id(self, gpu: str) -> str:
        """The RunPod GPU type whose id or display name has every token of the catalog's GPU name."""
        wanted = _tokens(gpu)
        types = (
            self._graphql("query GpuTypes { gpuTypes { id displayName memoryInGb } }").get("gpuTypes") or []
        )
        matches = [
            t for t in types if wanted <= (_tokens(str(t.get("id"))) | _tokens(str(t.get("displayName"))))
        ]
        if not matches:
            raise ProviderRefused(f"runpod has no GPU type matching {gpu!r}", details={"provider": PROVIDER})
        # The shortest id is the plainest match ("A100 80GB PCIe" before "A100 80GB PCIe NVLink").
        return str(min(matches, key=lambda t: len(str(t.get("id"))))["id"])
