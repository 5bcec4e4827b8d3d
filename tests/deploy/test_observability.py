"""Dashboards, alerts and the HPA's adapter rule query only metrics of the issue-9 contract, in valid
PromQL (promtool parses every expression); the alert rules pass their promtool unit tests; the dashboards
are what deploy/grafana/generate.py writes and cover FR-OBS-1."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from tests.deploy.support import CONTRACT_METRICS, DEPLOY, HISTOGRAM_SERIES, family_of, series_in, tool

DASHBOARDS = DEPLOY / "grafana" / "dashboards"
PROMETHEUS = DEPLOY / "prometheus"
# Grafana's variables, replaced by what they expand to before promtool parses an expression.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$route": ".*", "$provider": ".*"}
# FR-OBS-1 and the issue: p95 latency, error rate, cache hit rate, sync throughput and rejected rows, jobs
# (runs, failures, durations, queue), bookings, assistant latency and WebSockets.
DASHBOARD_MUST_SHOW = {
    "gpubroker_http_request_duration_seconds",
    "gpubroker_http_requests_total",
    "gpubroker_search_cache_hits_total",
    "gpubroker_search_cache_misses_total",
    "gpubroker_sync_records_total",
    "gpubroker_sync_rejected_total",
    "gpubroker_job_runs_total",
    "gpubroker_job_duration_seconds",
    "gpubroker_jobs_queued",
    "gpubroker_booking_transitions_total",
    "gpubroker_assistant_turn_seconds",
    "gpubroker_assistant_first_event_seconds",
    "gpubroker_assistant_tool_seconds",
    "gpubroker_websocket_connections",
}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("grafana_generate", DEPLOY / "grafana" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def dashboard_queries() -> list[tuple[str, str]]:
    """(where, PromQL) of every panel target and query variable."""
    out = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            out += [(f"{path.name}: {panel['title']}", t["expr"]) for t in panel["targets"]]
    return out


def alert_queries() -> list[tuple[str, str]]:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yaml").read_text())
    return [(f"alert {r['alert']}", r["expr"]) for g in rules["groups"] for r in g["rules"]]


def adapter_queries() -> list[tuple[str, str]]:
    rules = yaml.safe_load((PROMETHEUS / "adapter-rules.yaml").read_text())["rules"]["custom"]
    return [("adapter rule", r["seriesQuery"]) for r in rules]


def test_dashboards_are_what_the_generator_writes() -> None:
    generator = _generator()
    written = {p.name for p in DASHBOARDS.glob("*.json")}
    assert written == set(generator.DASHBOARDS)
    for name, board in generator.DASHBOARDS.items():
        assert (DASHBOARDS / name).read_text() == generator.render(board), (
            f"run python deploy/grafana/generate.py ({name})"
        )


def test_dashboards_are_well_formed() -> None:
    uids = set()
    for path in DASHBOARDS.glob("*.json"):
        board = json.loads(path.read_text())
        uids.add(board["uid"])
        assert board["templating"]["list"][0]["type"] == "datasource"
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)), path.name
        for panel in board["panels"]:
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert panel["gridPos"]["x"] >= 0 and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
            assert panel["targets"] and panel["description"], panel["title"]
    assert len(uids) == len(list(DASHBOARDS.glob("*.json")))


def test_queries_use_only_contract_metrics() -> None:
    for where, expr in dashboard_queries() + alert_queries() + adapter_queries():
        series = series_in(expr)
        assert series, f"{where} reads no gpubroker metric: {expr}"
        for name in series:
            family = family_of(name)
            assert family, f"{where}: {name} is not a metric of the contract"
            if CONTRACT_METRICS[family] == "histogram":
                assert name.endswith(HISTOGRAM_SERIES), (
                    f"{where}: a histogram is read through its series: {name}"
                )


def test_dashboards_cover_fr_obs_1() -> None:
    shown = {family_of(s) for _, expr in dashboard_queries() for s in series_in(expr)}
    assert shown >= DASHBOARD_MUST_SHOW, DASHBOARD_MUST_SHOW - shown


def test_every_query_is_valid_promql(tmp_path: Path) -> None:
    exprs = [expr for _, expr in dashboard_queries() + alert_queries()]
    for variable, value in GRAFANA_VARIABLES.items():
        exprs = [e.replace(variable, value) for e in exprs]
    assert not [e for e in exprs if "$" in e.replace("$value", "").replace("$labels", "")]
    rules = {
        "groups": [
            {"name": "queries", "rules": [{"record": f"query:{i}", "expr": e} for i, e in enumerate(exprs)]}
        ]
    }
    (tmp_path / "queries.yaml").write_text(yaml.safe_dump(rules))
    result = subprocess.run(
        [tool("promtool"), "check", "rules", str(tmp_path / "queries.yaml")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(exprs)} rules found" in result.stdout

    (tmp_path / "broken.yaml").write_text(
        yaml.safe_dump({"groups": [{"name": "b", "rules": [{"record": "b", "expr": "sum(rate(x[5m])"}]}]})
    )
    result = subprocess.run(
        [tool("promtool"), "check", "rules", str(tmp_path / "broken.yaml")], capture_output=True, text=True
    )
    assert result.returncode != 0


def test_alert_rules_pass_their_unit_tests() -> None:
    result = subprocess.run(
        [tool("promtool"), "test", "rules", "alerts.test.yaml"],
        cwd=PROMETHEUS,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    names = {where.removeprefix("alert ") for where, _ in alert_queries()}
    unit_tested = {
        case["alertname"]
        for group in yaml.safe_load((PROMETHEUS / "alerts.test.yaml").read_text())["tests"]
        for case in group["alert_rule_test"]
        if case["exp_alerts"]
    }
    assert names == unit_tested, names ^ unit_tested  # every alert is shown to fire


def test_alerts_cover_the_slos() -> None:
    rules: dict[str, Any] = {
        r["alert"]: r
        for g in yaml.safe_load((PROMETHEUS / "alerts.yaml").read_text())["groups"]
        for r in g["rules"]
    }
    assert rules["GPUBrokerMarketplaceP95High"]["for"] == "5m"  # spec §7: breached for more than 5 minutes
    assert "gpubroker_http_requests_total" in rules["GPUBrokerErrorRateHigh"]["expr"]
    assert "gpubroker_sync_duration_seconds_count" in rules["GPUBrokerSyncStale"]["expr"]
    assert 'status="failed"' in rules["GPUBrokerJobFailed"]["expr"]


def test_prometheus_config_is_valid() -> None:
    result = subprocess.run(
        [tool("promtool"), "check", "config", "--syntax-only", str(PROMETHEUS / "prometheus.yml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
