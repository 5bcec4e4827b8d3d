"""deploy/compose.yaml: valid against the Compose Specification's JSON Schema (vendored, provenance in
deploy/schemas/README.md), and a stack that holds together: the one-shot migration first, healthchecks
everywhere else, two API replicas behind a proxy that streams, Prometheus scraping with the metrics token,
Grafana provisioned, and every variable it needs documented in .env.example."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.support import DEPLOY, ROOT

COMPOSE = DEPLOY / "compose.yaml"
APP_COMMANDS = {
    "migrate": ["migrate"],
    "api": ["serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"],
    "worker": ["worker", "--host", "0.0.0.0"],
    "sandbox-provider": ["sandbox-provider", "--host", "0.0.0.0", "--port", "8081"],
}
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(:?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def test_valid_against_the_compose_spec(compose: dict[str, Any]) -> None:
    schema = json.loads((DEPLOY / "schemas" / "compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    assert [e.message for e in validator.iter_errors(compose)] == []
    broken = {
        **compose,
        "services": {**compose["services"], "api": {**compose["services"]["api"], "replica": 2}},
    }
    assert any("replica" in e.message for e in validator.iter_errors(broken))


def test_the_stack(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {
        *APP_COMMANDS,
        "proxy",
        "postgres",
        "redis",
        "clickhouse",
        "vault",
        "prometheus",
        "grafana",
    }
    for name, command in APP_COMMANDS.items():
        assert services[name]["command"] == command, name
        assert services[name]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert services["api"]["deploy"]["replicas"] == 2
    assert services["postgres"]["image"].startswith("pgvector/pgvector:")
    assert services["vault"]["command"] == ["server", "-dev"]


def test_migrate_runs_once_before_the_processes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "worker", "sandbox-provider"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, (
            name
        )


def test_every_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        check = service["healthcheck"]
        if name == "migrate":
            assert check == {"disable": True}  # a one-shot job: its exit code is its health
            continue
        assert check["test"][0] in ("CMD", "CMD-SHELL") and check["interval"] and check["retries"], name
    services = compose["services"]
    assert "/ready" in services["api"]["healthcheck"]["test"][-1]
    assert "9100/healthz" in services["worker"]["healthcheck"]["test"][-1]
    assert "8081/healthz" in services["sandbox-provider"]["healthcheck"]["test"][-1]


def test_proxy_balances_and_streams() -> None:
    conf = (DEPLOY / "nginx" / "nginx.conf").read_text()
    assert re.search(r"upstream api \{[^}]*server api:8000 resolve;", conf)
    for directive in (
        "proxy_buffering off;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "proxy_http_version 1.1;",
        "proxy_read_timeout 3600s;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    ):
        assert directive in conf


def test_prometheus_scrapes_api_and_worker_with_the_token(compose: dict[str, Any]) -> None:
    prometheus = compose["services"]["prometheus"]
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = {
        (sd["names"][0], sd["port"]) for job in config["scrape_configs"] for sd in job["dns_sd_configs"]
    }
    assert targets == {("api", 8000), ("worker", 9100)}
    for job in config["scrape_configs"]:
        assert job["honor_labels"] is True and job["metrics_path"] == "/metrics"
        assert job["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
    assert prometheus["secrets"] == ["metrics_token"]
    # The token Prometheus sends is the one the app checks.
    token_variable = compose["secrets"]["metrics_token"]["environment"]
    assert compose["x-app"]["environment"]["GPUBROKER_METRICS_TOKEN"].startswith(f"${{{token_variable}:?")
    mounted = {v.split(":")[1] for v in prometheus["volumes"] if v.startswith("./")}
    assert set(config["rule_files"]) <= mounted


def test_grafana_is_provisioned(compose: dict[str, Any]) -> None:
    volumes = {v.split(":")[0]: v.split(":")[1] for v in compose["services"]["grafana"]["volumes"]}
    assert volumes["./grafana/provisioning"] == "/etc/grafana/provisioning"
    provider = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "dashboards" / "gpubroker.yaml").read_text()
    )
    assert provider["providers"][0]["options"]["path"] == volumes["./grafana/dashboards"]
    source = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yaml").read_text()
    )
    assert source["datasources"][0]["url"] == "http://prometheus:9090"
    assert sorted(p.name for p in (DEPLOY / "grafana" / "dashboards").glob("*.json"))


def test_mounted_files_exist(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source
    assert (DEPLOY / compose["x-app"]["env_file"]).resolve() == ROOT / ".env"


def _env_example() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if re.match(r"^[A-Z]", line)
    )
    return dict(pairs)


def test_every_variable_is_documented_in_env_example() -> None:
    text = COMPOSE.read_text()
    example = _env_example()
    documented = set(example) | set(
        re.findall(r"^# ([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    for name, fallback in VARIABLE.findall(text):
        if fallback.startswith(":?"):
            assert example.get(name), f"{name} is required by compose.yaml but has no value in .env.example"
        else:
            assert name in documented, f"{name} is used by compose.yaml but not documented in .env.example"
    # Nothing stale: each value set in the example is used by compose or start-dev.sh.
    used = {name for name, _ in VARIABLE.findall(text)} | {compose_secret_variable(text)}
    for name in example:
        assert name in used or name in (ROOT / "start-dev.sh").read_text(), (
            f"{name} in .env.example is unused"
        )
    # On the host `make run` reads .env too: the example sets no GPUBROKER_* setting there.
    assert not [name for name in example if name.startswith("GPUBROKER_")]


def compose_secret_variable(text: str) -> str:
    return str(yaml.safe_load(text)["secrets"]["metrics_token"]["environment"])


def test_no_real_secret_in_env_example() -> None:
    for name, value in _env_example().items():
        if any(word in name for word in ("PASSWORD", "SECRET", "TOKEN")):
            assert value.startswith("dev-only-"), name


def test_env_example_is_a_dotenv_file() -> None:
    # pydantic-settings reads the same format: a line per variable, comments start with '#'.
    from dotenv import dotenv_values

    values = dotenv_values(ROOT / ".env.example")
    assert values == _env_example()
