"""One contract for every live adapter, run over recorded responses in each provider's documented
shape (tests/catalog/fixtures/README.md names the source of each): what a live sync of any provider
must do, whatever its API looks like.

- The recorded answer becomes offers through the real pipeline (``normalize_all``), none rejected,
  each priced, with a known GPU, the provider's live source and a ``price_as_of`` of the fetch time.
- Reading the same answer twice gives the same offer ids (a live offer keeps its id across syncs).
- A provider that keeps failing (503) is retried with backoff, then reported as that provider's
  ``AdapterError``; a refusal (401) is not retried; an answer not in the documented shape is an
  ``AdapterError`` naming the provider, never an exception that stops the sync.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from catalog.adapters.azure import AzureAdapter
from catalog.adapters.base import AdapterError, ProviderAdapter
from catalog.adapters.cudo import CudoAdapter
from catalog.adapters.datacrunch import DatacrunchAdapter
from catalog.adapters.digitalocean import DigitaloceanAdapter
from catalog.adapters.gcp import GcpAdapter
from catalog.adapters.lambdalabs import LambdaAdapter
from catalog.adapters.oci import OciAdapter
from catalog.adapters.ovhcloud import OvhcloudAdapter
from catalog.adapters.registry import ALL_ADAPTERS
from catalog.adapters.runpod import RunpodAdapter
from catalog.adapters.scaleway import ScalewayAdapter
from catalog.adapters.shadeform import ShadeformAdapter
from catalog.adapters.vast import VastAdapter
from core.settings import Settings
from tests.catalog.adapters.recorded import RETRIES, Provider, live_settings, reasons, recorded, sync_rows

Route = Callable[[httpx.Request], httpx.Response]


def json_response(name: str) -> httpx.Response:
    return httpx.Response(200, json=recorded(name))


def azure_route(request: httpx.Request) -> httpx.Response:
    flt = request.url.params.get("$filter", "")
    if "Standard_ND96isr_H100_v5" in flt:
        page = "page2" if request.url.params.get("$skip") == "1000" else "page1"
        return json_response(f"azure/nd96isr_h100_v5.{page}.json")
    if "Standard_NC24ads_A100_v4" in flt:
        return json_response("azure/nc24ads_a100_v4.json")
    return json_response("azure/empty.json")


def datacrunch_route(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith("/oauth2/token"):
        return json_response("datacrunch/token.json")
    assert request.headers["Authorization"] == "Bearer eyJhbGciOiJIUzI1NiJ9.recorded.signature"
    name = {"/v1/instance-types": "instance_types", "/v1/locations": "locations"}.get(path, "availability")
    return json_response(f"datacrunch/{name}.json")


def digitalocean_route(request: httpx.Request) -> httpx.Response:
    assert request.headers["Authorization"] == "Bearer k"
    page = "page2" if request.url.params.get("page") == "2" else "page1"
    return json_response(f"digitalocean/sizes.{page}.json")


def scaleway_route(request: httpx.Request) -> httpx.Response:
    assert request.headers["X-Auth-Token"] == "k"
    zone = request.url.path.split("/")[4]  # /instance/v1/zones/<zone>/products/servers
    return json_response(f"scaleway/servers.{zone if zone in ('fr-par-1', 'fr-par-2') else 'cpu_only'}.json")


def gcp_route(request: httpx.Request) -> httpx.Response:
    page = "page2" if request.url.params.get("pageToken") == "CAEaBwj2hbzJtgI" else "page1"
    return json_response(f"gcp/skus.{page}.json")


@dataclass
class Case:
    make: Callable[[Settings, httpx.Client, Callable[[float], None]], ProviderAdapter]
    route: Route
    min_offers: int
    bad_body: Any = None  # an answer that is not in the documented shape


CASES: dict[str, Case] = {
    "vast": Case(
        lambda s, c, sl: VastAdapter(s, c, sleep=sl), lambda r: json_response("vast/bundles_offers.json"), 5
    ),
    "lambda": Case(
        lambda s, c, sl: LambdaAdapter(s, c, api_key="k", sleep=sl),
        lambda r: json_response("lambda/instance_types.json"),
        4,
    ),
    "runpod": Case(
        lambda s, c, sl: RunpodAdapter(s, c, api_key="k", sleep=sl),
        lambda r: json_response("runpod/gpu_types.json"),
        4,
    ),
    "azure": Case(lambda s, c, sl: AzureAdapter(s, c, sleep=sl), azure_route, 3),
    "shadeform": Case(
        lambda s, c, sl: ShadeformAdapter(s, c, api_key="k", sleep=sl),
        lambda r: json_response("shadeform/instance_types.json"),
        3,
    ),
    "datacrunch": Case(lambda s, c, sl: DatacrunchAdapter(s, c, sleep=sl), datacrunch_route, 3),
    "oci": Case(
        lambda s, c, sl: OciAdapter(s, c, sleep=sl), lambda r: json_response("oci/products.json"), 40
    ),
    "gcp": Case(lambda s, c, sl: GcpAdapter(s, c, api_key="k", sleep=sl), gcp_route, 12),
    "ovhcloud": Case(
        lambda s, c, sl: OvhcloudAdapter(s, c, sleep=sl),
        lambda r: json_response("ovhcloud/catalog_public_cloud.json"),
        10,
    ),
    "scaleway": Case(lambda s, c, sl: ScalewayAdapter(s, c, api_key="k", sleep=sl), scaleway_route, 5),
    "cudo": Case(
        lambda s, c, sl: CudoAdapter(s, c, sleep=sl), lambda r: json_response("cudo/machine_types_2.json"), 52
    ),
    "digitalocean": Case(
        lambda s, c, sl: DigitaloceanAdapter(s, c, api_key="k", sleep=sl), digitalocean_route, 6
    ),
}


def settings() -> Settings:
    return live_settings().model_copy(
        update={
            "live_providers": ",".join(CASES),
            "datacrunch_client_id": "client-id",
            "datacrunch_client_secret": "client-secret",
        }
    )


def adapter(provider: str, fake: Provider) -> ProviderAdapter:
    return CASES[provider].make(settings(), fake.client(), fake.sleeps.append)


def test_every_provider_with_a_price_api_has_a_live_adapter_in_the_suite() -> None:
    live = {p for p, cls in ALL_ADAPTERS.items() if cls.live_api}
    # AWS speaks through boto3, not httpx: the same contract against AWS's protocols is in test_aws.py.
    assert live == set(CASES) | {"aws"} and len(live) >= 13


@pytest.mark.parametrize("provider", sorted(CASES))
def test_recorded_answers_become_offers(provider: str) -> None:
    fake = Provider(CASES[provider].route)
    fetched, rows, report = sync_rows(adapter(provider, fake))
    assert report.rejected == 0, reasons(report)
    assert fetched.mode == "live" and fetched.source == f"{provider} API"
    assert fetched.as_of == fetched.fetched_at
    assert len(rows) >= CASES[provider].min_offers
    for row in rows:
        assert row["provider"] == provider and row["price_per_hour"] > 0 and row["gpu_family"]
        assert row["price_as_of"] == fetched.fetched_at and row["source"] == f"{provider} API"
    again = {r["id"] for r in sync_rows(adapter(provider, Provider(CASES[provider].route)))[1]}
    assert again == {r["id"] for r in rows}


@pytest.mark.parametrize("provider", sorted(CASES))
def test_an_outage_is_retried_with_backoff_then_reported(provider: str) -> None:
    fake = Provider(lambda r: httpx.Response(503, json={"error": "maintenance"}))
    with pytest.raises(AdapterError, match="HTTP 503"):
        adapter(provider, fake).fetch()
    assert len(fake.requests) == RETRIES + 1
    assert fake.sleeps == [0.5 * 2**i for i in range(RETRIES)]


@pytest.mark.parametrize("provider", sorted(CASES))
def test_a_refusal_is_not_retried(provider: str) -> None:
    fake = Provider(lambda r: httpx.Response(401, json={"error": {"code": "unauthorized"}}))
    with pytest.raises(AdapterError, match="HTTP 401"):
        adapter(provider, fake).fetch()
    assert len(fake.requests) == 1 and fake.sleeps == []


@pytest.mark.parametrize("provider", sorted(CASES))
def test_an_answer_in_another_shape_is_the_providers_error(provider: str) -> None:
    fake = Provider(lambda r: httpx.Response(200, json={"unexpected": "shape"}))
    with pytest.raises(AdapterError) as raised:
        adapter(provider, fake).fetch()
    assert provider in str(raised.value).lower()
