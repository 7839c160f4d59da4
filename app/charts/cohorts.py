"""Chart layouts of cohort triangles: the heatmap table, ROI-by-age curves, payback bars.

Pure (numpy and app.charts.svg only): a view passes a report's triangle and economics in and
renders what comes out. Cohorts without spend and leads (quiet weeks) are left out.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from app.charts.lines import LineChart, Series, line_chart
from app.charts.svg import BarChart, bar_chart, colour, percent_label
from cohorts.report import ChannelReport
from cohorts.triangle import CohortTriangle

TriangleMetric = Literal["revenue", "customers", "roi"]
TRIANGLE_METRICS: dict[str, str] = {
    "revenue": "Cumulative revenue",
    "customers": "Cumulative customers",
    "roi": "ROI",
}
RECENT_COHORTS = 8
CURVE_MAX_AGE = 26

NEGATIVE_RGB = (192, 57, 43)
POSITIVE_RGB = (30, 132, 73)
VOLUME_RGB = (47, 111, 222)


def heat_colour(value: float, low: float, high: float, rgb: tuple[int, int, int]) -> str:
    """Return a CSS rgba() background whose opacity grows with |value| up to the scale's end.

    Positive values use `rgb` scaled by `high` (> 0); negative ones are red, scaled by
    `low` (< 0). NaN, zero and values without a scale on their side give "" (no colour).
    """
    if math.isnan(value) or value == 0:
        return ""
    if value > 0 and high > 0:
        share, (r, g, b) = min(value / high, 1.0), rgb
    elif value < 0 and low < 0:
        share, (r, g, b) = min(value / low, 1.0), NEGATIVE_RGB
    else:
        return ""
    return f"rgba({r}, {g}, {b}, {0.08 + 0.5 * share:.2f})"


@dataclass(frozen=True)
class HeatCell:
    """One triangle cell: its value (None when undefined or not reached) and background."""

    value: float | None
    reached: bool
    background: str


@dataclass(frozen=True)
class HeatRow:
    """One cohort row of the heatmap."""

    week: str
    spend_minor: int
    leads: int
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True)
class Heatmap:
    """Cohorts newest first × ages 0..oldest shown; `total` counts every active cohort."""

    metric: TriangleMetric
    ages: tuple[int, ...]
    rows: tuple[HeatRow, ...]
    total: int


def active_rows(triangle: CohortTriangle) -> np.ndarray:
    """Return the row indices of cohorts with spend or leads, oldest first."""
    return np.flatnonzero((triangle.spend_minor > 0) | (triangle.leads > 0))


def heatmap(triangle: CohortTriangle, metric: TriangleMetric, limit: int) -> Heatmap:
    """Return the newest `limit` active cohorts of `metric`, coloured by value.

    Revenue and customers shade from 0 to the largest shown value; ROI shades losses red
    (down to the worst shown) and gains green (up to the best shown). NaN cells are blank.
    """
    active = active_rows(triangle)
    rows = active[::-1][:limit]
    values = {
        "revenue": triangle.revenue_minor,
        "customers": triangle.customers,
        "roi": triangle.roi,
    }[metric][rows]
    n_ages = int(triangle.current_age[rows].max()) + 1 if rows.size else 0
    shown = values[:, :n_ages]
    finite = shown[~np.isnan(shown)]
    low, high = float(finite.min(initial=0.0)), float(finite.max(initial=0.0))
    rgb = POSITIVE_RGB if metric == "roi" else VOLUME_RGB
    heat_rows = tuple(
        HeatRow(
            week=str(triangle.weeks[row]),
            spend_minor=int(triangle.spend_minor[row]),
            leads=int(triangle.leads[row]),
            cells=tuple(
                HeatCell(
                    value=None if np.isnan(v) else float(v),
                    reached=bool(triangle.reached[row, age]),
                    background=heat_colour(float(v), low, high, rgb),
                )
                for age, v in enumerate(shown[i])
            ),
        )
        for i, row in enumerate(rows)
    )
    return Heatmap(metric, tuple(range(n_ages)), heat_rows, total=int(active.size))


def roi_curves(report: ChannelReport, recent: int = RECENT_COHORTS) -> list[Series]:
    """Return ROI by age of the newest `recent` cohorts (spend, age ≥ 1), then the pooled curve.

    Curves stop at CURVE_MAX_AGE weeks so that recent cohorts stay readable.
    """
    t = report.triangle
    rows = [int(i) for i in active_rows(t) if t.spend_minor[i] > 0 and t.current_age[i] >= 1]
    chosen = rows[-recent:][::-1]
    cohorts = [
        Series(f"Cohort {t.weeks[i]}", _ages(t.roi[i, : t.current_age[i] + 1]), colour(k))
        for k, i in enumerate(chosen)
    ]
    pooled = Series("All cohorts (pooled)", _ages(report.economics.roi_by_age), "#1d2433", True)
    return cohorts + [pooled]


def _ages(values: np.ndarray) -> list[float]:
    return [float(v) for v in values[: CURVE_MAX_AGE + 1]]


def roi_chart(series: Sequence[Series], width: int = 560) -> LineChart:
    """Return the ROI-by-age line chart of `series`."""
    return line_chart(series, width=width, height=260)


@dataclass(frozen=True)
class PaybackCounts:
    """How many cohorts paid back at each age (0..max), and how many have not yet."""

    by_week: tuple[int, ...]
    not_yet: int

    @property
    def cohorts(self) -> int:
        """Return the number of cohorts counted."""
        return sum(self.by_week) + self.not_yet


def payback_counts(triangle: CohortTriangle) -> PaybackCounts:
    """Count cohorts with spend by their payback week (−1 in the triangle: not yet)."""
    weeks = triangle.payback_week[triangle.spend_minor > 0]
    paid = weeks[weeks >= 0]
    by_week = np.bincount(paid, minlength=1) if paid.size else np.zeros(0, dtype=np.int64)
    return PaybackCounts(tuple(int(c) for c in by_week), int((weeks < 0).sum()))


def payback_chart(counts: PaybackCounts) -> BarChart:
    """Return bars of cohorts by payback week, then a muted "not yet" bar."""
    labels = [str(week) for week in range(len(counts.by_week))] + ["not yet"]
    values = [*counts.by_week, counts.not_yet]
    muted = [False] * len(counts.by_week) + [True]
    return bar_chart(labels, values, muted=muted, width=420, height=240)


# Return multiples (revenue ÷ spend = 1 + ROI) that label a log ROI axis: 1 is break-even.
_MULTIPLES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0,
              500.0, 1000.0)
_FLOOR = 0.01  # a multiple below 1 % of spend back (ROI < −99 %) is drawn at −99 %


def log_roi_chart(series: Sequence[Series], *, width: int = 860, height: int = 320) -> LineChart:
    """Return ROI curves on a log scale of the return multiple 1 + ROI, so a channel at
    +3,000 % and one at −40 % are both readable; ticks are labelled in ROI %.

    NaN (an age not reached) stays a gap; the ticks span every value and always 0 %.
    """
    logged = [Series(s.label, [math.log10(max(1 + v, _FLOOR)) if not math.isnan(v) else v
                               for v in s.values], s.colour, s.emphasis, shown=s.values)
              for s in series]
    seen = [0.0] + [v for s in logged for v in s.values if not math.isnan(v)]
    lo, hi = min(seen), max(seen)
    steps = [math.log10(m) for m in _MULTIPLES]
    below = max([t for t in steps if t <= lo + 1e-9], default=steps[0])
    above = min([t for t in steps if t >= hi - 1e-9], default=steps[-1])
    ticks = [t for t in steps if below - 1e-9 <= t <= above + 1e-9]
    if len(ticks) > 7:  # keep every other step, always with break-even (0 %) and both ends
        ticks = sorted({*ticks[::2], 0.0, ticks[0], ticks[-1]})
    return line_chart(logged, width=width, height=height, y_values=ticks,
                      y_label=lambda v: percent_label(10**v - 1))
