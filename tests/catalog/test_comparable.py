"""Comparable listings (issue 10): one offer per instance, region and price (zones listed), spot-only rows
kept, the exact GPU count, and GCP's GPU-only prices kept out unless asked for."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Offer


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    r = client.get("/providers", params={"page_size": 100, **params})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_zones_of_one_price_are_one_regional_offer(db: Session) -> None:
    l4 = db.execute(
        select(Offer).where(Offer.provider == "gcp", Offer.external_id == "L4x1/us-central1")
    ).scalar_one()
    assert l4.zones == ["us-central1-a", "us-central1-b", "us-central1-c"] and l4.zone is None
    h100 = db.execute(
        select(Offer).where(Offer.provider == "gcp", Offer.external_id.like("H100x8/europe-west1%"))
    ).scalars()
    assert sorted(o.external_id for o in h100) == ["H100x8/europe-west1", "H100x8/europe-west1#spot"]
    # AWS p5en spot in Jakarta: its two zones have one price.
    p5en = db.execute(
        select(Offer).where(
            Offer.provider == "aws",
            Offer.name == "p5en.48xlarge",
            Offer.region == "ap-southeast-3",
            Offer.spot,
        )
    ).scalar_one()
    assert (p5en.external_id, p5en.zones) == ("p5en.48xlarge/ap-southeast-3#spot", ["apse3-az2", "apse3-az3"])
    # AWS p4d in Sydney: one on-demand price for both zones, two different spot prices.
    p4d = db.execute(
        select(Offer).where(
            Offer.provider == "aws", Offer.name == "p4d.24xlarge", Offer.region == "ap-southeast-2"
        )
    ).scalars()
    by_id = {o.external_id: o for o in p4d}
    assert set(by_id) == {
        "p4d.24xlarge/ap-southeast-2",
        "p4d.24xlarge/ap-southeast-2/apse2-az1#spot",
        "p4d.24xlarge/ap-southeast-2/apse2-az2#spot",
    }
    assert by_id["p4d.24xlarge/ap-southeast-2"].zones == ["apse2-az1", "apse2-az2"]
    assert by_id["p4d.24xlarge/ap-southeast-2/apse2-az1#spot"].zones == ["apse2-az1"]


def test_no_two_listed_offers_are_the_same_instance_region_and_price(db: Session) -> None:
    rows = db.execute(
        select(Offer.provider, Offer.name, Offer.region, Offer.spot, Offer.price_per_hour, Offer.gpu_count)
    ).all()
    assert len(rows) == len(set(rows))


def test_rows_with_only_a_spot_price_are_spot_offers(db: Session) -> None:
    p5e = (
        db.execute(select(Offer).where(Offer.provider == "aws", Offer.name == "p5e.48xlarge")).scalars().all()
    )
    assert len(p5e) == 4 and all(o.spot for o in p5e)
    assert {o.region for o in p5e} == {"ap-southeast-3", "us-east-2", "us-west-2"}
    assert all(o.gpu_family == "H200" and o.gpu_count == 8 for o in p5e)


def test_exact_gpu_count_next_to_the_minimum(client: TestClient) -> None:
    exact = search(client, gpu_type="H100", gpu_count_exact=1)
    assert exact["total"] > 0 and {o["gpu_count"] for o in exact["items"]} == {1}
    minimum = search(client, gpu_type="H100", gpu_count=1, sort="price_desc")
    assert any(o["gpu_count"] > 1 for o in minimum["items"])
    assert client.get("/providers", params={"gpu_count_exact": 0}).json()["error"]["details"][0]["field"] == (
        "gpu_count_exact"
    )


def test_gpu_only_prices_stay_out_unless_asked_for(client: TestClient) -> None:
    plain = search(client, gpu_type="L4")
    assert plain["total"] > 0 and all(o["provider"] != "gcp" for o in plain["items"])
    assert "warnings" not in plain or not any("host VM" in w for w in plain["warnings"])
    shown = search(client, gpu_type="L4", include_gpu_only="true")
    gcp = [o for o in shown["items"] if o["provider"] == "gcp"]
    assert gcp and all(o["price_scope"] == "gpu_only" for o in gcp)
    assert shown["total"] > plain["total"]
    assert any("host VM is billed on top" in w for w in shown["warnings"])


def test_the_offer_says_when_its_price_is_from(client: TestClient) -> None:
    item = search(client, provider="lambda")["items"][0]
    assert item["price_as_of"].startswith("2026-11-27")  # the snapshot's own date, not the load time
    assert item["last_seen_at"] > item["price_as_of"]


def test_zones_sharing_a_price_where_others_differ_are_one_offer_named_after_the_first() -> None:
    from catalog.adapters.aws import AwsAdapter
    from catalog.ingest import ProviderReport, normalize_all
    from core.settings import Settings

    def row(zone: str, spot: str) -> dict[str, str]:
        return {
            "InstanceType": "p4d.24xlarge",
            "AcceleratorName": "A100",
            "AcceleratorCount": "8",
            "Price": "32.7726",
            "SpotPrice": spot,
            "Region": "us-east-1",
            "AvailabilityZone": zone,
        }

    class ThreeZones(AwsAdapter):
        def read_snapshot(self) -> list[dict[str, str]]:
            return [row("use1-az6", "9.5"), row("use1-az2", "9.5"), row("use1-az4", "11.25")]

    adapter = ThreeZones(Settings())
    report = ProviderReport("aws")
    offers = {r["external_id"]: r for r in normalize_all(adapter, adapter.fetch(), report)}
    assert {k: v["zones"] for k, v in offers.items()} == {
        "p4d.24xlarge/us-east-1": ["use1-az2", "use1-az4", "use1-az6"],
        "p4d.24xlarge/us-east-1/use1-az2#spot": ["use1-az2", "use1-az6"],
        "p4d.24xlarge/us-east-1/use1-az4#spot": ["use1-az4"],
    }
    assert report.collapsed == 3
