"""AWS live mode through boto3 against servers speaking AWS's wire protocols: the Price List Query API
(``AWSPriceListService.GetProducts``, JSON 1.1 over HTTP POST with ``X-Amz-Target``) served by a small fake
written from the API reference, and EC2's ``DescribeSpotPriceHistory`` served by moto's server. The
recorded price list entries are in tests/catalog/fixtures/aws/price_list.json (shape: AWS Price List
API reference, GetProducts, and "Price List file format")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from moto.server import ThreadedMotoServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from catalog.adapters.aws import GPU_INSTANCES, AwsAdapter
from catalog.adapters.base import AdapterError
from core.settings import Settings
from tests import support
from tests.catalog.adapters.recorded import FIXTURES, live_settings, reasons, sync_rows

ENTRIES: dict[str, list[dict[str, Any]]] = json.loads((FIXTURES / "aws" / "price_list.json").read_text())


class PriceList:
    """``GetProducts`` as the Price List Query API answers it: two entries a page, with ``NextToken``."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail_with: int | None = None

    async def __call__(self, request: Request) -> JSONResponse:
        assert request.headers["x-amz-target"] == "AWSPriceListService.GetProducts"
        assert request.headers["content-type"] == "application/x-amz-json-1.1"
        assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
        body = json.loads(await request.body())
        self.calls.append(body)
        if self.fail_with == 503:
            return JSONResponse({"__type": "ServiceUnavailableException", "Message": "down"}, status_code=503)
        if self.fail_with == 400:
            return JSONResponse(
                {"__type": "AccessDeniedException", "Message": "User is not authorized"}, status_code=400
            )
        filters = {f["Field"]: f["Value"] for f in body["Filters"]}
        assert (filters["operatingSystem"], filters["tenancy"], body["ServiceCode"]) == (
            "Linux",
            "Shared",
            "AmazonEC2",
        )
        entries = ENTRIES.get(filters["instanceType"], [])
        start = int(body.get("NextToken") or 0)
        page = {"FormatVersion": "aws_v1", "PriceList": [json.dumps(e) for e in entries[start : start + 2]]}
        if start + 2 < len(entries):
            page["NextToken"] = str(start + 2)
        return JSONResponse(page, headers={"x-amzn-RequestId": "4f3c5d2e-0000-4000-8000-000000000000"})


@pytest.fixture(scope="module")
def ec2_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def price_list() -> Iterator[tuple[PriceList, str]]:
    fake = PriceList()

    async def endpoint(request: Request) -> JSONResponse:
        return await fake(request)

    with support.serve(Starlette(routes=[Route("/", endpoint, methods=["POST"])])) as url:
        yield fake, url


def aws(price_list_url: str, ec2_url: str, **changes: Any) -> AwsAdapter:
    settings: Settings = live_settings().model_copy(
        update={
            "live_providers": "aws",
            "aws_access_key_id": "AKIDEXAMPLE",
            "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aws_regions": "us-east-1,ap-southeast-2",
            "aws_pricing_endpoint_url": price_list_url,
            "aws_ec2_endpoint_url": ec2_url,
            **changes,
        }
    )
    return AwsAdapter(settings)


def test_on_demand_from_the_price_list_and_spot_by_zone(
    price_list: tuple[PriceList, str], ec2_url: str
) -> None:
    fake, url = price_list
    fetched, rows, report = sync_rows(aws(url, ec2_url))
    assert report.rejected == 0, reasons(report)
    assert fetched.mode == "live" and fetched.source == "aws API"
    assert len(fake.calls) == len(GPU_INSTANCES)  # one query per GPU type, each a single page here
    by_id = {r["external_id"]: r for r in rows}
    p4d = by_id["p4d.24xlarge/us-east-1"]  # the bundled catalog's regional offer id
    assert p4d["price_per_hour"] == Decimal("32.7726") and not p4d["spot"]
    assert (p4d["gpu_family"], p4d["gpu_count"], p4d["vcpu"], p4d["memory_gb"]) == ("A100", 8, 96.0, 1152.0)
    assert by_id["p4d.24xlarge/ap-southeast-2"]["price_per_hour"] == Decimal("42.60438")
    assert by_id["p5.48xlarge/us-east-1"]["gpu_family"] == "H100"
    # moto answers every zone of both regions with one price, so each type's zones become one spot offer.
    spot = [r for r in rows if r["spot"]]
    assert {r["external_id"] for r in spot} >= {
        "p4d.24xlarge/us-east-1#spot",
        "p5.48xlarge/ap-southeast-2#spot",
    }
    assert all(r["zones"] and r["price_as_of"] == fetched.fetched_at for r in spot)


def test_outages_and_refusals_are_the_providers_error(
    price_list: tuple[PriceList, str], ec2_url: str
) -> None:
    fake, url = price_list
    fake.fail_with = 503
    with pytest.raises(AdapterError, match="aws pricing get_products: ServiceUnavailableException"):
        aws(url, ec2_url, http_retries=1).fetch()
    assert len(fake.calls) == 2  # botocore's own retry, once
    fake.fail_with, fake.calls = 400, []
    with pytest.raises(AdapterError, match="AccessDeniedException"):
        aws(url, ec2_url).fetch()
    assert len(fake.calls) == 1
    with pytest.raises(AdapterError, match="needs GPUBROKER_AWS_ACCESS_KEY_ID"):
        aws(url, ec2_url, aws_access_key_id=None).fetch()
