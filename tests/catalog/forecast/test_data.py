"""Loading and validating the price history, the daily market index and source-break detection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from catalog.forecast.data import list_markets, load_history, market_series, source_breaks
from tests.catalog.forecast.synthetic import synthetic_history


def test_load_history_parses_dates_and_lists_markets(history_csv: Path) -> None:
    df = load_history(history_csv)
    assert pd.api.types.is_datetime64_any_dtype(df["date"])
    names = {(m.gpu_model, m.rental_type) for m in list_markets(df)}
    assert names == {
        ("H100_SXM", "on_demand"),
        ("H100_SXM", "spot"),
        ("B300", "on_demand"),
        ("L40S", "on_demand"),
        ("GB200", "on_demand"),
    }


@pytest.mark.parametrize("column", ["date", "gpu_model", "rental_type", "price_median_usd"])
def test_load_history_names_missing_column(tmp_path: Path, column: str) -> None:
    path = tmp_path / "broken.csv"
    synthetic_history().drop(columns=[column]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=column):
        load_history(path)


def test_load_history_rejects_bad_dates(tmp_path: Path) -> None:
    frame = synthetic_history()
    frame.loc[3, "date"] = "not-a-date"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(ValueError, match="date"):
        load_history(path)


def test_market_series_is_daily_median_with_gaps(history_csv: Path) -> None:
    df = load_history(history_csv)
    series = market_series(df, "L40S", "on_demand")
    assert isinstance(series.index, pd.DatetimeIndex)
    assert series.index.freqstr == "D"
    assert series.dtype == np.float64
    assert len(series) == 70
    assert series.iloc[30:33].isna().all()
    shifted = market_series(df, "H100_SXM", "on_demand")
    day = pd.Timestamp("2026-03-05")
    expected = df[(df["gpu_model"] == "H100_SXM") & (df["rental_type"] == "on_demand") & (df["date"] == day)]
    assert shifted[day] == pytest.approx(expected["price_median_usd"].median())


def test_market_series_unknown_market(history_csv: Path) -> None:
    with pytest.raises(ValueError, match="MI300X"):
        market_series(load_history(history_csv), "MI300X", "on_demand")


def test_source_breaks_find_the_collector_switch(history_csv: Path) -> None:
    df = load_history(history_csv)
    breaks = source_breaks(df, "H100_SXM", "on_demand")
    assert pd.Timestamp("2026-04-15") in breaks  # day 45: the direct scraper takes over
    assert source_breaks(df, "B300", "on_demand") == []
    # History cut before the switch cannot know about it.
    assert source_breaks(df[df["date"] < pd.Timestamp("2026-04-15")], "H100_SXM", "on_demand") == []


def test_bundled_file_breaks_on_2026_05_08(bundled_history_path: Path) -> None:
    df = load_history(bundled_history_path)
    assert max(source_breaks(df, "H100_SXM", "on_demand")) >= pd.Timestamp("2026-05-08")
