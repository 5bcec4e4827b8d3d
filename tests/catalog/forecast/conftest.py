"""Fixtures for the forecasting tests: the synthetic history as a CSV, and the bundled real file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.catalog.forecast.synthetic import synthetic_history


@pytest.fixture
def history_csv(tmp_path: Path) -> Path:
    path = tmp_path / "history.csv"
    synthetic_history().to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def bundled_history_path() -> Path:
    path = (
        Path(__file__).resolve().parents[3]
        / "catalog"
        / "snapshots"
        / "price_history"
        / "gpu_observations_daily.csv"
    )
    assert path.exists(), f"the bundled price history is missing: {path}"
    return path
