"""The registry of provider adapters: one entry per provider, looked up by provider id.

:data:`ADAPTERS` are the providers a default sync covers; each has a bundled snapshot, so an offline
sync of all of them works. :data:`LIVE_ONLY_ADAPTERS` have no snapshot (Azure, DataCrunch) and are synced only
when asked for by id, which makes sense only with the provider in ``settings.live_providers``; kept
out of :data:`ADAPTERS`, they never add an empty or failing provider to the default offline sync.
:func:`get_adapter_class` (and :data:`ALL_ADAPTERS`) know both.
"""

from __future__ import annotations

from catalog.adapters.aws import AwsAdapter
from catalog.adapters.azure import AzureAdapter
from catalog.adapters.base import ProviderAdapter
from catalog.adapters.cudo import CudoAdapter
from catalog.adapters.datacrunch import DatacrunchAdapter
from catalog.adapters.digitalocean import DigitaloceanAdapter
from catalog.adapters.fluidstack import FluidstackAdapter
from catalog.adapters.gcp import GcpAdapter
from catalog.adapters.hyperbolic import HyperbolicAdapter
from catalog.adapters.ibm import IbmAdapter
from catalog.adapters.lambdalabs import LambdaAdapter
from catalog.adapters.mithril import MithrilAdapter
from catalog.adapters.nebius import NebiusAdapter
from catalog.adapters.oci import OciAdapter
from catalog.adapters.ovhcloud import OvhcloudAdapter
from catalog.adapters.paperspace import PaperspaceAdapter
from catalog.adapters.primeintellect import PrimeIntellectAdapter
from catalog.adapters.runpod import RunpodAdapter
from catalog.adapters.scaleway import ScalewayAdapter
from catalog.adapters.scp import ScpAdapter
from catalog.adapters.seeweb import SeewebAdapter
from catalog.adapters.shadeform import ShadeformAdapter
from catalog.adapters.simplepod import SimplepodAdapter
from catalog.adapters.vast import VastAdapter
from core.settings import Settings

ADAPTERS: dict[str, type[ProviderAdapter]] = {
    cls.provider_id: cls
    for cls in (
        AwsAdapter,
        CudoAdapter,
        DigitaloceanAdapter,
        FluidstackAdapter,
        GcpAdapter,
        HyperbolicAdapter,
        IbmAdapter,
        LambdaAdapter,
        MithrilAdapter,
        NebiusAdapter,
        OciAdapter,
        OvhcloudAdapter,
        PaperspaceAdapter,
        PrimeIntellectAdapter,
        RunpodAdapter,
        ScalewayAdapter,
        ScpAdapter,
        SeewebAdapter,
        ShadeformAdapter,
        SimplepodAdapter,
        VastAdapter,
    )
}

LIVE_ONLY_ADAPTERS: dict[str, type[ProviderAdapter]] = {
    cls.provider_id: cls for cls in (AzureAdapter, DatacrunchAdapter)
}

ALL_ADAPTERS: dict[str, type[ProviderAdapter]] = {**ADAPTERS, **LIVE_ONLY_ADAPTERS}


def provider_ids() -> list[str]:
    return sorted(ADAPTERS)


def get_adapter_class(provider_id: str) -> type[ProviderAdapter]:
    try:
        return ALL_ADAPTERS[provider_id]
    except KeyError:
        known = ", ".join(sorted(ALL_ADAPTERS))
        raise KeyError(f"unknown provider {provider_id!r}; known providers: {known}") from None


def default_provider_ids(settings: Settings) -> list[str]:
    """What a plain sync covers: every snapshot provider, plus live-only ones switched to live mode."""
    return sorted(ADAPTERS) + sorted(p for p in LIVE_ONLY_ADAPTERS if p in settings.live_provider_set)
