"""The registry of provider adapters: one entry per provider, looked up by provider id."""

from __future__ import annotations

from catalog.adapters.aws import AwsAdapter
from catalog.adapters.base import ProviderAdapter
from catalog.adapters.cudo import CudoAdapter
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


def provider_ids() -> list[str]:
    return sorted(ADAPTERS)


def get_adapter_class(provider_id: str) -> type[ProviderAdapter]:
    try:
        return ADAPTERS[provider_id]
    except KeyError:
        known = ", ".join(provider_ids())
        raise KeyError(f"unknown provider {provider_id!r}; known providers: {known}") from None
