"""Every Terraform template renders valid HCL (parsed with python-hcl2) for real catalog offers."""

from __future__ import annotations

from typing import Any

import hcl2
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import service
from catalog.models import Offer
from iac_templates.render import render_terraform


def parse(text: str) -> Any:
    """python-hcl2 8 keeps the quotes of block labels and strings; the tests read plain values."""

    def clean(v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k).strip('"'): clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        if isinstance(v, str):
            return v.strip('"')
        return v

    return clean(hcl2.loads(text))


@pytest.mark.parametrize("provider", ["aws", "gcp", "lambda", "runpod", "vast", "nebius", "shadeform"])
@pytest.mark.parametrize("spot", [False, True])
def test_offers_render_parseable_terraform(db: Session, provider: str, spot: bool) -> None:
    oid = db.execute(
        select(Offer.id).where(Offer.provider == provider, Offer.spot.is_(spot)).limit(1)
    ).scalar()
    if oid is None:
        oid = db.execute(select(Offer.id).where(Offer.provider == provider).limit(1)).scalar_one()
    offer = service.get_offer(db, oid)
    template, text, notes = render_terraform(offer)
    parsed = parse(text)
    expected = {"aws": "aws.tf.j2", "gcp": "gcp.tf.j2", "lambda": "lambda.tf.j2", "runpod": "runpod.tf.j2"}
    assert template == expected.get(provider, "generic.tf.j2")
    assert offer["id"] in text
    if provider == "aws":
        res = parsed["resource"][0]["aws_instance"]
        inst = next(iter(res.values()))
        assert inst["instance_type"] == offer["external_id"].split("/")[0]
        assert ("instance_market_options" in inst) is offer["spot"]
    if provider == "gcp":
        inst = next(iter(parsed["resource"][0]["google_compute_instance"].values()))
        assert inst["machine_type"].startswith(("a2-", "a3-", "a4-", "g2-"))
        assert any("host VM" in n for n in notes)
    if template == "generic.tf.j2":
        assert any("fill in" in n for n in notes)


def test_azure_template_parses() -> None:
    offer: dict[str, Any] = {
        "id": "azure-x",
        "provider": "azure",
        "external_id": "Standard_ND96isr_H100_v5/eastus",
        "name": "ND96isr H100 v5",
        "gpu_family": "H100",
        "gpu_variant": "SXM",
        "gpu_count": 8,
        "gpu_memory_gb": 80,
        "price_per_hour": 98.32,
        "region": "eastus",
        "spot": True,
        "tags": [],
    }
    template, text, _ = render_terraform(offer)
    vm = next(iter(parse(text)["resource"][1]["azurerm_linux_virtual_machine"].values()))
    assert template == "azure.tf.j2" and vm["size"] == "Standard_ND96isr_H100_v5" and vm["priority"] == "Spot"
