"""Line charts of series against age in weeks (ROI curves), with a hover value per point.

Pure: numbers in, a `LineChart` of pixel coordinates out (templates/_charts.html draws it).
Every drawn point keeps its age and the value to show, which the template puts in an SVG
<title> (a tooltip without JavaScript) formatted as the tables beside the chart format it.
A series may be drawn on a transformed scale (log) while `shown` keeps the values to print.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.charts.svg import (
    Box,
    Scale,
    Tick,
    count_label,
    line_path,
    nice_ticks,
    percent_label,
    plot_box,
    ticks,
)


@dataclass(frozen=True)
class Series:
    """A named line to draw: values by x index (NaN where absent).

    `shown`: the values a reader sees for each x (default: `values`), when `values` are
    transformed for drawing (a log scale draws log10(1 + ROI) but shows the ROI).
    """

    label: str
    values: Sequence[float]
    colour: str
    emphasis: bool = False
    shown: Sequence[float] | None = None


@dataclass(frozen=True)
class Point:
    """A drawn point: its pixel position, its x (age in weeks) and the value it shows."""

    x: float
    y: float
    age: int
    value: float


@dataclass(frozen=True)
class Line:
    """A drawn series: its SVG path data, its last point (None when it has no values) and
    every point it passes through (for hover values)."""

    label: str
    colour: str
    emphasis: bool
    path: str
    end: tuple[float, float] | None
    points: tuple[Point, ...] = ()


@dataclass(frozen=True)
class LineChart:
    """A line chart laid out in pixels; `zero` is the y of value 0 (always in range)."""

    box: Box
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    zero: float
    lines: tuple[Line, ...]
    capped: bool = False  # some values lie above the top of the y range

    @property
    def has_data(self) -> bool:
        """Return whether any series has at least one value."""
        return any(line.path for line in self.lines)


def _finite(series: Sequence[Series]) -> list[float]:
    """Return every non-NaN value of `series` plus 0, so that ranges always include 0."""
    return [0.0] + [v for s in series for v in s.values if not math.isnan(v)]


def line_chart(
    series: Sequence[Series],
    *,
    width: int = 640,
    height: int = 260,
    y_label: Callable[[float], str] = percent_label,
    y_cap: float | None = None,
    y_values: Sequence[float] | None = None,
) -> LineChart:
    """Lay out `series` against x = 0..longest−1 with a y range that always includes 0.

    With `y_cap`, the y range stops there; higher values run off the top of the plot
    (the template clips them), so one outlier does not flatten every other line.
    """
    values = _finite(series)
    last_x = max(max((len(s.values) for s in series), default=1) - 1, 1)
    x_values = [v for v in nice_ticks(0, last_x, 6, integer=True) if v <= last_x]
    top = max(values) if y_cap is None else min(max(values), y_cap)
    y_values = list(y_values or nice_ticks(min(values), top, 4))  # given: e.g. a log scale
    box = plot_box(width, height, [y_label(v) for v in y_values])
    x = Scale(0, last_x, box.left, box.right)
    y = Scale(y_values[0], y_values[-1], box.bottom, box.top)
    lines = tuple(_line(s, x, y) for s in series)
    return LineChart(
        box=box,
        x_ticks=ticks(x_values, x, count_label),
        y_ticks=ticks(y_values, y, y_label),
        zero=round(y(0.0), 1),
        lines=lines,
        capped=max(values) > y_values[-1],
    )


def outlier_cap(series: Sequence[Series], ratio: float = 3.0) -> float | None:
    """Return a y cap when one series peaks above `ratio` × every other's peak, else None.

    The cap is the second-highest peak; with fewer than 3 series nothing is capped.
    """
    peaks = sorted((max(_finite([s])) for s in series), reverse=True)
    if len(peaks) < 3 or peaks[1] <= 0 or peaks[0] <= ratio * peaks[1]:
        return None
    return peaks[1]


def _line(series: Series, x: Scale, y: Scale) -> Line:
    present = [i for i, v in enumerate(series.values) if not math.isnan(v)]
    shown = series.values if series.shown is None else series.shown
    points = tuple(
        Point(round(x(i), 1), round(y(series.values[i]), 1), i, float(shown[i])) for i in present
    )
    end = (points[-1].x, points[-1].y) if points else None
    path = line_path(range(len(series.values)), series.values, x, y)
    return Line(series.label, series.colour, series.emphasis, path, end, points)
