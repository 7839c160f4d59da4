"""Geometry of the channel-health charts (inline SVG drawn by templates/health/_chart.html).

Pure numpy: data in, pixel coordinates out. The plot area is WIDTH × HEIGHT pixels with a
margin for labels; y grows downwards in SVG, so values are flipped.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from channels.capacity import saturation_curve
from channels.health import Capacity, ChannelHealth, HealthSeries, Signal

WIDTH, HEIGHT, MARGIN = 320, 150, 28


@dataclass(frozen=True)
class Chart:
    """One scatter-plus-line chart in pixels; labels are preformatted text."""

    title: str
    dots: tuple[tuple[float, float], ...]
    line: str  # SVG polyline points "x,y x,y …" (empty: no line)
    guide_y: float | None  # a horizontal reference line (e.g. capacity), pixels
    x_labels: tuple[str, str]
    y_labels: tuple[str, str]
    width: int = WIDTH + 2 * MARGIN
    height: int = HEIGHT + 2 * MARGIN


def _scale(values: npt.NDArray[np.float64], lo: float, hi: float,
           size: int, flip: bool) -> npt.NDArray[np.float64]:
    span = hi - lo if hi > lo else 1.0
    fraction = (values - lo) / span
    return MARGIN + size * (1 - fraction if flip else fraction)


def xy_chart(title: str, x: npt.ArrayLike, y: npt.ArrayLike, *,
             line_x: npt.ArrayLike = (), line_y: npt.ArrayLike = (),
             guide: float | None = None, x_labels: tuple[str, str] = ("", ""),
             y_format: str = "{:.3g}") -> Chart:
    """Return the chart of points (x, y) with an optional fitted line and guide value.

    Axes start at 0 for y and span every value shown; empty data gives an empty chart.
    """
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    lx, ly = np.asarray(line_x, dtype=np.float64), np.asarray(line_y, dtype=np.float64)
    every_x = np.concatenate([xs, lx])
    every_y = np.concatenate([ys, ly, [guide] if guide is not None else [], [0.0]])
    every_y = every_y[np.isfinite(every_y)]
    x_lo, x_hi = (float(every_x.min()), float(every_x.max())) if every_x.size else (0.0, 1.0)
    y_hi = float(every_y.max()) * 1.05 if every_y.size and every_y.max() > 0 else 1.0
    px, py = _scale(xs, x_lo, x_hi, WIDTH, False), _scale(ys, 0.0, y_hi, HEIGHT, True)
    keep = np.isfinite(ly)
    line_points = zip(_scale(lx[keep], x_lo, x_hi, WIDTH, False),
                      _scale(ly[keep], 0.0, y_hi, HEIGHT, True), strict=True)
    return Chart(
        title=title,
        dots=tuple((round(float(a), 1), round(float(b), 1))
                   for a, b in zip(px, py, strict=True) if np.isfinite(b)),
        line=" ".join(f"{a:.1f},{b:.1f}" for a, b in line_points),
        guide_y=None if guide is None else float(_scale(np.array([guide]), 0.0, y_hi,
                                                        HEIGHT, True)[0]),
        x_labels=x_labels,
        y_labels=("0", y_format.format(y_hi)),
    )


def _week_labels(weeks: npt.NDArray[np.datetime64]) -> tuple[str, str]:
    return (str(weeks[0]), str(weeks[-1])) if weeks.size else ("", "")


def _index(weeks: npt.NDArray[np.datetime64]) -> npt.NDArray[np.float64]:
    return (weeks - weeks[0]).astype(np.int64) / 7.0 if weeks.size else np.zeros(0)


def signal_chart(signal: Signal) -> Chart:
    """Return weekly rates (percent) with the fitted trend line of one efficiency signal."""
    index = _index(signal.weeks)
    fitted = 100 * signal.trend.rates_at(index) if signal.trend else np.zeros(0)
    return xy_chart(f"Weekly {signal.name} with fitted trend (%)", index, 100 * signal.rates,
                    line_x=index if signal.trend else (), line_y=fitted,
                    x_labels=_week_labels(signal.weeks), y_format="{:.2g} %")


def cac_chart(health: ChannelHealth, minor_per_unit: int) -> Chart:
    """Return weekly CAC (currency units) of mature weeks with the Theil–Sen line."""
    index = _index(health.cac_weeks)
    line: npt.NDArray[np.float64] = np.zeros(0)
    if health.cac_trend and index.size:
        line = (health.cac_trend.intercept + health.cac_trend.slope * index) / minor_per_unit
    return xy_chart("Weekly CAC with Theil–Sen trend", index, health.cac_minor / minor_per_unit,
                    line_x=index if line.size else (), line_y=line,
                    x_labels=_week_labels(health.cac_weeks), y_format="{:,.0f}")


def capacity_chart(series: HealthSeries, capacity: Capacity, minor_per_unit: int) -> Chart:
    """Return mature weeks' customers against spend with the saturation curve and capacity."""
    spend = series.spend_minor[series.mature] / minor_per_unit
    customers = series.customers[series.mature]
    fit = capacity.fit
    curve_x: npt.NDArray[np.float64] = np.zeros(0)
    curve_y: npt.NDArray[np.float64] = np.zeros(0)
    if fit is not None and spend.size:
        curve_x = np.linspace(0.0, float(spend.max()) * 1.2, 40)
        curve_y = (saturation_curve(curve_x * minor_per_unit, fit.b, fit.c) if fit.b
                   else curve_x * minor_per_unit / fit.c)
    top = f"{spend.max():,.0f}" if spend.size else ""
    title = ("Weekly customers against weekly spend, fitted curve and capacity"
             if fit is None or fit.b else
             "Weekly customers against weekly spend: no limit seen, fitted straight line")
    return xy_chart(title, spend, customers, line_x=curve_x, line_y=curve_y,
                    guide=fit.b if fit and fit.b else None, x_labels=("0", top),
                    y_format="{:.3g}")
