"""Geometry of the price charts the pages draw as inline SVG: an offer's price history (with its
30-day forecast after it) and the assistant's cost forecast on the chat page.

The charts are computed on the server so they show with JavaScript off and cost no chart library: this
module turns :func:`catalog.service.history` and :func:`catalog.predict.predict` output into plain
coordinates, SVG path strings and axis ticks, and the templates only place them. Colours are left to
CSS classes so the charts follow the light and dark themes. Time runs on a true time scale, so a gap
between the bundled market series and the offer's own recent observations shows as a gap rather than
being squeezed away.

An offer's forecast is its own price moved by the forecast of its market index (catalog.predict); it is
drawn over the days after the newest data on the chart. The market index itself (the chained
matched-panel index, rebased to the market's level on its last day) is drawn as its own line, labelled
"market index", and where its history ends more than a week before today the chart marks that day and
says the forecast is of the past.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

WIDTH = 960
HEIGHT = 320
# Days without data longer than this break the market line instead of being bridged by it.
MAX_GAP_DAYS = 7
# Room for the y-axis labels on the left and the date labels underneath.
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 16, 14, 34
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class Tick:
    pos: float
    label: str
    anchor: str = "middle"


@dataclass
class Dot:
    x: float
    y: float
    label: str


@dataclass
class ForecastOverlay:
    """The forecast drawn after the history: its median line, its 80% band and where it starts."""

    line_path: str
    band_path: str
    start_x: float
    label: str
    # The same 30 days on a chart of their own, where their shape has room to show.
    detail: ForecastChart | None = None


@dataclass
class PriceChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    band_path: str
    median_path: str
    offer_path: str
    dots: list[Dot]
    reference_y: float | None
    reference_label: str
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    clipped_at: str | None = None
    summary: str = ""
    forecast: ForecastOverlay | None = None
    # Where the "this offer now" line ends: at the plot's edge, or where the forecast takes over.
    reference_end: float | None = None
    # The market index line (USD-rebased) and, when the forecast is of the past, where its data end.
    index_path: str = ""
    index_label: str = ""
    stale_x: float | None = None
    stale_label: str = ""


@dataclass
class ForecastChart:
    """A forecast on its own: days ahead on the x axis, a median line inside its 80% band."""

    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    band_path: str
    line_path: str
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    summary: str
    #: Drawn inside the plot when the forecast is of the past (see :func:`stale_note`).
    note: str = ""


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    return datetime.fromisoformat(text).date() if "T" in text else date.fromisoformat(text[:10])


def nice_step(span: float, target_ticks: int = 5) -> float:
    """A 1, 2 or 5 times a power of ten step that cuts ``span`` into about ``target_ticks`` parts."""
    if span <= 0:
        return 1.0
    raw = span / target_ticks
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 5.0, 10.0):
        if raw <= m * magnitude:
            return m * magnitude
    return 10.0 * magnitude


def _money(value: float) -> str:
    return f"${value:.3f}" if value < 1 and round(value, 2) != round(value, 3) else f"${value:,.2f}"


def _month_ticks(start: date, end: date) -> list[date]:
    months = (end.year - start.year) * 12 + end.month - start.month
    step = max(1, math.ceil(months / 6))
    ticks = []
    y, m = start.year, start.month + 1
    while True:
        if m > 12:
            y, m = y + 1, m - 12
        d = date(y, m, 1)
        if d > end:
            break
        ticks.append(d)
        m += step
    return ticks


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def _runs(days: list[tuple[date, dict[str, Any]]]) -> list[list[tuple[date, dict[str, Any]]]]:
    """Split a dated series where days are missing, so no line is drawn across a hole in the data."""
    runs: list[list[tuple[date, dict[str, Any]]]] = []
    for item in days:
        if runs and (item[0] - runs[-1][-1][0]).days <= MAX_GAP_DAYS:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _y_scale(top_value: float) -> tuple[float, float]:
    """``(step, y_max)`` of an axis from zero that holds ``top_value`` with a little room above it."""
    top_value = top_value or 1.0
    step = nice_step(top_value)
    return step, step * math.ceil(top_value * 1.05 / step)


def _ticks_from_zero(step: float, y_max: float, y_of: Any, fmt: Any) -> list[Tick]:
    ticks = []
    v = 0.0
    while v <= y_max + step / 2:
        ticks.append(Tick(y_of(v), fmt(v)))
        v += step
    return ticks


def _y_ticks(step: float, y_max: float, y_of: Any) -> list[Tick]:
    return _ticks_from_zero(step, y_max, y_of, _money)


def _band(upper: list[tuple[float, float]], lower: list[tuple[float, float]]) -> str:
    return _path(upper + lower[::-1]) + " Z"


def _forecast_days(series: list[dict[str, Any]], start: date) -> list[tuple[date, dict[str, Any]]]:
    """The series re-dated to begin on ``start``, keeping the spacing of its own dates."""
    if not series:
        return []
    first = _day(series[0]["date"])
    return [(start + (_day(p["date"]) - first), p) for p in series]


def stale_note(forecast: dict[str, Any] | None) -> str:
    """ "Forecast of the past: market data end Jun 18, 2026" when a warning says so, else ""."""
    if not forecast or not any("of the past" in w for w in forecast.get("warnings") or []):
        return ""
    end = forecast.get("market_history_end") or forecast.get("history_end")
    if not end:
        return "Forecast of the past"
    d = _day(end)
    return f"Forecast of the past: market data end {MONTHS[d.month - 1]} {d.day}, {d.year}"


def price_chart(
    history: dict[str, Any], current: float | None = None, forecast: dict[str, Any] | None = None
) -> PriceChart | None:
    """Coordinates for the market band, its median line, the market index and the offer's own points;
    None if no data.

    ``forecast`` is a :func:`catalog.predict.predict` answer (per GPU); its series is drawn as a
    dashed line in its 80% band over the days after the newest day of data, and its
    ``market_index`` history as the "market index" line."""
    market = [m for m in history.get("market") or [] if m.get("price_per_gpu_hour") is not None]
    points = history.get("points") or []
    if not market and not points:
        return None
    market_days = [(_day(m["date"]), m) for m in market]
    point_days = [(_day(p["observed_at"]), p) for p in points]
    index = (forecast or {}).get("market_index") or {}
    index_days = [(_day(h["date"]), h) for h in index.get("history") or []]
    days = [d for d, _ in market_days] + [d for d, _ in point_days] + [d for d, _ in index_days]
    last_data_day = max(days)
    forecast_days = _forecast_days((forecast or {}).get("series") or [], last_data_day + timedelta(days=1))
    days.extend(d for d, _ in forecast_days)
    start, end = min(days), max(days)
    if start == end:
        # A single day has no width; give it one on each side so the dot sits in the middle.
        start, end = date.fromordinal(start.toordinal() - 1), date.fromordinal(end.toordinal() + 1)

    # The scale follows the medians, the offer's prices and the forecast's band; the min-max band
    # may widen it by half again at most, because scraped extremes (an $18.90 "H100 spot" for a week)
    # would otherwise flatten everything else. The band is clipped to the plot and the cut is said
    # in the legend.
    values = [float(m["price_per_gpu_hour"]) for _, m in market_days]
    values.extend(float(p["price_per_gpu_hour"]) for _, p in point_days)
    values.extend(float(p["high"]) for _, p in forecast_days)
    values.extend(float(h["value"]) for _, h in index_days)
    if current is not None:
        values.append(float(current))
    highs = [float(m["high"]) for _, m in market_days if m.get("high") is not None]
    top_value = max(values)
    if highs:
        top_value = max(top_value, min(max(highs), 1.5 * top_value))
    step, y_max = _y_scale(top_value)
    clipped = bool(highs) and max(highs) > y_max

    left, right = float(MARGIN_LEFT), float(WIDTH - MARGIN_RIGHT)
    top, bottom = float(MARGIN_TOP), float(HEIGHT - MARGIN_BOTTOM)
    span_days = (end - start).days

    def x_of(d: date) -> float:
        return left + (right - left) * (d - start).days / span_days

    def y_of(v: float) -> float:
        return bottom - (bottom - top) * v / y_max

    def edge(m: dict[str, Any], key: str) -> float:
        return float(m[key] if m.get(key) is not None else m["price_per_gpu_hour"])

    band_parts, median_parts = [], []
    for run in _runs(market_days):
        upper = [(x_of(d), y_of(edge(m, "high"))) for d, m in run]
        lower = [(x_of(d), y_of(edge(m, "low"))) for d, m in run]
        if len(run) == 1:
            # A lone day is drawn as a narrow bar so it does not vanish.
            (x, hi), (_, lo) = upper[0], lower[0]
            upper, lower = [(x - 1.5, hi), (x + 1.5, hi)], [(x - 1.5, lo), (x + 1.5, lo)]
        band_parts.append(_band(upper, lower))
        median_parts.append(_path([(x_of(d), y_of(float(m["price_per_gpu_hour"]))) for d, m in run]))
    dots = []
    for d, p in point_days:
        price = float(p["price_per_gpu_hour"])
        dots.append(Dot(x_of(d), y_of(price), f"{d.isoformat()}: {_money(price)}"))
    offer_path = _path([(dot.x, dot.y) for dot in dots]) if len(dots) > 1 else ""

    overlay = None
    if forecast_days and forecast is not None:
        # The line starts at the newest price on the chart, so it reads as a continuation of it.
        anchor_value = float(current) if current is not None else float(forecast_days[0][1]["value"])
        anchor = (x_of(last_data_day), y_of(anchor_value))
        line = [anchor] + [(x_of(d), y_of(float(p["value"]))) for d, p in forecast_days]
        upper = [anchor] + [(x_of(d), y_of(float(p["high"]))) for d, p in forecast_days]
        lower = [anchor] + [(x_of(d), y_of(float(p["low"]))) for d, p in forecast_days]
        overlay = ForecastOverlay(
            line_path=_path(line),
            band_path=_band(upper, lower),
            start_x=anchor[0],
            label=f"forecast ({forecast.get('model') or 'model'}, 80% band)",
            detail=forecast_chart([p for _, p in forecast_days], unit="/GPU-h", note=stale_note(forecast)),
        )

    index_path = " ".join(
        _path([(x_of(d), y_of(float(h["value"]))) for d, h in run])
        for run in _runs(index_days)
        if len(run) > 1
    )
    note = stale_note(forecast)
    stale_x = (
        x_of(_day(forecast["market_history_end"]))
        if note and forecast and forecast.get("market_history_end")
        else None
    )

    ref_y = None
    ref_label = ""
    if current is not None:
        ref_y = y_of(float(current))
        ref_label = f"this offer now {_money(float(current))}"

    y_ticks = _y_ticks(step, y_max, y_of)
    if span_days > 62:
        x_ticks = [Tick(x_of(d), f"{MONTHS[d.month - 1]} {d.year}") for d in _month_ticks(start, end)]
    else:
        n = min(5, span_days)
        tick_days = [date.fromordinal(start.toordinal() + round(i * span_days / n)) for i in range(n + 1)]
        x_ticks = [Tick(x_of(d), f"{MONTHS[d.month - 1]} {d.day}") for d in tick_days]
    for tick in x_ticks:
        # A label centred on a tick at the plot's edge would be clipped by the SVG's box.
        if tick.pos - left < 30:
            tick.anchor = "start"
        elif right - tick.pos < 30:
            tick.anchor = "end"

    parts = []
    if market:
        first, last = market[0], market[-1]
        label = history.get("market_label") or "market median $/GPU-h"
        parts.append(
            f"{label} from {first['date']} to {last['date']}: "
            f"{_money(float(first['price_per_gpu_hour']))} to {_money(float(last['price_per_gpu_hour']))}"
        )
    if index_days:
        (i0, h0), (i1, h1) = index_days[0], index_days[-1]
        parts.append(
            f"market index (matched sellers only, rebased to the market's level on its last day) from "
            f"{i0.isoformat()} to {i1.isoformat()}: {_money(float(h0['value']))} to {_money(float(h1['value']))}"
        )
    if points:
        parts.append(f"{len(points)} observation(s) of this offer, latest {dots[-1].label}")
    if clipped:
        parts.append(f"the min-max band is cut at {_money(y_max)}; its highest value is {_money(max(highs))}")
    if forecast_days:
        (d0, _), (d1, p1) = forecast_days[0], forecast_days[-1]
        parts.append(
            f"forecast from {d0.isoformat()} to {d1.isoformat()}: {_money(float(p1['value']))} on the last day, "
            f"80% band {_money(float(p1['low']))} to {_money(float(p1['high']))}"
        )
    if note:
        parts.append(note.lower())
    return PriceChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        band_path=" ".join(band_parts),
        median_path=" ".join(median_parts),
        offer_path=offer_path,
        dots=dots,
        reference_y=ref_y,
        reference_label=ref_label,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        clipped_at=_money(y_max) if clipped else None,
        summary="; ".join(parts) + ".",
        forecast=overlay,
        reference_end=overlay.start_x if overlay else right,
        index_path=index_path,
        index_label="market index (matched sellers, rebased to the market's last level)"
        if index_path
        else "",
        stale_x=stale_x,
        stale_label=note,
    )


FORECAST_WIDTH = 640
FORECAST_HEIGHT = 220


def _day_ticks(n: int) -> list[int]:
    """Indexes of the labelled days: every week (or every day or two for short series) and the last
    day, which takes the place of a weekly tick too close to it to have room for both labels."""
    every = 7 if n > 14 else 1 if n <= 7 else 2
    ticks = list(range(0, n, every))
    if n > 1 and ticks[-1] != n - 1:
        if n - 1 - ticks[-1] < every / 2 and len(ticks) > 1:
            ticks.pop()
        ticks.append(n - 1)
    return ticks


def forecast_chart(series: list[dict[str, Any]], unit: str = "/h", note: str = "") -> ForecastChart | None:
    """A forecast series (``[{date, value, low, high}]``) against days ahead; None if it is empty.

    The x axis counts days ahead ("day 1" is tomorrow) rather than printing the series' dates: the
    level is today's price, the dates are those of the market model's history (see the module doc)."""
    if not series:
        return None
    n = len(series)
    step, y_max = _y_scale(max(float(p["high"]) for p in series))
    left, right = float(MARGIN_LEFT), float(FORECAST_WIDTH - MARGIN_RIGHT)
    top, bottom = float(MARGIN_TOP), float(FORECAST_HEIGHT - MARGIN_BOTTOM)

    def x_of(i: int) -> float:
        return left + (right - left) * (i / (n - 1) if n > 1 else 0.5)

    def y_of(v: float) -> float:
        return bottom - (bottom - top) * v / y_max

    upper = [(x_of(i), y_of(float(p["high"]))) for i, p in enumerate(series)]
    lower = [(x_of(i), y_of(float(p["low"]))) for i, p in enumerate(series)]
    line = [(x_of(i), y_of(float(p["value"]))) for i, p in enumerate(series)]
    if n == 1:
        (x, hi), (_, lo), (_, mid) = upper[0], lower[0], line[0]
        upper, lower, line = (
            [(x - 3, hi), (x + 3, hi)],
            [(x - 3, lo), (x + 3, lo)],
            [(x - 3, mid), (x + 3, mid)],
        )
    x_ticks = [Tick(x_of(i), f"day {i + 1}") for i in _day_ticks(n)]
    for tick in x_ticks:
        if tick.pos - left < 24:
            tick.anchor = "start"
        elif right - tick.pos < 24:
            tick.anchor = "end"
    first, last = series[0], series[-1]
    summary = (
        f"Expected {_money(float(first['value']))}{unit} on day 1 and {_money(float(last['value']))}{unit} "
        f"on day {n}; 80% band on day {n}: {_money(float(last['low']))} to {_money(float(last['high']))}{unit}."
    )
    return ForecastChart(
        width=FORECAST_WIDTH,
        height=FORECAST_HEIGHT,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        band_path=_band(upper, lower),
        line_path=_path(line),
        x_ticks=x_ticks,
        y_ticks=_y_ticks(step, y_max, y_of),
        summary=summary + (f" {note}." if note else ""),
        note=note,
    )


# --- KPI charts (web/kpi_pages.py): bars per day, horizontal bars, a few lines --------------------------
# Series are drawn with CSS classes ``series-1`` .. ``series-6`` (colours in kpis.css, light and dark).

KPI_WIDTH = 960
KPI_HEIGHT = 260
SERIES_CLASSES = 6


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


@dataclass
class BarChart:
    """Bars per day, one bar per series side by side in each day's slot."""

    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    legend: list[tuple[int, str]]
    summary: str


@dataclass
class HBar:
    y: float
    width: float
    label: str
    value: str


@dataclass
class HBarChart:
    """A ranking: one horizontal bar per item, its name on the left and its figure after the bar."""

    width: int
    height: int
    label_right: float
    bar_left: float
    bar_height: float
    rows: list[HBar]
    summary: str


@dataclass
class Line:
    series: int
    name: str
    path: str
    dots: list[Dot]


@dataclass
class LineChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    summary: str


def _day_label(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.day}"


def day_bar_chart(
    days: list[date], series: list[tuple[str, list[float]]], fmt: Any, height: int = KPI_HEIGHT
) -> BarChart | None:
    """Bars of each series per day on a shared axis from zero; None when every value is zero.

    ``fmt`` turns a value into its label (axis ticks and each bar's tooltip)."""
    if not days or not series or not any(v for _, values in series for v in values):
        return None
    top_value = max(v for _, values in series for v in values)
    step = nice_step(top_value or 1.0, 4)
    if all(float(v).is_integer() for _, values in series for v in values):
        step = max(1.0, math.ceil(step))  # counts: whole-number ticks only
    y_max = step * math.ceil(top_value * 1.05 / step)
    left, right = float(MARGIN_LEFT), float(KPI_WIDTH - MARGIN_RIGHT)
    top, bottom = float(MARGIN_TOP), float(height - MARGIN_BOTTOM)
    slot = (right - left) / len(days)
    gap = min(6.0, slot * 0.2)
    bar_w = max(1.0, (slot - gap) / len(series))

    def y_of(v: float) -> float:
        return bottom - (bottom - top) * v / y_max

    bars = []
    for i, d in enumerate(days):
        for s, (name, values) in enumerate(series):
            v = float(values[i])
            if v <= 0:
                continue
            x = left + i * slot + gap / 2 + s * bar_w
            bars.append(
                Bar(x, y_of(v), bar_w, bottom - y_of(v), s % SERIES_CLASSES + 1, f"{d}: {fmt(v)} {name}")
            )
    every = max(1, math.ceil(len(days) / 7))
    x_ticks = [Tick(left + (i + 0.5) * slot, _day_label(days[i])) for i in range(0, len(days), every)]
    for tick in x_ticks:
        if tick.pos - left < 24:
            tick.anchor = "start"
        elif right - tick.pos < 24:
            tick.anchor = "end"
    totals = [f"{fmt(sum(float(v) for v in values))} {name}" for name, values in series]
    summary = f"From {days[0]} to {days[-1]}: " + ", ".join(totals) + "."
    return BarChart(
        width=KPI_WIDTH,
        height=height,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        bars=bars,
        x_ticks=x_ticks,
        y_ticks=_ticks_from_zero(step, y_max, y_of, fmt),
        legend=[(s % SERIES_CLASSES + 1, name) for s, (name, _) in enumerate(series)],
        summary=summary,
    )


def hbar_chart(items: list[tuple[str, float]], fmt: Any, width: int = 560) -> HBarChart | None:
    """Horizontal bars, longest first as given; None without a positive value."""
    items = [(label, float(v)) for label, v in items if float(v) > 0]
    if not items:
        return None
    row_h, bar_h, pad = 30.0, 18.0, 6.0
    label_right = 118.0
    bar_left = label_right + 10
    value_room = 96.0
    top_value = max(v for _, v in items)
    span = width - bar_left - value_room
    rows = [
        HBar(pad + i * row_h, max(2.0, span * v / top_value), label, fmt(v))
        for i, (label, v) in enumerate(items)
    ]
    summary = "; ".join(f"{label}: {fmt(v)}" for label, v in items) + "."
    return HBarChart(
        width=width,
        height=int(pad * 2 + row_h * len(items)),
        label_right=label_right,
        bar_left=bar_left,
        bar_height=bar_h,
        rows=rows,
        summary=summary,
    )


def line_chart(
    x_labels: list[str],
    series: list[tuple[str, list[float | None]]],
    fmt: Any,
    width: int = 560,
    height: int = 260,
) -> LineChart | None:
    """Lines over a few labelled points (missing values break a line); None when nothing has a value."""
    values = [v for _, vs in series for v in vs if v is not None]
    if not values or len(x_labels) < 2:
        return None
    step, y_max = _y_scale(max(values))
    left, right = float(MARGIN_LEFT), float(width - MARGIN_RIGHT - 24)
    top, bottom = float(MARGIN_TOP), float(height - MARGIN_BOTTOM)
    n = len(x_labels)

    def x_of(i: int) -> float:
        return left + (right - left) * i / (n - 1)

    def y_of(v: float) -> float:
        return bottom - (bottom - top) * v / y_max

    lines = []
    for s, (name, vs) in enumerate(series):
        dots = [
            Dot(x_of(i), y_of(v), f"{name}, {x_labels[i]}: {fmt(v)}")
            for i, v in enumerate(vs)
            if v is not None
        ]
        parts: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(vs):
            if v is None:
                parts.append([])
            else:
                parts[-1].append((x_of(i), y_of(v)))
        path = " ".join(_path(p) for p in parts if len(p) > 1)
        lines.append(Line(s % SERIES_CLASSES + 1, name, path, dots))
    x_ticks = [Tick(x_of(i), label) for i, label in enumerate(x_labels)]
    x_ticks[0].anchor, x_ticks[-1].anchor = "start", "end"
    summary = "; ".join(
        f"{name}: "
        + ", ".join(f"{x_labels[i]} {fmt(v) if v is not None else 'no data'}" for i, v in enumerate(vs))
        for name, vs in series
    )
    return LineChart(
        width=width,
        height=height,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        lines=lines,
        x_ticks=x_ticks,
        y_ticks=_ticks_from_zero(step, y_max, y_of, fmt),
        summary=summary + ".",
    )
