"""SVG geometry for server-rendered charts: scales, nice ticks, line paths, sparklines, bars.

Pure: numbers in, SVG coordinates and small frozen dataclasses out (templates draw them).
SVG's y axis points down, so value scales map the low end of the domain to the bottom of
the plot. NaN (an age a cohort has not reached) breaks a line; it is never drawn as 0.
Line charts (series against age, with a hover value per point) are in `app.charts.lines`.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

PALETTE = (
    "#2f6fde", "#e67e22", "#1e8449", "#8e44ad", "#c0392b", "#16a085", "#d4ac0d", "#34495e",
    "#e84393", "#7f8c8d", "#00a8e8", "#a0522d", "#7cb518", "#b33771", "#1b2a6b", "#f0932b",
)  # fmt: skip


def colour(index: int) -> str:
    """Return the palette colour of series `index` (the palette repeats after 16)."""
    return PALETTE[index % len(PALETTE)]


def fmt(value: float) -> str:
    """Return a coordinate rounded to 0.1 px without trailing zeros ("12", "12.5")."""
    return f"{round(value, 1) + 0.0:g}"


@dataclass(frozen=True)
class Scale:
    """Linear map of the domain [lo, hi] onto the pixel range [start, end]."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        """Return the pixel position of `value`; a zero-width domain maps to the range middle."""
        if self.hi == self.lo:
            return (self.start + self.end) / 2
        return self.start + (value - self.lo) / (self.hi - self.lo) * (self.end - self.start)


def nice_step(span: float, count: int) -> float:
    """Return the smallest step of 1, 2 or 5 × 10^k splitting `span` (> 0) in ≤ `count` parts."""
    raw = span / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5):
        if raw <= multiple * power * (1 + 1e-9):
            return multiple * power
    return 10 * power


def nice_ticks(lo: float, hi: float, count: int = 4, *, integer: bool = False) -> list[float]:
    """Return evenly spaced round values from ≤ lo to ≥ hi (about `count` intervals).

    A zero span is widened to [lo, lo + 1]; `integer` keeps steps whole (weeks, counts).
    """
    lo, hi = min(lo, hi), max(lo, hi)
    if hi == lo:
        hi = lo + 1
    step = nice_step(hi - lo, count)
    if integer:
        step = max(1.0, math.ceil(step))
    first = math.floor(lo / step + 1e-9) * step
    intervals = math.ceil((hi - first) / step - 1e-9)
    return [round(first + i * step, 10) + 0.0 for i in range(intervals + 1)]


def line_path(xs: Sequence[float], ys: Sequence[float], x: Scale, y: Scale) -> str:
    """Return SVG path data through the points; NaN y breaks the line, a lone point is a dot."""
    runs: list[list[str]] = [[]]
    for x_value, y_value in zip(xs, ys, strict=True):
        if math.isnan(y_value):
            runs.append([])
        else:
            runs[-1].append(f"{fmt(x(x_value))},{fmt(y(y_value))}")
    parts = ["M" + " L".join(run) + (" h0" if len(run) == 1 else "") for run in runs if run]
    return " ".join(parts)


@dataclass(frozen=True)
class Tick:
    """An axis tick: its value, its pixel position and its label."""

    value: float
    at: float
    label: str


def ticks(values: Sequence[float], scale: Scale, label: Callable[[float], str]) -> tuple[Tick, ...]:
    """Return ticks for `values` placed by `scale` and labelled by `label`."""
    return tuple(Tick(v, round(scale(v), 1), label(v)) for v in values)


def percent_label(value: float) -> str:
    """Return a ratio as a whole percentage label ("-40 %", "0 %", "120 %")."""
    return f"{value * 100:.0f} %"


def count_label(value: float) -> str:
    """Return a whole-number tick label."""
    return f"{value:.0f}"


@dataclass(frozen=True)
class Box:
    """A chart's size and its plot area (pixels from the top-left corner)."""

    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int


def plot_box(width: int, height: int, y_labels: Sequence[str] = ()) -> Box:
    """Return the plot area, its left margin fitting the longest y label and the y axis title."""
    longest = max((len(label) for label in y_labels), default=0)
    left = max(40, math.ceil(longest * 6.6) + 8 + 16)  # 11 px digits ≈ 6.2 px; title 16 px
    return Box(width, height, left=left, top=12, right=width - 14, bottom=height - 34)


@dataclass(frozen=True)
class Sparkline:
    """A tiny trend line: path data, the last point and a text alternative.

    When the last value covers a week still running, `path` stops before it and `tail`
    (drawn dashed) leads to it, so a week just begun does not read as a collapse.
    """

    width: int
    height: int
    path: str
    end: tuple[float, float]
    values: tuple[float, ...]
    tail: str = ""  # path data of the segment to a partial last value, else ""

    @property
    def partial(self) -> bool:
        """Return whether the last value is of a week still running."""
        return bool(self.tail)


def sparkline(
    values: Sequence[float], *, partial_last: bool = False, width: int = 84, height: int = 22
) -> Sparkline:
    """Return a sparkline of `values` (oldest first) scaled from min(0, values) to max(values).

    With `partial_last`, the last value is of a week still running: it gets its own tail.
    """
    pad = 2
    x = Scale(0, max(len(values) - 1, 1), pad, width - pad)
    y = Scale(min(0.0, *values) if values else 0.0, max(values, default=0.0), height - pad, pad)
    if y.lo == y.hi:  # a flat series lies on the baseline, not mid-height
        y = Scale(y.lo, y.lo + 1, height - pad, pad)
    last = len(values) - 1
    end = (round(x(last), 1), round(y(values[last]), 1)) if values else (0.0, 0.0)
    if partial_last and len(values) >= 2:
        path = line_path(range(last), values[:last], x, y)
        tail = line_path([last - 1, last], values[last - 1:], x, y)
        return Sparkline(width, height, path, end, tuple(values), tail)
    return Sparkline(width, height, line_path(range(len(values)), values, x, y), end,
                     tuple(values))  # fmt: skip


@dataclass(frozen=True)
class Bar:
    """One bar of a bar chart, in pixels; `muted` bars are drawn in a secondary colour."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    muted: bool
    labelled: bool  # whether the x label is drawn (at most about 12 are, to stay legible)


@dataclass(frozen=True)
class BarChart:
    """Bars standing on a common baseline, with y ticks of whole counts."""

    box: Box
    bars: tuple[Bar, ...]
    y_ticks: tuple[Tick, ...]


def bar_chart(
    labels: Sequence[str],
    values: Sequence[int],
    *,
    muted: Sequence[bool] | None = None,
    width: int = 420,
    height: int = 220,
) -> BarChart:
    """Lay out one bar per label in equal bands (70 % bar, 30 % gap), counts from 0 up.

    With many bars only every k-th x label (and the last, alone) is drawn so none overlap.
    """
    y_values = nice_ticks(0, max(values, default=0), 4, integer=True)
    box = plot_box(width, height, [count_label(v) for v in y_values])
    y = Scale(y_values[0], y_values[-1], box.bottom, box.top)
    band = (box.right - box.left) / max(len(values), 1)
    flags = muted if muted is not None else [False] * len(values)
    every = max(1, math.ceil(len(values) / 12))
    bars = tuple(
        Bar(
            label=label,
            value=value,
            x=round(box.left + band * (i + 0.15), 1),
            y=round(y(value), 1),
            width=round(band * 0.7, 1),
            height=round(box.bottom - y(value), 1),
            muted=flag,
            labelled=i == len(values) - 1 or (i % every == 0 and len(values) - 1 - i >= every),
        )
        for i, (label, value, flag) in enumerate(zip(labels, values, flags, strict=True))
    )
    return BarChart(box=box, bars=bars, y_ticks=ticks(y_values, y, count_label))
