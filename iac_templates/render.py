"""Render a Terraform configuration for one offer.

AWS, GCP and Azure use their official Terraform providers; Lambda and RunPod have no official
provider, so their templates call the providers' real launch APIs from a ``terraform_data``
resource; anything else gets a generic template that says what to fill in. Every output is valid
HCL (the tests parse each with python-hcl2).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATE_DIR = Path(__file__).parent
_env = Environment(
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
    if provider in ("lambda", "runpod"):
        notes.append(f"{provider} has no official Terraform provider; this calls its launch API with curl")
    if template == "generic.tf.j2":
        notes.append(f"no Terraform template for {provider} yet: fill in the provider block and the resource")
    text = _env.get_template(template).render(**ctx)
    return template, text, notes
