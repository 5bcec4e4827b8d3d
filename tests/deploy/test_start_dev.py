"""start-dev.sh (FR-DX-1) against fake `docker` executables: every failure exits non-zero and says what
failed, and a healthy stack ends with the URLs. The fake logs each call, so the compose commands the
script runs are checked too. The script itself passes shellcheck."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.support import ROOT, tool

SCRIPT = ROOT / "start-dev.sh"
# What the script needs besides docker; each test's PATH holds only these (and the fake docker).
UTILITIES = ("bash", "dirname", "sed", "tail", "cp", "sleep", "cat")
FAKE_DOCKER = """#!/bin/bash
# A stand-in for docker: logs its arguments, fails where the test says so.
echo "$*" >> "$FAKE_LOG"
args="$*"
case "$args" in
  info) exit "${FAKE_INFO_RC:-0}" ;;
  "compose version") exit "${FAKE_COMPOSE_RC:-0}" ;;
  *" up -d --build")
    if [[ -n "${FAKE_UP_ERROR:-}" ]]; then echo "$FAKE_UP_ERROR" >&2; exit 1; fi ;;
  *" exec -T "*)
    service="${args#* exec -T }"
    service="${service%% *}"
    if [[ "$service" == "${FAKE_UNHEALTHY:-}" ]]; then exit 1; fi ;;
esac
exit 0
"""


@pytest.fixture
def sandbox(tmp_path: Path) -> dict[str, str]:
    """A PATH with the utilities only, a fake docker beside them, and an env file in tmp_path."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in UTILITIES:
        found = shutil.which(name)
        assert found, f"{name} is needed to run start-dev.sh"
        (bin_dir / name).symlink_to(found)
    fake = tmp_path / "fake-docker"
    fake.write_text(FAKE_DOCKER)
    fake.chmod(0o755)
    return {
        "PATH": str(bin_dir),
        "HOME": str(tmp_path),
        "FAKE_LOG": str(tmp_path / "docker.log"),
        "GPUBROKER_DEV_DOCKER": str(fake),
        "GPUBROKER_DEV_ENV_FILE": str(tmp_path / "dev.env"),
        "GPUBROKER_DEV_WAIT_S": "1",
        "GPUBROKER_DEV_POLL_S": "0.1",
    }


def run(env: dict[str, str], **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT)], env={**env, **extra}, capture_output=True, text=True, timeout=60, check=False
    )


def calls(env: dict[str, str]) -> list[str]:
    log = Path(env["FAKE_LOG"])
    return log.read_text().splitlines() if log.exists() else []


def test_shellcheck_is_clean() -> None:
    result = subprocess.run([tool("shellcheck"), str(SCRIPT)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_no_docker(sandbox: dict[str, str]) -> None:
    result = run(sandbox, GPUBROKER_DEV_DOCKER="docker")  # not on this PATH
    assert result.returncode == 1
    assert "Docker is not installed ('docker' is not on PATH)" in result.stderr


def test_docker_daemon_down(sandbox: dict[str, str]) -> None:
    result = run(sandbox, FAKE_INFO_RC="1")
    assert result.returncode == 1
    assert "the Docker daemon is not reachable" in result.stderr
    assert calls(sandbox) == ["info"]


def test_compose_plugin_missing(sandbox: dict[str, str]) -> None:
    result = run(sandbox, FAKE_COMPOSE_RC="1")
    assert result.returncode == 1
    assert "Docker Compose v2 is not available" in result.stderr


def test_compose_up_failing(sandbox: dict[str, str]) -> None:
    result = run(sandbox, FAKE_UP_ERROR='service "migrate" didn\'t complete successfully: exit 1')
    assert result.returncode == 1
    assert "didn't complete successfully" in result.stderr  # compose's own words stay visible
    assert "'docker compose up' failed" in result.stderr
    assert not [c for c in calls(sandbox) if " exec " in c]  # nothing is waited for after a failed start


# (the container the check runs in, the service the message names): the API's readiness is checked
# through the proxy, as a browser reaches it.
@pytest.mark.parametrize(
    ("container", "service"),
    [("postgres", "postgres"), ("redis", "redis"), ("clickhouse", "clickhouse"), ("proxy", "api")],
)
def test_a_service_never_healthy(sandbox: dict[str, str], container: str, service: str) -> None:
    result = run(sandbox, FAKE_UNHEALTHY=container)
    assert result.returncode == 1
    assert f"{service} did not become ready within 1s" in result.stderr
    assert f"logs {service}" in result.stderr
    assert "GPUBroker is running" not in result.stdout


def test_env_file_is_created_from_the_example_and_checked(sandbox: dict[str, str]) -> None:
    env_file = Path(sandbox["GPUBROKER_DEV_ENV_FILE"])
    result = run(sandbox)
    assert result.returncode == 0, result.stderr
    assert f"created {env_file} from .env.example" in result.stdout
    assert env_file.read_text() == (ROOT / ".env.example").read_text()

    env_file.write_text(
        env_file.read_text().replace("METRICS_TOKEN=dev-only-metrics-token", "METRICS_TOKEN=")
    )
    result = run(sandbox)
    assert result.returncode == 1
    assert f"{env_file} has no value for METRICS_TOKEN" in result.stderr


def test_a_healthy_stack_prints_the_urls(sandbox: dict[str, str]) -> None:
    env_file = Path(sandbox["GPUBROKER_DEV_ENV_FILE"])
    env_file.write_text((ROOT / ".env.example").read_text().replace("HTTP_PORT=8080", "HTTP_PORT=18080"))
    result = run(sandbox)
    assert result.returncode == 0, result.stderr
    for line in (
        "marketplace   http://localhost:18080/",
        "chat          http://localhost:18080/chat",
        "API docs      http://localhost:18080/docs",
        "Grafana       http://localhost:3000",
        "Prometheus    http://localhost:9090",
        "Vault         http://localhost:8200",
    ):
        assert line in result.stdout
    compose = f"compose --env-file {env_file} -f deploy/compose.yaml"
    made = calls(sandbox)
    assert f"{compose} up -d --build" in made
    waited = [c.split(" exec -T ")[1].split()[0] for c in made if " exec -T " in c]
    assert waited == ["postgres", "redis", "clickhouse", "proxy"]
    assert not os.path.exists(ROOT / "dev.env")
