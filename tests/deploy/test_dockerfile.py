"""deploy/Dockerfile and .dockerignore: hadolint finds nothing (each ignore, if any, justified inline), the
image is multi-stage with a slim non-root runtime that has no compiler, and the build context carries what
the wheel and `gpubroker migrate` need and none of the local state or secrets. No image is built here: there
is no Docker daemon and no registry for base images on our machines (README "Deploy")."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.deploy.support import DEPLOY, ROOT, tool

DOCKERFILE = DEPLOY / "Dockerfile"


def hadolint(path: Path) -> list[dict[str, object]]:
    result = subprocess.run(
        [tool("hadolint"), "--no-color", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    findings: list[dict[str, object]] = json.loads(result.stdout or "[]")
    assert (result.returncode == 0) == (not findings), result.stderr
    return findings


def test_hadolint_finds_nothing() -> None:
    assert hadolint(DOCKERFILE) == []
    for line in DOCKERFILE.read_text().splitlines():
        if "hadolint ignore=" in line:
            reason = line.split("hadolint ignore=", 1)[1].split(maxsplit=1)[1:]
            assert reason, f"an ignore without its reason: {line}"


def test_hadolint_does_lint(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN apt-get update && apt-get install -y gcc\nRUN pip install requests\n")
    codes = {f["code"] for f in hadolint(bad)}
    assert {"DL3006", "DL3008", "DL3013"} <= codes  # untagged image, unpinned apt and pip packages


def _stages() -> list[list[str]]:
    stages: list[list[str]] = []
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())  # join continued lines
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_multi_stage_slim_non_root_runtime() -> None:
    stages = _stages()
    assert len(stages) >= 2
    builder, runtime = stages[0], stages[-1]
    assert any("pip wheel" in line for line in builder) and any("gpubroker-*.whl" in line for line in builder)
    assert runtime[0] == "FROM ${PYTHON_IMAGE} AS runtime"
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in DOCKERFILE.read_text()
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime
    users = [line.split()[1] for line in runtime if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    # No compiler or package installs in the image that ships.
    assert not [
        line for line in runtime if re.search(r"apt-get install|gcc|build-essential|pip install", line)
    ]
    (health,) = [line for line in runtime if line.startswith("HEALTHCHECK")]
    assert "/healthz" in health
    assert 'ENTRYPOINT ["gpubroker"]' in runtime
    # var/ is the one writable folder, owned by the runtime user.
    assert any("chown gpubroker:gpubroker /app/var" in line for line in runtime)
    assert any("ln -s /app/var" in line for line in builder)


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule: the last pattern matching the path or one of its parents decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern.lstrip("!").rstrip("/")
        regex = re.escape(body).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, c) for c in candidates):
            ignored = not negate
    return ignored


def test_build_context_holds_what_the_image_needs_and_no_secrets() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    sent = {p for p in tracked if not _ignored(p, patterns)}
    # Every package the wheel is built from (pyproject's packages.find) and the files next to it.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    for package in packages:
        assert any(p.startswith(f"{package}/") for p in sent), f"{package}/ is not in the build context"
    assert {"pyproject.toml", "README.md", "alembic.ini", "migrations/env.py"} <= sent
    assert any(p.startswith("prompts/") for p in sent)
    for kept_out in (
        ".env",
        "var/gpubroker.db",
        "core/__pycache__/settings.cpython-311.pyc",
        ".git/config",
        ".venv/bin/python",
        "tests/conftest.py",
        "deploy/compose.yaml",
        "catalog/var/x.db",
    ):
        assert _ignored(kept_out, patterns), kept_out


def test_the_installed_wheel_finds_its_files(tmp_path: Path) -> None:
    """The image's layout without Docker: the wheel unpacked as site-packages, the files the Dockerfile copies
    beside it and ROOT/var linked to /app/var; `gpubroker migrate` run from /app must find alembic.ini and
    the migrations there and write its default SQLite database into /app/var."""
    import zipfile

    # Built from a copy of the tracked files, as the build context holds them, so no build/ or egg-info
    # lands in the checkout.
    source, wheels = tmp_path / "src", tmp_path / "wheels"
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--wheel-dir",
            str(wheels),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("gpubroker-*.whl")
    site, app = tmp_path / "site-packages", tmp_path / "app"
    zipfile.ZipFile(wheel).extractall(site)
    (copy_line,) = re.findall(r'cp -r ([\w. ]+) "\$site"/', DOCKERFILE.read_text())
    for name in copy_line.split():
        source = ROOT / name
        shutil.copytree(source, site / name) if source.is_dir() else shutil.copy(source, site / name)
    (app / "var").mkdir(parents=True)
    (site / "var").symlink_to(app / "var")

    deps = [p for p in sys.path if p.endswith("site-packages")]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(site), *deps]),
    }
    code = "import core.settings, agent.nodes; print(core.settings.ROOT); print(sorted(agent.nodes.PROMPTS.iterdir())[0])"
    probe = subprocess.run(
        [sys.executable, "-c", code], cwd=app, env=env, capture_output=True, text=True, check=False
    )
    assert probe.returncode == 0, probe.stderr
    root, prompt = probe.stdout.splitlines()
    assert Path(root) == site and Path(prompt).is_file()
    migrate = subprocess.run(
        [sys.executable, "-c", "from api.cli import main; raise SystemExit(main())", "migrate"],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert (app / "var" / "gpubroker.db").stat().st_size > 0
