"""Loading the daily GPU price history and turning it into per-market daily index series.

The history file holds one row per (date, provider, gpu_model, gpu_count, region, rental_type) with
prices per GPU-hour. A *market* is one ``gpu_model`` with one ``rental_type``; its daily index is the
median, over that day's rows, of ``price_median_usd``. Days without rows stay in the index as NaN so
that gaps are explicit. The module also reports *source breaks*: days on which the set of collectors
feeding a market changes (the bundled file switches from an aggregator to direct scrapers on
2026-05-08), because the index on either side of such a day does not measure quite the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: Columns a history file must have; the rest of the documented columns are optional.
REQUIRED_COLUMNS: tuple[str, ...] = ("date", "provider", "gpu_model", "rental_type", "price_median_usd")
#: Documented columns of ``gpu_observations_daily.csv``, for reference and for writing fixtures.
ALL_COLUMNS: tuple[str, ...] = (
    "date",
    "provider",
    "gpu_model",
    "gpu_count",
    "region",
    "rental_type",
    "price_min_usd",
    "price_median_usd",
    "price_max_usd",
    "n_offers",
    "source_url",
    "fetched_at",
)

# A collector counts as a regime change only if it carries a real share of the market's rows;
# a provider that appears for a day on a marketplace feed must not split the history.
_BREAK_MIN_SHARE = 0.3
_BREAK_WINDOW_DAYS = 7


@dataclass(frozen=True, order=True)
class Market:
    """One forecastable market: a GPU model rented on-demand or as spot."""

    gpu_model: str
    rental_type: str


def load_history(path: str | Path) -> pd.DataFrame:
    """Read a price-history CSV, check its columns and parse its dates.

    Rows with a missing, infinite or non-positive ``price_median_usd`` are dropped: they carry no price and a
    zero would break the log-scale models. Raises ``ValueError`` naming the first missing column,
    or when dates or prices cannot be parsed.
    """
    df = pd.read_csv(path)
    return prepare_history(df)


def prepare_history(df: pd.DataFrame) -> pd.DataFrame:
    """Validate and normalise an in-memory history frame (same rules as :func:`load_history`)."""
    for column in REQUIRED_COLUMNS:
        if column not in df.columns:
            raise ValueError(f"price history is missing required column {column!r}")
    out = df.copy()
    try:
        dates = pd.to_datetime(out["date"], format="%Y-%m-%d")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"price history has an unparseable 'date' value: {exc}") from exc
    if dates.dt.tz is not None:
        # Days are calendar days of the collector (UTC); a naive index keeps comparisons simple.
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    out["date"] = dates.dt.normalize()
    prices = pd.to_numeric(out["price_median_usd"], errors="coerce")
    bad = out["price_median_usd"].notna() & prices.isna()
    if bool(bad.any()):
        example = out.loc[bad, "price_median_usd"].iloc[0]
        raise ValueError(f"price history has a non-numeric 'price_median_usd' value: {example!r}")
    out["price_median_usd"] = prices.astype(float)
    out["gpu_model"] = out["gpu_model"].astype(str)
    out["rental_type"] = out["rental_type"].astype(str)
    out = out[np.isfinite(out["price_median_usd"]) & (out["price_median_usd"] > 0)]
    return out.sort_values("date", kind="stable").reset_index(drop=True)


def list_markets(df: pd.DataFrame) -> list[Market]:
    """All (gpu_model, rental_type) pairs present in ``df``, sorted for stable output."""
    pairs = df[["gpu_model", "rental_type"]].drop_duplicates()
    return sorted(Market(str(m), str(r)) for m, r in pairs.itertuples(index=False))


def _market_rows(df: pd.DataFrame, gpu_model: str, rental_type: str) -> pd.DataFrame:
    rows = df[(df["gpu_model"] == gpu_model) & (df["rental_type"] == rental_type)]
    if rows.empty:
        raise ValueError(f"no rows for market {gpu_model}/{rental_type}")
    return rows


def market_series(
    df: pd.DataFrame, gpu_model: str, rental_type: str, provider: str | None = None
) -> pd.Series:
    """Daily index of one market: median ``price_median_usd`` per day, NaN on days without rows.

    The index is a daily ``DatetimeIndex`` from the market's first to its last observed day.
    ``provider`` narrows the market to one seller (a finer market, useful where that seller is
    listed every day); by default all sellers count.
    """
    rows = _market_rows(df, gpu_model, rental_type)
    name = f"{gpu_model}/{rental_type}"
    if provider is not None:
        rows = rows[rows["provider"] == provider]
        if rows.empty:
            raise ValueError(f"no rows for market {name} from provider {provider!r}")
        name = f"{name}/{provider}"
    daily = rows.groupby("date")["price_median_usd"].median().astype(float)
    daily.index = pd.DatetimeIndex(daily.index)
    series = daily.asfreq("D")
    series.name = name
    return series


def source_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows per (day, source_url) of one market's rows: days as index, sources as columns."""
    if "source_url" not in rows.columns or rows.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
    counts = rows.groupby(["date", "source_url"]).size().unstack(fill_value=0)
    counts.index = pd.DatetimeIndex(counts.index, name="date")
    return counts.sort_index()


def breaks_from_counts(counts: pd.DataFrame) -> list[pd.Timestamp]:
    """Source breaks (see :func:`source_breaks`) from a :func:`source_counts` table."""
    if counts.empty or counts.shape[1] < 2:
        return []
    values = counts.to_numpy(dtype=float)
    days = counts.index
    present = values > 0
    breaks: set[pd.Timestamp] = set()
    for j in range(values.shape[1]):
        seen = np.flatnonzero(present[:, j])
        if seen.size == 0:
            continue
        start, stop = int(seen[0]), int(seen[-1])
        if start > 0:
            window = (days >= days[start]) & (days < days[start] + pd.Timedelta(days=_BREAK_WINDOW_DAYS))
            if values[window, j].sum() >= _BREAK_MIN_SHARE * values[window].sum():
                breaks.add(pd.Timestamp(days[start]))
        if stop < len(days) - 1:
            window = (days > days[stop] - pd.Timedelta(days=_BREAK_WINDOW_DAYS)) & (days <= days[stop])
            if values[window, j].sum() >= _BREAK_MIN_SHARE * values[window].sum():
                breaks.add(pd.Timestamp(days[stop]) + pd.Timedelta(days=1))
    return sorted(breaks)


def source_breaks(df: pd.DataFrame, gpu_model: str, rental_type: str) -> list[pd.Timestamp]:
    """Days on which the collectors behind a market change, oldest first.

    A break is the first day of a ``source_url`` that then carries at least 30% of the market's rows
    over the following week, or the day after a source with that share in the previous week stops
    for good. Only rows in ``df`` are used, so passing history cut at an origin gives the breaks
    that were knowable at that origin. Without a ``source_url`` column there are no breaks.
    """
    return breaks_from_counts(source_counts(_market_rows(df, gpu_model, rental_type)))


def as_float_array(series: pd.Series) -> np.ndarray:
    """The series values as a float64 array (NaN for missing days)."""
    return np.asarray(series.to_numpy(dtype=float, na_value=np.nan), dtype=np.float64)
