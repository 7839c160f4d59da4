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
CHAR_WIDTH = 6.5  # px per character of a 10 px label (wide digits, with some room to spare)


def label_margin(labels: tuple[str, ...], title: bool = True) -> int:
    """Return the left margin (px) that fits the longest y label right-aligned before the axis,
    plus the rotated axis title when `title`."""
    longest = max((len(label) for label in labels), default=0)
    return max(MARGIN, round(longest * CHAR_WIDTH) + 8 + (16 if title else 0))


@dataclass(frozen=True)
class Chart:
    """One scatter-plus-line chart in pixels; labels are preformatted text."""

    title: str
    dots: tuple[tuple[float, float], ...]
    line: str  # SVG polyline points "x,y x,y …" (empty: no line)
    guide_y: float | None  # a horizontal reference line (e.g. capacity), pixels
    x_labels: tuple[str, str]
    y_labels: tuple[str, str]
    x_title: str = ""  # the axes' titles with their units
    y_title: str = ""
    points: tuple[str, ...] = ()  # each dot's hover text, in the order of `dots`
    left: int = MARGIN  # the plot's left edge: room for the longest y label and the y title
    height: int = HEIGHT + 2 * MARGIN

    @property
    def width(self) -> int:
        """Return the chart's width: the plot, the label margin on the left and MARGIN right."""
        return self.left + WIDTH + MARGIN


def _scale(values: npt.NDArray[np.float64], lo: float, hi: float,
           size: int, flip: bool, start: int = MARGIN) -> npt.NDArray[np.float64]:
    span = hi - lo if hi > lo else 1.0
    fraction = (values - lo) / span
    return start + size * (1 - fraction if flip else fraction)


def xy_chart(title: str, x: npt.ArrayLike, y: npt.ArrayLike, *,
             line_x: npt.ArrayLike = (), line_y: npt.ArrayLike = (),
             guide: float | None = None, x_labels: tuple[str, str] = ("", ""),
             y_format: str = "{:.3g}", titles: tuple[str, str] = ("", ""),
             point_text: tuple[str, ...] = ()) -> Chart:
    """Return the chart of points (x, y) with an optional fitted line and guide value.

    Axes start at 0 for y and span every value shown; empty data gives an empty chart.
    `titles` are the x and y axis titles; `point_text` each point's hover text.
    """
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    lx, ly = np.asarray(line_x, dtype=np.float64), np.asarray(line_y, dtype=np.float64)
    every_x = np.concatenate([xs, lx])
    every_y = np.concatenate([ys, ly, [guide] if guide is not None else [], [0.0]])
    every_y = every_y[np.isfinite(every_y)]
    x_lo, x_hi = (float(every_x.min()), float(every_x.max())) if every_x.size else (0.0, 1.0)
    y_hi = float(every_y.max()) * 1.05 if every_y.size and every_y.max() > 0 else 1.0
    y_labels = ("0", y_format.format(y_hi))
    left = label_margin(y_labels, bool(titles[1]))
    px, py = _scale(xs, x_lo, x_hi, WIDTH, False, left), _scale(ys, 0.0, y_hi, HEIGHT, True)
    keep = np.isfinite(ly)
    shown = np.isfinite(py)
    line_points = zip(_scale(lx[keep], x_lo, x_hi, WIDTH, False, left),
                      _scale(ly[keep], 0.0, y_hi, HEIGHT, True), strict=True)
    return Chart(
        title=title,
        dots=tuple((round(float(a), 1), round(float(b), 1))
                   for a, b in zip(px[shown], py[shown], strict=True)),
        line=" ".join(f"{a:.1f},{b:.1f}" for a, b in line_points),
        guide_y=None if guide is None else float(_scale(np.array([guide]), 0.0, y_hi,
                                                        HEIGHT, True)[0]),
        x_labels=x_labels, y_labels=y_labels, x_title=titles[0], y_title=titles[1],
        points=tuple(text for text, ok in zip(point_text, shown, strict=False) if ok), left=left,
    )


def _week_labels(weeks: npt.NDArray[np.datetime64]) -> tuple[str, str]:
    return (str(weeks[0]), str(weeks[-1])) if weeks.size else ("", "")


def _index(weeks: npt.NDArray[np.datetime64]) -> npt.NDArray[np.float64]:
    return (weeks - weeks[0]).astype(np.int64) / 7.0 if weeks.size else np.zeros(0)


def _hover(weeks: npt.NDArray[np.datetime64], values: npt.NDArray[np.float64],
           shown: str) -> tuple[str, ...]:
    """Return "week 2026-03-02: 1.4 %" per point, `shown` formatting the value."""
    return tuple(f"week {w}: {shown.format(v)}" for w, v in zip(weeks, values, strict=True))


def signal_chart(signal: Signal) -> Chart:
    """Return weekly rates (percent) with the fitted trend line of one efficiency signal."""
    index = _index(signal.weeks)
    fitted = 100 * signal.trend.rates_at(index) if signal.trend else np.zeros(0)
    rates = 100 * signal.rates
    return xy_chart(f"Weekly {signal.name} with fitted trend (%)", index, rates,
                    line_x=index if signal.trend else (), line_y=fitted,
                    x_labels=_week_labels(signal.weeks), y_format="{:.2g} %",
                    titles=("Cohort week", f"{signal.name} (%)"),
                    point_text=_hover(signal.weeks, rates, "{:.2f} %"))


def cac_chart(health: ChannelHealth, minor_per_unit: int, currency: str = "") -> Chart:
    """Return weekly CAC (currency units) of mature weeks with the Theil–Sen line."""
    index = _index(health.cac_weeks)
    line: npt.NDArray[np.float64] = np.zeros(0)
    if health.cac_trend and index.size:
        line = (health.cac_trend.intercept + health.cac_trend.slope * index) / minor_per_unit
    cac = health.cac_minor / minor_per_unit
    return xy_chart("Weekly CAC with Theil–Sen trend", index, cac,
                    line_x=index if line.size else (), line_y=line,
                    x_labels=_week_labels(health.cac_weeks), y_format="{:,.0f}",
                    titles=("Cohort week", f"CAC ({currency})" if currency else "CAC"),
                    point_text=_hover(health.cac_weeks, cac, "{:,.2f} " + currency))


def capacity_chart(series: HealthSeries, capacity: Capacity, minor_per_unit: int,
                   currency: str = "") -> Chart:
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
    hover = tuple(f"spend {x:,.0f} {currency}: {y:.0f} customers"
                  for x, y in zip(spend, customers, strict=True))
    return xy_chart(title, spend, customers, line_x=curve_x, line_y=curve_y,
                    guide=fit.b if fit and fit.b else None, x_labels=("0", top),
                    y_format="{:.3g}", point_text=hover,
                    titles=(f"Weekly spend ({currency})" if currency else "Weekly spend",
                            "Customers per week"))
