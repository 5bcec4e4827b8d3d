"""Lambda live mode: /api/v1/instance-types, one offer per instance type and region with capacity."""

from __future__ import annotations

from typing import Any

import httpx

from catalog.adapters.lambdalabs import LambdaAdapter, accelerator_of
from tests.catalog.adapters.recorded import Provider, live_settings, reasons, recorded, sequence, sync_rows


def lambda_adapter(fake: Provider, key: str | None = "secret-key") -> LambdaAdapter:
    return LambdaAdapter(live_settings(), fake.client(), api_key=key, sleep=fake.sleeps.append)


def serve(body: Any) -> Provider:
    return Provider(sequence(httpx.Response(200, json=body)))


def test_instance_types_with_capacity_become_offers() -> None:
    fake = serve(recorded("lambda/instance_types.json"))
    _fetched, rows, report = sync_rows(lambda_adapter(fake))

    request = fake.requests[0]
    assert str(request.url) == "https://cloud.lambdalabs.com/api/v1/instance-types"
    assert request.headers["Authorization"] == "Bearer secret-key"
    assert report.rejected == 0, reasons(report)

    by_id = {r["external_id"]: r for r in rows}
    # The CPU-only type is no GPU offer and the sold-out A100 type has no region with capacity.
    assert set(by_id) == {
        "gpu_1x_a10/us-east-1",
        "gpu_1x_a10/us-west-1",
        "gpu_8x_h100_sxm5/us-east-1",
        "gpu_1x_gh200/us-east-3",
    }
    h100 = by_id["gpu_8x_h100_sxm5/us-east-1"]  # the same offer id the snapshot gives it
    assert (h100["gpu_family"], h100["gpu_variant"], h100["gpu_count"]) == ("H100", "SXM", 8)
    assert float(h100["price_per_hour"]) == 23.92
    assert float(h100["price_per_gpu_hour"]) == 2.99
    assert (h100["vcpu"], h100["memory_gb"], h100["storage_gb"]) == (208.0, 1800.0, 22000.0)
    assert h100["country"] == "US"
    assert not h100["spot"]
    assert by_id["gpu_1x_gh200/us-east-3"]["gpu_memory_gb"] == 96.0


def test_accelerator_names_match_the_snapshot() -> None:
    assert accelerator_of("gpu_1x_h100_pcie") == "H100"
    assert accelerator_of("gpu_8x_a100_80gb_sxm4") == "A100-80GB"
    assert accelerator_of("gpu_1x_a100_sxm4") == "A100"
    assert accelerator_of("cpu_4x_general") is None


def test_malformed_instance_types_are_rejected_with_a_reason() -> None:
    data = recorded("lambda/instance_types.json")["data"]
    a10 = data["gpu_1x_a10"]
    body = {
        "data": {
            "gpu_1x_a10": a10,
            "gpu_1x_broken": "nope",
            "gpu_2x_a6000": {**a10, "regions_with_capacity_available": None},
            "gpu_1x_rtx6000": {
                **a10,
                "instance_type": {**a10["instance_type"], "price_cents_per_hour": "lots"},
            },
            "gpu_1x_a6000": {**a10, "regions_with_capacity_available": [{"description": "Nowhere"}]},
        }
    }
    _fetched, rows, report = sync_rows(lambda_adapter(serve(body)))
    assert len(rows) == 2  # the good type in its two regions
    assert report.rejected == 5
    text = reasons(report)
    for expected in (
        "'gpu_1x_broken' has no instance_type object",
        "'gpu_2x_a6000' has no regions_with_capacity_available list",
        "price is not a number: 'lots'",
        "'gpu_1x_a6000' lists a region without a name",
    ):
        assert expected in text
