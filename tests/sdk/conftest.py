"""The TypeScript SDK's npm project, installed from its lock file and built with tsc once per session.

``make test`` installs it (``make sdk-deps``); the fixture installs it when it is missing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.settings import ROOT
from tests.support import npm

TS = ROOT / "sdk" / "typescript"


@pytest.fixture(scope="session")
def ts_project() -> Path:
    if not (TS / "node_modules" / ".bin" / "openapi-typescript").exists():
        npm(TS, "ci", "--no-audit", "--no-fund")
    return TS


@pytest.fixture(scope="session")
def ts_built(ts_project: Path) -> Path:
    """The SDK and its examples compiled (``tsc``, strict) into sdk/typescript/dist."""
    shutil.rmtree(ts_project / "dist", ignore_errors=True)
    npm(TS, "run", "build", timeout=180)
    return ts_project / "dist"
