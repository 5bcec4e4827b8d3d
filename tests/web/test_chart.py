"""The charts' geometry: scales, gaps in the data, outliers and the forecast (no database needed)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from web.chart import HEIGHT, MARGIN_BOTTOM, MARGIN_TOP, forecast_chart, nice_step, price_chart


def market(day: str, median: float, low: float | None = None, high: float | None = None) -> dict[str, object]:
    return {"date": day, "price_per_gpu_hour": median, "low": low, "high": high}


def test_nothing_to_draw_gives_no_chart() -> None:
    assert price_chart({"points": [], "market": []}) is None


def test_nice_steps() -> None:
    assert nice_step(10) == 2
    assert nice_step(3.2) == 1
    assert nice_step(0.4) == 0.1
    assert nice_step(90) == 20


def test_y_axis_starts_at_zero_and_covers_every_price() -> None:
    history = {
        "market": [market("2026-03-01", 2.0, 1.5, 2.5), market("2026-03-02", 2.2, 1.6, 2.9)],
        "points": [{"observed_at": "2026-03-02T10:00:00+00:00", "price_per_gpu_hour": 3.1}],
        "market_label": "H100 on-demand market, median $/GPU-h",
    }
    chart = price_chart(history, current=3.1)
    assert chart is not None
    assert chart.y_ticks[0].label == "$0.00"
    assert chart.y_ticks[0].pos == HEIGHT - MARGIN_BOTTOM
    assert chart.y_ticks[-1].pos >= MARGIN_TOP - 0.01
    assert float(chart.y_ticks[-1].label.strip("$")) >= 3.1
    assert chart.dots[0].label == "2026-03-02: $3.10"
    assert chart.reference_label == "this offer now $3.10"
    assert chart.clipped_at is None
    assert "H100 on-demand market" in chart.summary


def test_a_hole_in_the_data_breaks_the_line() -> None:
    march = [market(f"2026-03-{d:02d}", 2.0) for d in (1, 2, 3)]
    june = [market(f"2026-06-{d:02d}", 2.5) for d in (1, 2)]
    days = march + june
    chart = price_chart({"market": days, "points": []})
    assert chart is not None
    assert len(re.findall("M", chart.median_path)) == 2
    assert chart.x_ticks[0].label == "Apr 2026"


def test_outliers_are_clipped_not_scaled_to() -> None:
    days = [market(f"2026-03-{d:02d}", 2.0, 1.0, 19.0 if d == 1 else 3.0) for d in range(1, 20)]
    chart = price_chart({"market": days, "points": []})
    assert chart is not None
    # Medians are at $2; the band may stretch the scale to $3 (plus a nice step), not to $19.
    assert chart.clipped_at == "$4.00"
    assert "cut at $4.00; its highest value is $19.00" in chart.summary


def test_one_point_still_draws() -> None:
    point = {"observed_at": "2026-11-27T03:00:00", "price_per_gpu_hour": 0.5}
    chart = price_chart({"market": [], "points": [point]})
    assert chart is not None
    assert len(chart.dots) == 1
    assert chart.offer_path == ""
    assert chart.y_ticks[1].label == "$0.10"


def forecast_series(first_day: str, values: list[float], spread: float = 0.1) -> list[dict[str, object]]:
    start = date.fromisoformat(first_day)
    return [
        {
            "date": (start + timedelta(days=i)).isoformat(),
            "value": v,
            "low": round(v * (1 - spread * (i + 1) / len(values)), 4),
            "high": round(v * (1 + spread * (i + 1) / len(values)), 4),
        }
        for i, v in enumerate(values)
    ]


def test_the_forecast_follows_the_newest_data_whatever_its_own_dates() -> None:
    # The market model's history ended in June; the offer was seen in November. The forecast is drawn
    # over the 30 days after November's observation, from the offer's price, in its own band.
    history = {
        "market": [market(f"2026-06-{d:02d}", 2.0, 1.8, 2.2) for d in range(1, 19)],
        "points": [{"observed_at": "2026-11-27T03:00:00+00:00", "price_per_gpu_hour": 1.5}],
    }
    forecast = {"model": "regime_median_28d", "series": forecast_series("2026-06-19", [1.5] * 29 + [4.5])}
    chart = price_chart(history, current=1.5, forecast=forecast)
    assert chart is not None and chart.forecast is not None
    assert chart.forecast.label == "forecast (regime_median_28d, 80% band)"
    # The last x tick is December: the axis runs to 2026-12-27, 30 days after the observation.
    assert chart.x_ticks[-1].label == "Dec 2026"
    assert chart.forecast.start_x == chart.dots[-1].x
    assert chart.reference_end == chart.forecast.start_x
    assert chart.forecast.line_path.startswith(f"M{chart.dots[-1].x:.1f},{chart.dots[-1].y:.1f}")
    assert chart.forecast.band_path.endswith(" Z")
    # The line's last point is the plot's right edge, and the scale holds the band's top ($4.95).
    last_x = float(chart.forecast.line_path.split()[-1].lstrip("L").split(",")[0])
    assert last_x == pytest.approx(chart.plot_right, abs=0.1)
    assert float(chart.y_ticks[-1].label.strip("$")) >= 4.95
    assert "forecast from 2026-11-28 to 2026-12-27" in chart.summary
    assert chart.forecast.detail is not None
    assert chart.forecast.detail.summary.startswith("Expected $1.50/GPU-h on day 1 and $4.50/GPU-h on day 30")


def test_without_a_forecast_the_reference_line_spans_the_plot() -> None:
    chart = price_chart({"market": [market("2026-03-01", 2.0), market("2026-03-02", 2.1)], "points": []}, 2.0)
    assert chart is not None and chart.forecast is None
    assert chart.reference_end == chart.plot_right


def test_the_forecast_chart_counts_days_ahead() -> None:
    assert forecast_chart([]) is None
    chart = forecast_chart(forecast_series("2026-06-19", [3.96] * 30, spread=0.4))
    assert chart is not None
    assert [t.label for t in chart.x_ticks] == ["day 1", "day 8", "day 15", "day 22", "day 30"]
    assert chart.x_ticks[0].anchor == "start" and chart.x_ticks[-1].anchor == "end"
    assert chart.y_ticks[0].label == "$0.00"
    assert float(chart.y_ticks[-1].label.strip("$")) >= 3.96 * 1.4
    assert chart.band_path.startswith("M") and chart.band_path.endswith(" Z")
    # A flat forecast is a flat line.
    assert len({xy.split(",")[1] for xy in chart.line_path.split()}) == 1
    assert "on day 30; 80% band on day 30: $2.38 to $5.54/h" in chart.summary


def test_a_short_forecast_labels_every_day_and_one_day_still_draws() -> None:
    week = forecast_chart(forecast_series("2026-06-19", [1.0, 1.1, 1.2]))
    assert week is not None and [t.label for t in week.x_ticks] == ["day 1", "day 2", "day 3"]
    one = forecast_chart(forecast_series("2026-06-19", [0.5]))
    assert one is not None and one.line_path.count("L") == 1 and [t.label for t in one.x_ticks] == ["day 1"]
