"""RunPod live mode: the GraphQL gpuTypes query, one offer per GPU type, cloud and pod size."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from catalog.adapters.base import AdapterError
from catalog.adapters.runpod import GPU_TYPES_QUERY, RunpodAdapter, accelerator_name
from tests.catalog.adapters.recorded import Provider, live_settings, reasons, recorded, sequence, sync_rows


def runpod(fake: Provider) -> RunpodAdapter:
    return RunpodAdapter(live_settings(), fake.client(), api_key="secret-key", sleep=fake.sleeps.append)


def serve(body: Any) -> Provider:
    return Provider(sequence(httpx.Response(200, json=body)))


def test_gpu_types_become_offers_per_cloud_and_size() -> None:
    fake = serve(recorded("runpod/gpu_types.json"))
    _fetched, rows, report = sync_rows(runpod(fake))

    request = fake.requests[0]
    assert (request.method, request.url.host, request.url.path) == ("POST", "api.runpod.io", "/graphql")
    assert request.url.params["api_key"] == "secret-key"
    assert json.loads(request.content) == {"query": GPU_TYPES_QUERY}
    assert report.rejected == 0, reasons(report)

    prices = {r["external_id"]: float(r["price_per_hour"]) for r in rows}
    assert prices["8x_H100-SXM_SECURE/-"] == 23.92  # per-GPU price times the pod size
    assert prices["8x_H100-SXM_SECURE/-#spot"] == 14.0
    assert prices["1x_H100-SXM_COMMUNITY/-"] == 2.69
    assert "1x_H100-SXM_COMMUNITY/-#spot" not in prices  # no community spot price
    assert prices["1x_A100-80GB_SECURE/-"] == 1.64
    assert not any("A100-80GB_COMMUNITY" in k for k in prices)  # not sold in community cloud
    assert {k for k in prices if "RTX4090" in k} == {
        "1x_RTX4090_COMMUNITY/-",
        "1x_RTX4090_COMMUNITY/-#spot",
        "2x_RTX4090_COMMUNITY/-",
        "2x_RTX4090_COMMUNITY/-#spot",
    }  # maxGpuCount 2 caps the sizes

    h100 = next(r for r in rows if r["external_id"] == "8x_H100-SXM_SECURE/-")
    assert (h100["gpu_family"], h100["gpu_variant"], h100["gpu_count"]) == ("H100", "SXM", 8)
    assert "secure-cloud" in h100["tags"]
    a100 = next(r for r in rows if r["external_id"] == "1x_A100-80GB_SECURE/-")
    assert (a100["gpu_family"], a100["gpu_variant"], a100["gpu_memory_gb"]) == ("A100", "PCIe", 80.0)


def test_accelerator_names_follow_the_snapshot() -> None:
    assert accelerator_name("A100 SXM") == "A100-80GB-SXM"
    assert accelerator_name("RTX 6000 Ada") == "RTX6000-Ada"
    assert accelerator_name("RTX PRO 6000") == "RTXPRO6000"


def test_graphql_errors_are_adapter_errors() -> None:
    with pytest.raises(AdapterError, match='runpod graphql error: Cannot query field "foo"'):
        runpod(serve(recorded("runpod/graphql_error.json"))).fetch()


def test_malformed_gpu_types_are_rejected_with_a_reason() -> None:
    h100 = recorded("runpod/gpu_types.json")["data"]["gpuTypes"][0]
    body = {
        "data": {
            "gpuTypes": [
                {**h100, "maxGpuCount": 1, "communityCloud": False},
                42,
                {**h100, "displayName": None},
                {**h100, "id": "NVIDIA Mystery", "displayName": "Quantum 9000", "maxGpuCount": 1},
                {
                    **h100,
                    "displayName": "L40S",
                    "maxGpuCount": 1,
                    "communityCloud": False,
                    "securePrice": "soon",
                },
            ]
        }
    }
    _fetched, rows, report = sync_rows(runpod(serve(body)))
    assert {r["external_id"] for r in rows} == {"1x_H100-SXM_SECURE/-", "1x_H100-SXM_SECURE/-#spot"}
    text = reasons(report)
    for expected in (
        "gpu type is not an object",
        "gpu type without id or display name",
        "unknown accelerator 'Quantum-9000'",
        "price is not a number: 'soon'",
    ):
        assert expected in text
