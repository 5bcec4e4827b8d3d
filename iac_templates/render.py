"""Render a Terraform configuration for one offer.

Every catalog provider with a Terraform provider gets its own template on that provider: AWS, GCP,
Azure, Nebius, OCI, DigitalOcean, Paperspace, Scaleway, OVHcloud, IBM Cloud and CUDO Compute. Lambda,
RunPod and Vast.ai publish none, so their templates call the providers' real launch APIs from a
``terraform_data`` resource; anything else gets a generic template that says what to fill in. Every
output is valid HCL (the tests parse each, rendered for a real offer, with python-hcl2). The templates
are checked for shape, not applied against the clouds: variables name what only the account holder knows
(project, subnet, image, key).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATE_DIR = Path(__file__).parent

#: What a value may hold to be written into a template: the templates put values inside HCL strings,
#: heredocs and the single-quoted shell of a local-exec, where a quote, a backslash, "${", a newline or a
#: "$(" would end the string and run what follows. Regions, instance types, GPU names and ids never need
#: those, so anything else is refused rather than escaped for one of the three contexts and not another.
SAFE_VALUE = re.compile(r"[A-Za-z0-9 ._:/+()@,=-]*")


class UnsafeTerraformValue(ValueError):
    """A value (from a provider's catalog, or asked for) that cannot be written into Terraform safely."""


def _hcl_safe(value: Any) -> Any:
    if isinstance(value, str) and not SAFE_VALUE.fullmatch(value):
        raise UnsafeTerraformValue(
            f"{value!r} cannot be written into Terraform: only letters, digits, spaces and . _ : / + ( ) @ , = -"
        )
    return value


# Autoescaping is HTML's; these templates are HCL, and every value passes through _hcl_safe instead.
_env = Environment(  # nosec B701  # renders Terraform, not HTML; _hcl_safe checks every value
    finalize=_hcl_safe,
    loader=FileSystemLoader(TEMPLATE_DIR),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)

TEMPLATES = {
    "aws": "aws.tf.j2",
    "gcp": "gcp.tf.j2",
    "azure": "azure.tf.j2",
    "lambda": "lambda.tf.j2",
    "runpod": "runpod.tf.j2",
    "nebius": "nebius.tf.j2",
    "oci": "oci.tf.j2",
    "digitalocean": "digitalocean.tf.j2",
    "paperspace": "paperspace.tf.j2",
    "scaleway": "scaleway.tf.j2",
    "ovhcloud": "ovhcloud.tf.j2",
    "ibm": "ibm.tf.j2",
    "cudo": "cudo.tf.j2",
    "vast": "vast.tf.j2",
}
# What the person applying a template must know, by provider.
NOTES = {
    "nebius": "set parent_id (the project) and subnet_id; the instance boots Nebius' Ubuntu 22.04 CUDA 12 image",
    "oci": "set compartment_id, subnet_id and a GPU image_id of the region",
    "digitalocean": "GPU Droplets boot DigitalOcean's AI/ML-ready image; set ssh_key_ids",
    "paperspace": "set template_id, user_id and team_id of your Paperspace account",
    "scaleway": "the instance boots Scaleway's Ubuntu GPU OS 12 image",
    "ovhcloud": "set service_name (the Public Cloud project), and the flavor and image ids of the region",
    "ibm": "set vpc_id, subnet_id, image_id and ssh_key_ids; a floating IP makes it reachable",
    "cudo": "the VM takes the project's SSH keys",
}

# GCP sells A2/A3/A4/G2 machine types with their GPUs attached.
_GCP_MACHINE = {
    ("A100", 40): {
        1: "a2-highgpu-1g",
        2: "a2-highgpu-2g",
        4: "a2-highgpu-4g",
        8: "a2-highgpu-8g",
        16: "a2-megagpu-16g",
    },
    ("A100", 80): {1: "a2-ultragpu-1g", 2: "a2-ultragpu-2g", 4: "a2-ultragpu-4g", 8: "a2-ultragpu-8g"},
    ("H100", 80): {1: "a3-highgpu-1g", 2: "a3-highgpu-2g", 4: "a3-highgpu-4g", 8: "a3-highgpu-8g"},
    ("H200", 141): {8: "a3-ultragpu-8g"},
    ("B200", 180): {8: "a4-highgpu-8g"},
    ("L4", 24): {1: "g2-standard-8", 2: "g2-standard-24", 4: "g2-standard-48", 8: "g2-standard-96"},
}


def _ident(text: str) -> str:
    ident = re.sub(r"[^a-zA-Z0-9_]", "_", text).strip("_").lower() or "node"
    return ident if ident[0].isalpha() else f"n_{ident}"


def _gcp_machine(offer: dict[str, Any]) -> str | None:
    if "MEGA" in str(offer.get("gpu_type", "")).upper():
        return "a3-megagpu-8g" if offer["gpu_count"] == 8 else None
    key = (offer["gpu_family"], round(float(offer["gpu_memory_gb"])))
    return _GCP_MACHINE.get(key, {}).get(int(offer["gpu_count"]))


def render_terraform(offer: dict[str, Any], name: str = "gpubroker-node") -> tuple[str, str, list[str]]:
    """Returns (template name, terraform text, notes for the person who applies it)."""
    provider = str(offer["provider"])
    template = TEMPLATES.get(provider, "generic.tf.j2")
    notes: list[str] = []
    ctx: dict[str, Any] = {
        "offer": offer,
        "name": name,
        "ident": _ident(name),
        "instance_type": str(offer.get("external_id", "")).split("/", 1)[0].split("#", 1)[0],
        "region": offer.get("region") or "",
        "zone": offer.get("zone") or "",
        "spot": bool(offer.get("spot")),
        "price": f"{float(offer['price_per_hour']):.4f}",
    }
    if provider == "gcp":
        machine = _gcp_machine(offer)
        if machine is None:
            notes.append(
                f"no GCP machine type bundles {offer['gpu_count']}x {offer['gpu_family']}; set machine_type"
            )
            machine = "REPLACE-machine-type"
        ctx["machine_type"] = machine
        notes.append("GCP bills the host VM on top of the GPU price shown for this offer")
    if provider == "aws":
        notes.append("the AMI is the latest AWS Deep Learning AMI (Ubuntu 22.04); set key_name to SSH in")
    if provider in ("lambda", "runpod", "vast"):
        notes.append(f"{provider} has no official Terraform provider; this calls its launch API with curl")
    if provider == "nebius":
        platform, _, preset = str(offer.get("name", "")).partition("_")
        ctx.update(platform=platform, preset=preset)
    if provider == "cudo":
        machine, _, shape = str(offer.get("name", "")).rpartition("_")
        match = re.fullmatch(r"(\d+)x(\d+)v(\d+)gb", shape)
        ctx.update(
            machine_type=machine or offer.get("name"),
            vcpus=int(match.group(2)) if match else int(float(offer.get("vcpu") or 1)),
            memory_gib=int(match.group(3)) if match else int(float(offer.get("memory_gb") or 4)),
        )
    if provider == "vast":
        ctx["gpu_name"] = str(offer.get("name", "")).partition("x-")[2].rsplit("-", 2)[0].replace("_", " ")
    if provider in NOTES:
        notes.append(NOTES[provider])
    if template == "generic.tf.j2":
        notes.append(f"no Terraform template for {provider} yet: fill in the provider block and the resource")
    text = _env.get_template(template).render(**ctx)
    return template, text, notes
