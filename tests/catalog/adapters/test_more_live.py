"""What the newer live adapters read from their providers' answers (shapes in fixtures/README.md)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from pydantic import SecretStr

from catalog.adapters.base import AdapterError
from catalog.adapters.registry import ALL_ADAPTERS
from catalog.adapters.scaleway import ZONES as SCALEWAY_ZONES
from core.settings import Settings
from tests.catalog.adapters.recorded import Provider, recorded, sync_rows
from tests.catalog.adapters.test_contract import CASES, adapter
from tests.catalog.adapters.test_contract import settings as contract_settings


def offers(provider: str) -> dict[str, dict[str, object]]:
    _fetched, rows, _report = sync_rows(adapter(provider, Provider(CASES[provider].route)))
    return {str(r["external_id"]): r for r in rows}


def snapshot_ids(provider: str) -> set[str]:
    """The offer ids the bundled snapshot gives this provider (what its live rows must replace)."""
    _fetched, rows, _report = sync_rows(CASES[provider].make(Settings(), httpx.Client(), lambda s: None))
    return {str(r["external_id"]) for r in rows}


def test_shadeform_lists_types_where_available_at_their_price_in_dollars() -> None:
    by_id = offers("shadeform")
    # The DataCrunch-backed A100 is available nowhere, the A6000 in one of its two regions.
    assert set(by_id) == {
        "hyperstack_A6000/canada-1",
        "lambdalabs_H100x8/us-east-1",
        "lambdalabs_H100x8/us-west-1",
    }
    h100 = by_id["lambdalabs_H100x8/us-east-1"]
    assert h100["price_per_hour"] == Decimal("23.92") and h100["gpu_count"] == 8
    assert (h100["gpu_family"], h100["gpu_variant"], h100["gpu_memory_gb"]) == ("H100", "SXM", 80.0)
    assert "via-lambdalabs" in h100["tags"] and h100["country"] == "US"


def test_datacrunch_offers_each_available_type_per_location_with_its_spot_price() -> None:
    by_id = offers("datacrunch")
    assert set(by_id) == {
        "1H100.80S.30V/Finland 1/FIN-01",
        "1H100.80S.30V/Finland 1/FIN-01#spot",
        "1H100.80S.30V/Iceland 1/ICE-01",
        "1H100.80S.30V/Iceland 1/ICE-01#spot",
        "2A6000.20V/Finland 1/FIN-01",
        "2A6000.20V/Finland 1/FIN-01#spot",
    }  # the CPU node is no GPU offer
    h100 = by_id["1H100.80S.30V/Iceland 1/ICE-01"]
    assert (h100["price_per_hour"], h100["country"], h100["gpu_variant"]) == (Decimal("3.95"), "IS", "SXM")
    assert by_id["2A6000.20V/Finland 1/FIN-01#spot"]["price_per_gpu_hour"] == Decimal("0.31")


def test_oci_prices_the_bundled_shapes_with_todays_list_price_per_gpu() -> None:
    by_id = offers("oci")
    a100_80 = next(r for k, r in by_id.items() if k.startswith("BM.GPU.A100-v2.8/"))
    assert a100_80["price_per_hour"] == Decimal("32")  # 8 GPUs at the "A100 - v2" part's $4
    a10 = next(r for k, r in by_id.items() if k.startswith("VM.GPU.A10.2/"))
    assert a10["price_per_hour"] == Decimal("4") and not any(r["spot"] for r in by_id.values())


def test_gcp_reads_gpu_skus_on_demand_and_spot_and_leaves_out_commitments_and_cpus() -> None:
    fake = Provider(CASES["gcp"].route)
    _fetched, rows, _report = sync_rows(adapter("gcp", fake))
    assert [r.url.params.get("pageToken") for r in fake.requests] == [None, "CAEaBwj2hbzJtgI"]
    by_id = {str(r["external_id"]): r for r in rows}
    assert by_id["L4x1/us-central1"]["price_per_hour"] == Decimal("0.56004")
    assert by_id["L4x4/us-east4#spot"]["price_per_hour"] == Decimal("0.8924")
    assert by_id["H100x8/europe-west1"]["price_per_hour"] == Decimal("86.29376")
    assert "A100-80GBx1/europe-west4#spot" not in by_id  # no preemptible SKU in the answer
    assert by_id["A100-80GBx1/europe-west4"]["gpu_memory_gb"] == 80.0
    # Commitment and CPU SKUs make no offer; every GPU price is the accelerators alone.
    assert {r["price_scope"] for r in rows} == {"gpu_only"}
    assert len(rows) == 4 * (2 * 2 + 1 + 2)  # L4 in 2 regions x (on-demand, spot), A100, H100 x 2


def test_digitalocean_offers_each_available_gpu_size_per_region_across_pages() -> None:
    fake = Provider(CASES["digitalocean"].route)
    _fetched, rows, _report = sync_rows(adapter("digitalocean", fake))
    # The first request asks for the largest page; the next one follows the answer's next link verbatim.
    assert [dict(r.url.params) for r in fake.requests] == [
        {"per_page": "200"},
        {"page": "2", "per_page": "3"},
    ]
    by_id = {str(r["external_id"]): r for r in rows}
    # The CPU size is no GPU offer, and the MI300X x1 size is not available anywhere.
    assert set(by_id) == {
        "gpu-h100x1-80gb/atl1",
        "gpu-h100x1-80gb/nyc2",
        "gpu-h100x1-80gb/tor1",
        "gpu-h100x8-640gb/nyc2",
        "gpu-h100x8-640gb/tor1",
        "gpu-mi300x8-1536gb/atl1",
    }
    h100x8 = by_id["gpu-h100x8-640gb/tor1"]  # the bundled snapshot's offer, now at today's price
    assert (h100x8["gpu_family"], h100x8["gpu_count"], h100x8["price_per_hour"]) == (
        "H100",
        8,
        Decimal("23.92"),
    )
    assert (h100x8["region"], h100x8["country"], h100x8["spot"]) == ("tor1", "CA", False)
    assert h100x8["memory_gb"] == 1920.0 and h100x8["gpu_memory_gb"] == 80.0
    mi300x = by_id["gpu-mi300x8-1536gb/atl1"]
    assert (mi300x["gpu_family"], mi300x["price_per_gpu_hour"], mi300x["gpu_memory_gb"]) == (
        "MI300X",
        Decimal("1.99"),
        192.0,
    )
    assert not any(r["spot"] for r in rows)
    assert snapshot_ids("digitalocean") <= set(by_id)  # live rows replace the snapshot's, never duplicate


def test_ovhcloud_offers_each_hourly_gpu_flavour_in_every_region_any_of_its_plans_lists() -> None:
    fake = Provider(CASES["ovhcloud"].route)
    _fetched, rows, _report = sync_rows(adapter("ovhcloud", fake))
    assert [r.url.params.get("ovhSubsidiary") for r in fake.requests] == ["WE"]
    by_id = {str(r["external_id"]): r for r in rows}
    # t1-45's hourly plan lists no region: its monthly plan's regions count. The CPU flavour, the
    # H100's 3-AZ variant (priced apart), the Windows t1-45 and the L40S not yet on sale make no offer.
    assert set(by_id) == {
        "t1-45/BHS",
        "t1-45/GRA",
        "t2-45/BHS",
        "t2-45/FRA",
        "t2-45/GRA",
        "t2-45/LON",
        "t2-45/WAW",
        "a100-180/GRA",
        "a100-360/GRA",
        "h100-380/BHS",
        "h100-380/GRA",
    }
    a100 = by_id["a100-360/GRA"]  # micro-cents to dollars
    assert (a100["gpu_family"], a100["gpu_count"], a100["gpu_memory_gb"]) == ("A100", 2, 80.0)
    assert (a100["price_per_hour"], a100["price_per_gpu_hour"]) == (Decimal("6.15"), Decimal("3.075"))
    t2 = by_id["t2-45/FRA"]
    assert (t2["gpu_type"], t2["gpu_memory_gb"], t2["price_per_hour"]) == ("V100-32GB", 32.0, Decimal("2.19"))
    assert (t2["region"], t2["zones"], t2["country"]) == ("FRA", ["DE1"], "DE")
    assert by_id["h100-380/BHS"]["country"] == "CA" and not any(r["spot"] for r in rows)
    # The bundled catalog's offers of these flavours are the same offers, now at the catalog's price.
    flavours = {key.split("/", 1)[0] for key in by_id}
    assert {i for i in snapshot_ids("ovhcloud") if i.split("/", 1)[0] in flavours} <= set(by_id)


def test_an_ovhcloud_catalog_in_another_currency_is_refused() -> None:
    body = {
        **recorded("ovhcloud/catalog_public_cloud.json"),
        "locale": {"currencyCode": "EUR", "subsidiary": "FR"},
    }
    fake = Provider(lambda r: httpx.Response(200, json=body))
    with pytest.raises(AdapterError, match="priced in EUR"):
        adapter("ovhcloud", fake).fetch()


def test_scaleway_offers_each_gpu_type_of_every_zone_in_euros() -> None:
    fake = Provider(CASES["scaleway"].route)
    _fetched, rows, _report = sync_rows(adapter("scaleway", fake))
    # One short page per zone: every zone is asked once.
    assert [r.url.path.split("/")[4] for r in fake.requests] == list(SCALEWAY_ZONES)
    assert {(r.url.params["per_page"], r.url.params["page"]) for r in fake.requests} == {("100", "1")}
    by_id = {str(r["external_id"]): r for r in rows}
    # CPU types make no offer, nor does GPU-3070-S, at end of service; RENDER-S is sold in both Paris
    # zones at one price, so it is one regional offer listing them.
    assert set(by_id) == {
        "H100-1-80G/fr-par",
        "H100-2-80G/fr-par",
        "H100-SXM-8-80G/fr-par",
        "L4-1-24G/fr-par",
        "RENDER-S/fr-par",
    }
    sxm = by_id["H100-SXM-8-80G/fr-par"]
    assert (sxm["gpu_family"], sxm["gpu_variant"], sxm["gpu_count"]) == ("H100", "SXM", 8)
    assert (sxm["price_per_hour"], sxm["currency"]) == (Decimal("25.3308"), "EUR")
    assert (sxm["region"], sxm["zones"], sxm["country"], sxm["memory_gb"]) == (
        "fr-par",
        ["fr-par-2"],
        "FR",
        960.0,
    )
    render = by_id["RENDER-S/fr-par"]
    assert (render["gpu_family"], render["price_per_hour"]) == ("P100", Decimal("1.221"))
    assert render["zones"] == ["fr-par-1", "fr-par-2"] and not any(r["spot"] for r in rows)
    # The bundled catalog's offers are these offers, at today's price; GPU-3070-S is no longer sold.
    assert snapshot_ids("scaleway") - {"GPU-3070-S/fr-par"} <= set(by_id)


def test_scaleway_reads_a_zone_page_by_page_until_a_short_page() -> None:
    cpu = recorded("scaleway/servers.cpu_only.json")["servers"]["POP2-HN-3"]
    full = {"servers": {f"POP2-HN-{i}": cpu for i in range(100)}}

    def route(request: httpx.Request) -> httpx.Response:
        if "/fr-par-2/" in request.url.path and request.url.params["page"] == "1":
            return httpx.Response(200, json=full)
        return CASES["scaleway"].route(request)

    fake = Provider(route)
    _fetched, rows, _report = sync_rows(adapter("scaleway", fake))
    pages = [r.url.params["page"] for r in fake.requests if "/fr-par-2/" in r.url.path]
    assert pages == ["1", "2"] and "H100-SXM-8-80G/fr-par" in {r["external_id"] for r in rows}


def test_cudo_prices_each_vm_size_of_a_machine_type_from_its_parts() -> None:
    by_id = offers("cudo")
    # 13 VM sizes of each of the four machine types with a GPU SkyPilot names; the RTX 3080 and the
    # CPU machine type make none.
    assert len(by_id) == 4 * 13
    assert {k.split("_", 1)[0] for k in by_id} == {
        "epyc-genoa-h100-nvl-pcie",
        "sapphire-rapids-h100",
        "ice-lake-a40-compute",
        "intel-broadwell-v100",
    }
    sxm = by_id["sapphire-rapids-h100_8x96v192gb/no-kristiansand-1"]
    # 96 vCPUs x 0.0077 + 192 GiB x 0.004 + 8 GPUs x 1.79
    assert (sxm["price_per_hour"], sxm["gpu_count"], sxm["vcpu"], sxm["memory_gb"]) == (
        Decimal("15.8272"),
        8,
        96.0,
        192.0,
    )
    assert (sxm["gpu_family"], sxm["gpu_variant"], sxm["country"], sxm["spot"]) == (
        "H100",
        "SXM",
        "NO",
        False,
    )
    # The recorded parts are the bundled catalog's: every live offer is a catalog offer at its price.
    _fetched, snapshot, _report = sync_rows(CASES["cudo"].make(Settings(), httpx.Client(), lambda s: None))
    catalog = {str(r["external_id"]): r["price_per_hour"] for r in snapshot}
    assert {k: r["price_per_hour"] for k, r in by_id.items()} == {k: catalog[k] for k in by_id}


@pytest.mark.parametrize(
    ("provider", "setting", "header", "sent"),
    [
        ("digitalocean", "digitalocean_api_key", "Authorization", "Bearer dop_v1_recorded"),
        ("scaleway", "scaleway_api_key", "X-Auth-Token", "dop_v1_recorded"),
    ],
)
def test_the_api_key_comes_from_the_providers_setting(
    provider: str, setting: str, header: str, sent: str
) -> None:
    settings = contract_settings().model_copy(update={setting: SecretStr("dop_v1_recorded")})
    fake = Provider(lambda r: httpx.Response(200, json={"servers": {}, "sizes": []}))
    ALL_ADAPTERS[provider](settings, fake.client(), sleep=fake.sleeps.append).fetch()
    assert fake.requests and {r.headers[header] for r in fake.requests} == {sent}


def test_a_refused_token_stops_datacrunch_before_any_price_request() -> None:
    fake = Provider(lambda r: httpx.Response(401, json={"code": "unauthorized_request"}))
    with pytest.raises(AdapterError, match="HTTP 401"):
        adapter("datacrunch", fake).fetch()
    assert [r.url.path for r in fake.requests] == ["/v1/oauth2/token"]
