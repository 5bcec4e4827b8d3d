"""What every live adapter does when the provider's API misbehaves: throttling and outages are
retried with exponential backoff, an auth failure is final, and a provider that never answers ends
as one :class:`AdapterError` (which the sync reports as a degraded provider) rather than a crash."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from catalog.adapters.azure import GPU_SKUS, AzureAdapter
from catalog.adapters.base import AdapterError, ProviderAdapter
from catalog.adapters.digitalocean import DigitaloceanAdapter
from catalog.adapters.lambdalabs import LambdaAdapter
from catalog.adapters.runpod import RunpodAdapter
from catalog.adapters.scaleway import ScalewayAdapter
from catalog.adapters.vast import VastAdapter
from tests.catalog.adapters.recorded import RETRIES, Provider, live_settings, recorded, sequence, sync_rows
from tests.catalog.adapters.test_contract import settings as contract_settings

Factory = Callable[[Provider], ProviderAdapter]

ADAPTERS: dict[str, tuple[Factory, str, str]] = {
    # provider -> (adapter wired to the fake endpoint, recorded good body, API host)
    "vast": (
        lambda p: VastAdapter(live_settings(), p.client(), sleep=p.sleeps.append),
        "vast/bundles_offers.json",
        "console.vast.ai",
    ),
    "lambda": (
        lambda p: LambdaAdapter(live_settings(), p.client(), api_key="test-key", sleep=p.sleeps.append),
        "lambda/instance_types.json",
        "cloud.lambdalabs.com",
    ),
    "azure": (
        lambda p: AzureAdapter(live_settings(), p.client(), sleep=p.sleeps.append),
        "azure/nc24ads_a100_v4.json",
        "prices.azure.com",
    ),
    "runpod": (
        lambda p: RunpodAdapter(live_settings(), p.client(), api_key="test-key", sleep=p.sleeps.append),
        "runpod/gpu_types.json",
        "api.runpod.io",
    ),
}
PROVIDERS = sorted(ADAPTERS)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", [429, 503])
def test_throttling_and_outages_are_retried_with_backoff_then_succeed(provider: str, status: int) -> None:
    factory, body, _host = ADAPTERS[provider]
    ok = httpx.Response(200, json=recorded(body))
    fake = Provider(sequence(httpx.Response(status), httpx.Response(status), ok))
    fetched, rows, report = sync_rows(factory(fake))
    assert fetched.mode == "live"
    assert rows
    assert report.rejected == 0
    assert fake.sleeps[:2] == [0.5, 1.0]  # exponential backoff between the three attempts
    # Azure asks once per GPU SKU; the first one took three tries, the rest one each.
    expected_calls = 3 + (len(GPU_SKUS) - 1 if provider == "azure" else 0)
    assert len(fake.requests) == expected_calls


@pytest.mark.parametrize("provider", PROVIDERS)
def test_unauthorized_is_final_and_names_the_status(provider: str) -> None:
    factory, _body, host = ADAPTERS[provider]
    fake = Provider(sequence(httpx.Response(401, json=recorded("lambda/error_401.json"))))
    with pytest.raises(AdapterError, match=f"HTTP 401 from {host}"):
        factory(fake).fetch()
    assert len(fake.requests) == 1
    assert fake.sleeps == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_timeout_after_every_retry_becomes_adapter_error(provider: str) -> None:
    factory, _body, _host = ADAPTERS[provider]
    fake = Provider(sequence(httpx.ReadTimeout("the read operation timed out")))
    with pytest.raises(AdapterError, match="ReadTimeout"):
        factory(fake).fetch()
    assert len(fake.requests) == RETRIES + 1
    assert fake.sleeps == [0.5, 1.0]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_body_that_is_not_json_is_an_adapter_error(provider: str) -> None:
    factory, _body, _host = ADAPTERS[provider]
    fake = Provider(sequence(httpx.Response(200, text="<html>maintenance</html>")))
    with pytest.raises(AdapterError, match="not JSON"):
        factory(fake).fetch()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_body_of_the_wrong_shape_is_an_adapter_error(provider: str) -> None:
    factory, _body, _host = ADAPTERS[provider]
    fake = Provider(sequence(httpx.Response(200, json={"unexpected": True})))
    with pytest.raises(AdapterError, match="returned no"):
        factory(fake).fetch()


@pytest.mark.parametrize(
    "make",
    [
        lambda p: LambdaAdapter(live_settings(), p.client(), sleep=p.sleeps.append),
        lambda p: RunpodAdapter(live_settings(), p.client(), sleep=p.sleeps.append),
        lambda p: DigitaloceanAdapter(contract_settings(), p.client(), sleep=p.sleeps.append),
        lambda p: ScalewayAdapter(contract_settings(), p.client(), sleep=p.sleeps.append),
    ],
    ids=["lambda", "runpod", "digitalocean", "scaleway"],
)
def test_keyed_apis_refuse_live_mode_without_a_key_before_calling_out(make: Factory) -> None:
    fake = Provider(sequence(httpx.Response(200, json={})))
    adapter = make(fake)
    with pytest.raises(AdapterError, match=f"{adapter.provider_id} live mode needs an API key"):
        adapter.fetch()
    assert fake.requests == []
