"""Writes GPUBroker's Grafana dashboards (deploy/grafana/dashboards/*.json) from the panel lists below.

The JSON files are committed, so Grafana's file provisioning (compose) or an import (any Grafana) reads
them as they are; this script is the one place they are edited: `python deploy/grafana/generate.py`.
tests/deploy checks the files are what this script writes, and that every series a panel queries is a
metric of the issue-9 contract that the API or the worker exposes. Every panel reads the `datasource`
variable, so the dashboards work with any Prometheus data source, not only the compose stack's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "dashboards"
DS = {"type": "prometheus", "uid": "${datasource}"}
RATE = "$__rate_interval"


@dataclass
class Panel:
    title: str
    description: str
    targets: list[tuple[str, str]]  # (PromQL, legend)
    unit: str = "short"
    kind: str = "timeseries"
    width: int = 12
    extra: dict[str, Any] = field(default_factory=dict)


def p95(metric: str, by: str, where: str = "") -> str:
    selector = f"{{{where}}}" if where else ""
    return f"histogram_quantile(0.95, sum by (le, {by}) (rate({metric}_bucket{selector}[{RATE}])))"


def latency(title: str, description: str, metric: str, by: str, where: str = "") -> Panel:
    """A panel of a histogram's 95th percentile, one line per value of the label ``by``."""
    return Panel(title, description, [(p95(metric, by, where), f"{{{{{by}}}}}")], unit="s")


def ratio_of(numerator: str, denominator: str) -> str:
    return f"({numerator}) / ({denominator})"


def _panel_json(panel: Panel, pid: int, x: int, y: int) -> dict[str, Any]:
    height = 5 if panel.kind == "stat" else 8
    body: dict[str, Any] = {
        "id": pid,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DS,
        "gridPos": {"h": height, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": DS, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(panel.targets)
        ],
    }
    if panel.kind == "timeseries":
        body["options"] = {
            "legend": {
                "displayMode": "table",
                "placement": "bottom",
                "calcs": ["mean", "max", "lastNotNull"],
            },
            "tooltip": {"mode": "multi", "sort": "desc"},
        }
    else:
        body["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}
    body.update(panel.extra)
    return body


def dashboard(
    uid: str, title: str, description: str, panels: list[Panel], variables: list[dict[str, Any]]
) -> dict[str, Any]:
    laid_out, x, y, row_height = [], 0, 0, 0
    for pid, panel in enumerate(panels, start=1):
        if x + panel.width > 24:
            x, y, row_height = 0, y + row_height, 0
        laid_out.append(_panel_json(panel, pid, x, y))
        row_height = max(row_height, laid_out[-1]["gridPos"]["h"])
        x += panel.width
    datasource_var = {
        "name": "datasource",
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "hide": 0,
    }
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["gpubroker"],
        "timezone": "utc",
        "editable": True,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "annotations": {"list": []},
        "templating": {"list": [datasource_var, *variables]},
        "panels": laid_out,
    }


def label_variable(name: str, metric: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "query",
        "datasource": DS,
        "query": {"query": f"label_values({metric}, {name})", "refId": f"{name}-values"},
        "definition": f"label_values({metric}, {name})",
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "current": {"text": "All", "value": "$__all"},
        "refresh": 2,
        "hide": 0,
    }


HTTP_5XX = f'sum(rate(gpubroker_http_requests_total{{status=~"5.."}}[{RATE}]))'
HTTP_ALL = f"sum(rate(gpubroker_http_requests_total[{RATE}]))"
CACHE_HITS = f"sum by (backend) (rate(gpubroker_search_cache_hits_total[{RATE}]))"
CACHE_MISSES = f"sum by (backend) (rate(gpubroker_search_cache_misses_total[{RATE}]))"

API = dashboard(
    "gpubroker-api",
    "GPUBroker / API",
    "Latency, errors, cache and WebSockets of the API replicas (FR-OBS-1).",
    [
        Panel(
            "p95 latency by route",
            "95th percentile of request duration per route template; "
            "budgets: /providers 200 ms, POST /bookings 500 ms, /ai/chat 2 s.",
            [(p95("gpubroker_http_request_duration_seconds", "route", 'route=~"$route"'), "{{route}}")],
            unit="s",
            width=24,
        ),
        Panel(
            "Error rate (5xx share)",
            "Share of requests answered with a 5xx; the error-rate alert fires above 5% for 5 minutes.",
            [(ratio_of(HTTP_5XX, HTTP_ALL), "5xx share")],
            unit="percentunit",
        ),
        Panel(
            "Errors by route and status",
            "4xx and 5xx answers per second, per route and status.",
            [
                (
                    f'sum by (route, status) (rate(gpubroker_http_errors_total{{route=~"$route"}}[{RATE}]))',
                    "{{status}} {{route}}",
                )
            ],
            unit="reqps",
        ),
        Panel(
            "Requests by status",
            "Requests per second over all replicas, per status code.",
            [
                (
                    f'sum by (status) (rate(gpubroker_http_requests_total{{route=~"$route"}}[{RATE}]))',
                    "{{status}}",
                )
            ],
            unit="reqps",
        ),
        Panel(
            "Search cache hit rate",
            "Share of searches answered from the cache (Redis or in-process), per backend.",
            [(ratio_of(CACHE_HITS, f"{CACHE_HITS} + {CACHE_MISSES}"), "{{backend}}")],
            unit="percentunit",
        ),
        Panel(
            "WebSocket connections",
            "Open WebSocket connections over all replicas, per endpoint.",
            [("sum by (endpoint) (gpubroker_websocket_connections)", "{{endpoint}}")],
        ),
        Panel(
            "Rate limiter fallbacks",
            "Requests rate-limited in process because Redis was unreachable.",
            [(f"sum by (reason) (rate(gpubroker_ratelimit_fallback_total[{RATE}]))", "{{reason}}")],
            unit="reqps",
        ),
        Panel(
            "Catalog version",
            "Bumped by every ingestion that changed offers (invalidates every cached search).",
            [("max(gpubroker_catalog_version)", "version")],
            kind="stat",
            width=6,
        ),
    ],
    [label_variable("route", "gpubroker_http_requests_total")],
)

JOBS = dashboard(
    "gpubroker-sync-jobs",
    "GPUBroker / Sync and jobs",
    "Provider syncs, the worker's jobs, the outbox and the event consumers.",
    [
        Panel(
            "Sync throughput by outcome",
            "Offer rows per minute by outcome (inserted, updated, unchanged, rejected); NFR-PERF-4 asks for 5,000/min.",
            [
                (
                    f'sum by (outcome) (rate(gpubroker_sync_records_total{{provider=~"$provider"}}[{RATE}])) * 60',
                    "{{outcome}}",
                )
            ],
            unit="short",
        ),
        Panel(
            "Rejected rows by provider",
            "Rows per minute that failed validation, per provider.",
            [
                (
                    f'sum by (provider) (rate(gpubroker_sync_rejected_total{{provider=~"$provider"}}[{RATE}])) * 60',
                    "{{provider}}",
                )
            ],
        ),
        latency(
            "Sync duration p95 by provider",
            "95th percentile of a whole sync (fetch, normalise, upsert), per provider.",
            "gpubroker_sync_duration_seconds",
            "provider",
            'provider=~"$provider"',
        ),
        latency(
            "Provider fetch p95",
            "95th percentile of the provider API (or snapshot) fetch alone.",
            "gpubroker_provider_fetch_seconds",
            "provider",
            'provider=~"$provider"',
        ),
        Panel(
            "Job runs by status",
            "Job runs per minute, per job and status (succeeded, failed, retried).",
            [(f"sum by (job, status) (rate(gpubroker_job_runs_total[{RATE}])) * 60", "{{job}} {{status}}")],
        ),
        Panel(
            "Job failures",
            "Failed runs (after retries) per job in each interval.",
            [(f'sum by (job) (increase(gpubroker_job_runs_total{{status="failed"}}[{RATE}]))', "{{job}}")],
        ),
        latency(
            "Job duration p95",
            "95th percentile of a job run, per job.",
            "gpubroker_job_duration_seconds",
            "job",
        ),
        Panel(
            "Queue depth",
            "Jobs waiting in the engine's table, per queue (every worker reports the same figure: max).",
            [("max by (queue) (gpubroker_jobs_queued)", "{{queue}}")],
        ),
        Panel(
            "Outbox pending",
            "Events committed but not yet relayed to Redis Streams.",
            [("max(gpubroker_outbox_pending)", "pending")],
        ),
        Panel(
            "Events handled",
            "Bus messages handled per second, per topic, consumer group and outcome (ok, error, duplicate).",
            [
                (
                    f"sum by (topic, group, outcome) (rate(gpubroker_events_handled_total[{RATE}]))",
                    "{{topic}}/{{group}} {{outcome}}",
                )
            ],
            unit="ops",
        ),
    ],
    [label_variable("provider", "gpubroker_sync_records_total")],
)

ASSISTANT = dashboard(
    "gpubroker-bookings-assistant",
    "GPUBroker / Bookings and assistant",
    "Booking state transitions and the assistant's latency: turns, first event, tools and LLM calls.",
    [
        Panel(
            "Booking transitions",
            "Bookings moving between states in each interval (draft, pending_provision, active, completed, failed, cancelled).",
            [
                (
                    f"sum by (from_state, to_state) (increase(gpubroker_booking_transitions_total[{RATE}]))",
                    "{{from_state}} → {{to_state}}",
                )
            ],
            width=24,
        ),
        latency(
            "Assistant turn p95 by transport",
            "95th percentile of a whole assistant turn (json, sse, ws, langgraph); budget 2 s.",
            "gpubroker_assistant_turn_seconds",
            "transport",
        ),
        latency(
            "Time to first event p95",
            "95th percentile from request to the first streamed event; budget 800 ms.",
            "gpubroker_assistant_first_event_seconds",
            "transport",
        ),
        latency(
            "Tool latency p95",
            "95th percentile of each tool the agent calls.",
            "gpubroker_assistant_tool_seconds",
            "tool",
        ),
        Panel(
            "Tool errors",
            "Tool calls per minute that ended in an error, per tool.",
            [
                (
                    f'sum by (tool) (rate(gpubroker_assistant_tool_seconds_count{{outcome="error"}}[{RATE}])) * 60',
                    "{{tool}}",
                )
            ],
        ),
        latency(
            "LLM request p95 by model",
            "95th percentile of one LLM request, per model.",
            "gpubroker_llm_request_seconds",
            "model",
        ),
        Panel(
            "Assistant turns by transport",
            "Assistant turns per minute, per transport and model.",
            [
                (
                    f"sum by (transport, model) (rate(gpubroker_assistant_turn_seconds_count[{RATE}])) * 60",
                    "{{transport}} {{model}}",
                )
            ],
        ),
    ],
    [],
)

DASHBOARDS = {"api.json": API, "sync-jobs.json": JOBS, "bookings-assistant.json": ASSISTANT}


def render(board: dict[str, Any]) -> str:
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, board in DASHBOARDS.items():
        (OUT / name).write_text(render(board), encoding="utf-8")
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
