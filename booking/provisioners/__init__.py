"""Provisioners by provider: the registry the booking service asks for a provider's provisioner.

Every provider provisions through the sandbox provider unless a provisioner of its own is registered
(``register("lambda", LambdaProvisioner)``): the catalog lists 21 providers, and bookings work end to
end for all of them on a laptop. A real provider's module maps its API to :class:`Provisioner`, as the
catalog's adapters map price APIs.
"""

from __future__ import annotations

from collections.abc import Callable

from booking.provisioners.base import Provisioner
from booking.provisioners.sandbox import SandboxProvisioner
from core.settings import Settings

Factory = Callable[[Settings], Provisioner]

_REGISTRY: dict[str, Factory] = {}


def register(provider_id: str, factory: Factory) -> None:
    _REGISTRY[provider_id] = factory


def unregister(provider_id: str) -> None:
    _REGISTRY.pop(provider_id, None)


def provisioner_for(provider_id: str, settings: Settings) -> Provisioner:
    factory = _REGISTRY.get(provider_id, SandboxProvisioner)
    return factory(settings)


__all__ = ["Provisioner", "SandboxProvisioner", "provisioner_for", "register", "unregister"]
