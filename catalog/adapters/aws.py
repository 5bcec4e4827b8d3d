"""Amazon Web Services (aws). In the bundled snapshot, zones of one region share an on-demand price and
become one regional offer; spot prices differ by zone (catalog.ingest.collapse_zones).

Live mode uses boto3 with the configured credentials (never the environment's):

- On-demand prices from the AWS Price List Query API, ``pricing.get_products`` (``ServiceCode``
  ``AmazonEC2``; filters ``instanceType``, ``operatingSystem`` Linux, ``tenancy`` Shared,
  ``preInstalledSw`` NA, ``capacitystatus`` Used), following ``NextToken``. The answer is
  ``{"FormatVersion": "aws_v1", "PriceList": [<JSON text>], "NextToken"}``; each price list entry is
  ``{"product": {"productFamily", "attributes": {"instanceType", "regionCode", "vcpu", "memory",
  "operatingSystem", "tenancy", ...}, "sku"}, "serviceCode", "terms": {"OnDemand": {<offer term>:
  {"priceDimensions": {<rate code>: {"unit": "Hrs", "pricePerUnit": {"USD"}}}}}}, "version",
  "publicationDate"}`` (AWS Price List API reference, ``GetProducts``:
  https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html, and
  "Price List file format"). The Query API is served from us-east-1.
- Spot prices from EC2 ``describe_spot_price_history`` in each of ``aws_regions`` for the GPU instance
  types, product ``Linux/UNIX``, the newest price per availability zone (``SpotPriceHistory`` items:
  ``AvailabilityZone``, ``AvailabilityZoneId``, ``InstanceType``, ``ProductDescription``, ``SpotPrice``,
  ``Timestamp``; EC2 API reference, DescribeSpotPriceHistory).

The bulk Price List files (``offers/v1.0/aws/AmazonEC2/current/<region>/index.json``) carry the same
entries but are gigabytes per region; the Query API asks for the GPU types alone. GPU model and count per
instance type come from AWS's accelerated computing instance table (:data:`GPU_INSTANCES`), since the
price list's ``gpu`` attribute is a count without a model. Rows use the snapshot's shape: an on-demand
row per type and region (its regional offer id is the snapshot's), and a spot-only row per zone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from catalog.adapters.base import REJECTED, AdapterError, as_object
from catalog.adapters.skypilot import SkyPilotCsvAdapter

# instance type -> (accelerator as the bundled catalog names it, GPUs), from "Amazon EC2 accelerated
# computing instances" (https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html).
GPU_INSTANCES: dict[str, tuple[str, int]] = {
    "p3.2xlarge": ("V100", 1),
    "p3.8xlarge": ("V100", 4),
    "p3.16xlarge": ("V100", 8),
    "p3dn.24xlarge": ("V100-32GB", 8),
    "p4d.24xlarge": ("A100", 8),
    "p4de.24xlarge": ("A100-80GB", 8),
    "p5.48xlarge": ("H100", 8),
    "p5e.48xlarge": ("H200", 8),
    "p5en.48xlarge": ("H200", 8),
    "g5.xlarge": ("A10G", 1),
    "g5.12xlarge": ("A10G", 4),
    "g5.48xlarge": ("A10G", 8),
    "g6.xlarge": ("L4", 1),
    "g6.12xlarge": ("L4", 4),
    "g6e.xlarge": ("L40S", 1),
    "g6e.12xlarge": ("L40S", 4),
}
LINUX_FILTERS = (
    ("operatingSystem", "Linux"),
    ("tenancy", "Shared"),
    ("preInstalledSw", "NA"),
    ("capacitystatus", "Used"),
)
MAX_PAGES_PER_TYPE = 20


def _gib(text: Any) -> str:
    """ "1152 GiB" -> "1152"."""
    return str(text or "").replace(",", "").split(" ")[0]


def price_list_rows(entries: list[Any]) -> list[dict[str, Any]]:
    """Price list entries (JSON text or objects) -> one on-demand row per instance type and region."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    rejected: list[dict[str, Any]] = []
    for raw in entries:
        try:
            entry = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            rejected.append({REJECTED: f"price list entry is not JSON: {str(raw)[:80]!r}"})
            continue
        attrs = as_object(as_object(as_object(entry).get("product")).get("attributes"))
        itype, region = str(attrs.get("instanceType") or ""), str(attrs.get("regionCode") or "")
        if itype not in GPU_INSTANCES or not region:
            continue
        prices = [
            dim.get("pricePerUnit", {}).get("USD")
            for term in as_object(as_object(entry.get("terms")).get("OnDemand")).values()
            for dim in as_object(as_object(term).get("priceDimensions")).values()
            if as_object(dim).get("unit") == "Hrs"
        ]
        try:
            price = min(Decimal(str(p)) for p in prices if p is not None)
        except (InvalidOperation, ValueError):
            rejected.append({REJECTED: f"{itype} in {region}: no on-demand USD hourly price"})
            continue
        if price <= 0:
            continue  # a placeholder entry (reserved-only capacity)
        gpu, count = GPU_INSTANCES[itype]
        rows[(itype, region)] = {
            "InstanceType": itype,
            "AcceleratorName": gpu,
            "AcceleratorCount": str(count),
            "vCPUs": str(attrs.get("vcpu") or ""),
            "MemoryGiB": _gib(attrs.get("memory")),
            "Price": str(price),
            "SpotPrice": "",
            "Region": region,
            "AvailabilityZone": "",
        }
    return [*rows.values(), *rejected]


def spot_rows(region: str, history: list[Any]) -> list[dict[str, Any]]:
    """The newest Linux spot price of each GPU type in each zone, as spot-only rows."""
    newest: dict[tuple[str, str], tuple[datetime, str]] = {}
    for item in history:
        item = as_object(item)
        itype = str(item.get("InstanceType") or "")
        if itype not in GPU_INSTANCES or not str(item.get("ProductDescription") or "").startswith(
            "Linux/UNIX"
        ):
            continue
        zone = str(item.get("AvailabilityZoneId") or item.get("AvailabilityZone") or "")
        stamp = item.get("Timestamp")
        when = stamp if isinstance(stamp, datetime) else datetime.min.replace(tzinfo=UTC)
        key = (itype, zone)
        if key not in newest or when > newest[key][0]:
            newest[key] = (when, str(item.get("SpotPrice") or ""))
    rows = []
    for (itype, zone), (_when, price) in sorted(newest.items()):
        gpu, count = GPU_INSTANCES[itype]
        rows.append(
            {
                "InstanceType": itype,
                "AcceleratorName": gpu,
                "AcceleratorCount": str(count),
                "Price": "",
                "SpotPrice": price,
                "Region": region,
                "AvailabilityZone": zone,
            }
        )
    return rows


class AwsAdapter(SkyPilotCsvAdapter):
    provider_id = "aws"
    name = "Amazon Web Services"
    kind = "cloud"
    website = "https://aws.amazon.com/ec2/instance-types/"
    snapshot_file = "aws.csv"
    live_api = True
    # The Price List Query API allows about 10 requests per second per account; stay well under it.
    requests_per_second = 5.0

    api_key_setting = "aws_secret_access_key"  # with aws_access_key_id

    def _boto(self, service: str, region: str, endpoint: str | None) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            service,
            region_name=region,
            endpoint_url=endpoint,
            aws_access_key_id=self.settings.aws_access_key_id,
            aws_secret_access_key=self.api_key,
            config=Config(
                connect_timeout=self.settings.http_timeout_s,
                read_timeout=self.settings.http_timeout_s,
                retries={"total_max_attempts": self.settings.http_retries + 1, "mode": "standard"},
            ),
        )

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        self.rate_limiter().wait(self._sleep)
        try:
            return call()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise AdapterError(f"aws {what}: {error.get('Code')}: {error.get('Message')}") from exc
        except BotoCoreError as exc:
            raise AdapterError(f"aws {what}: {type(exc).__name__}: {exc}") from exc

    def fetch_live(self) -> list[dict[str, Any]]:
        if not self.settings.aws_access_key_id or not self.api_key:
            raise AdapterError(
                "aws live mode needs GPUBROKER_AWS_ACCESS_KEY_ID and GPUBROKER_AWS_SECRET_ACCESS_KEY"
            )
        pricing = self._boto("pricing", "us-east-1", self.settings.aws_pricing_endpoint_url)
        entries: list[Any] = []
        for itype in GPU_INSTANCES:
            filters = [
                {"Type": "TERM_MATCH", "Field": f, "Value": v}
                for f, v in (("instanceType", itype), *LINUX_FILTERS)
            ]
            token: str | None = None
            for _ in range(MAX_PAGES_PER_TYPE):
                args: dict[str, Any] = {"ServiceCode": "AmazonEC2", "Filters": filters, "MaxResults": 100}
                if token:
                    args["NextToken"] = token
                page = self._call("pricing get_products", partial(pricing.get_products, **args))
                if not isinstance(page, dict) or not isinstance(page.get("PriceList"), list):
                    raise AdapterError("aws pricing get_products returned no 'PriceList'")
                entries.extend(page["PriceList"])
                token = page.get("NextToken")
                if not token:
                    break
        rows = price_list_rows(entries)
        for region in (r.strip() for r in self.settings.aws_regions.split(",") if r.strip()):
            ec2 = self._boto("ec2", region, self.settings.aws_ec2_endpoint_url)
            answer = self._call(
                f"ec2 describe_spot_price_history in {region}",
                partial(
                    ec2.describe_spot_price_history,
                    InstanceTypes=list(GPU_INSTANCES),
                    ProductDescriptions=["Linux/UNIX"],
                    StartTime=datetime.now(UTC),
                ),
            )
            rows.extend(spot_rows(region, as_object(answer).get("SpotPriceHistory") or []))
        return rows
