"""Vast.ai live mode: the public offer search, read into the same rows as the bundled snapshot."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from typing import Any

import httpx

from catalog.adapters.vast import SEARCH_QUERY, VastAdapter, region_of_geolocation
from catalog.ingest import normalize
from tests.catalog.adapters.recorded import Provider, live_settings, reasons, recorded, sequence, sync_rows


def vast(fake: Provider) -> VastAdapter:
    return VastAdapter(live_settings(), fake.client(), sleep=fake.sleeps.append)


def serve(body: Any) -> Provider:
    return Provider(sequence(httpx.Response(200, json=body)))


def test_offers_become_offers_like_snapshot_rows() -> None:
    fake = serve(recorded("vast/bundles_offers.json"))
    fetched, rows, report = sync_rows(vast(fake))

    request = fake.requests[0]
    assert request.method == "GET"
    assert str(request.url).startswith("https://console.vast.ai/api/v0/bundles?q=")
    assert json.loads(request.url.params["q"]) == SEARCH_QUERY
    assert fetched.mode == "live"
    assert fetched.source == "vast API"
    assert report.rejected == 0, reasons(report)

    on_demand = {r["external_id"]: r for r in rows if not r["spot"]}
    assert len(on_demand) == 5
    h100 = on_demand["8x-H100_SXM-224-2063790/Czechia, CZ, EU/machine-31877"]
    assert (h100["gpu_family"], h100["gpu_variant"], h100["gpu_count"]) == ("H100", "SXM", 8)
    assert h100["gpu_memory_gb"] == 80.0  # gpu_ram is per GPU
    assert (h100["country"], h100["geo"]) == ("CZ", "eu")
    assert float(h100["price_per_hour"]) == 15.302778  # dph_total, all GPUs
    assert float(h100["price_per_gpu_hour"]) == 1.912847
    assert h100["vcpu"] == 224.0
    assert h100["memory_gb"] == 2015.4

    # A fraction of a host gets that fraction of its RAM and the effective CPU count.
    korea = on_demand["1x-RTX_4090-24-32069/South Korea, KR, AS/machine-21540"]
    assert korea["vcpu"] == 12.0
    assert korea["memory_gb"] == 15.7
    assert (korea["gpu_family"], korea["country"], korea["geo"]) == ("RTX4090", "KR", "asia")
    assert on_demand["1x-RTX_3090-80-42911/United Arab Emirates, AE, AS/machine-26371"]["geo"] == "me"

    # min_bid is the interruptible price, unless it is no cheaper than on-demand.
    spot = {r["external_id"]: float(r["price_per_hour"]) for r in rows if r["spot"]}
    assert spot == {
        "1x-RTX_4090-24-32069/South Korea, KR, AS/machine-21540#spot": 0.16,
        "1x-RTX_3090-80-42911/United Arab Emirates, AE, AS/machine-26371#spot": 0.106667,
        "8x-H100_SXM-224-2063790/Czechia, CZ, EU/machine-31877#spot": 9.6,
    }


def test_live_and_snapshot_rows_normalize_alike() -> None:
    adapter = vast(serve(recorded("vast/bundles_offers.json")))
    live = next(r for r in adapter.fetch_live() if r["AcceleratorName"] == "H100 SXM")
    with adapter.snapshot_path.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f)
        snap = next(r for r in rows if r["InstanceType"].startswith("1x-H100_SXM") and "CZ" in r["Region"])
    now = datetime.now(UTC)
    a, b = (normalize("vast", next(iter(adapter.parse_row(r))), "test", now) for r in (live, snap))
    keys = ("gpu_family", "gpu_variant", "gpu_memory_gb", "region", "country", "geo")
    assert {k: a[k] for k in keys} == {k: b[k] for k in keys}


def test_region_gets_the_continent_the_snapshot_spells() -> None:
    assert region_of_geolocation("Czechia, CZ") == "Czechia, CZ, EU"
    assert region_of_geolocation("Quebec, CA") == "Quebec, CA, NA"
    assert region_of_geolocation("Czechia, CZ, EU") == "Czechia, CZ, EU"
    assert region_of_geolocation("Atlantis, XX") == "Atlantis, XX"  # nothing known: left as given


def test_malformed_offers_are_rejected_with_a_reason() -> None:
    good = recorded("vast/bundles_offers.json")["offers"][0]
    body = {
        "offers": [
            good,
            "not an offer",
            {**good, "machine_id": 1, "gpu_name": None},
            {**good, "machine_id": 2, "dph_total": "n/a"},
            {**good, "machine_id": 3, "num_gpus": 0},
            {**good, "machine_id": 4, "gpu_name": "Quantum GPU"},
        ]
    }
    _fetched, rows, report = sync_rows(vast(serve(body)))
    assert len([r for r in rows if not r["spot"]]) == 1
    assert report.rejected == 5
    text = reasons(report)
    for expected in (
        "offer is not an object",
        "missing accelerator name",
        "price is not a number: 'n/a'",
        "gpu count must be a whole number >= 1",
        "unknown accelerator 'Quantum GPU'",
    ):
        assert expected in text
