"""Provisioners by provider: the registry the booking service asks for a provider's provisioner.

AWS (boto3), RunPod (GraphQL), Lambda Cloud (REST v1) and Vast.ai (REST) provision on the provider itself
with the team's own credentials (``booking.credentials``) and are watched by polling
(``booking.tracking``). Every other provider of the catalog provisions through the sandbox provider, and
its bookings say so (``provisioner == "sandbox"``): the catalog lists 21 providers, and bookings work end
to end for all of them on a laptop.
"""

from __future__ import annotations

from collections.abc import Callable

from booking.provisioners.aws import AwsProvisioner
from booking.provisioners.base import Credentials, Observation, Provisioner
from booking.provisioners.lambda_cloud import LambdaProvisioner
from booking.provisioners.runpod import RunPodProvisioner
from booking.provisioners.sandbox import SandboxProvisioner
from booking.provisioners.vast import VastProvisioner
from core.settings import Settings

Factory = Callable[[Settings, Credentials | None], Provisioner]
SANDBOX = "sandbox"

_REGISTRY: dict[str, Factory] = {
    "aws": AwsProvisioner,
    "lambda": LambdaProvisioner,
    "runpod": RunPodProvisioner,
    "vast": VastProvisioner,
}
# The secret fields each provider's credentials have (PUT /provider-credentials/{provider}).
CREDENTIAL_FIELDS: dict[str, tuple[str, ...]] = {
    "aws": ("access_key_id", "secret_access_key"),
    "lambda": ("api_key",),
    "runpod": ("api_key",),
    "vast": ("api_key",),
}


def register(provider_id: str, factory: Factory) -> None:
    _REGISTRY[provider_id] = factory


def unregister(provider_id: str) -> None:
    _REGISTRY.pop(provider_id, None)


def has_provisioner(provider_id: str) -> bool:
    return provider_id in _REGISTRY


def provisioner_for(
    provider_id: str, settings: Settings, credentials: Credentials | None = None
) -> Provisioner:
    """The provider's own provisioner with these credentials, or the sandbox's."""
    factory = _REGISTRY.get(provider_id)
    if factory is None:
        return SandboxProvisioner(settings)
    return factory(settings, credentials)


__all__ = [
    "CREDENTIAL_FIELDS",
    "SANDBOX",
    "Credentials",
    "Observation",
    "Provisioner",
    "SandboxProvisioner",
    "has_provisioner",
    "provisioner_for",
    "register",
    "unregister",
]
