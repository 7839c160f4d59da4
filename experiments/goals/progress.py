"""Goal progress: actual month to date, projection to month end, and on/at risk/off track.

The one function the dashboard, the goals page, the API and the weekly email call is
`month_progress(targets, series, month, as_of)`: pure, from a daily series of the metrics.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

from experiments.goals.projection import Projection, project_month
from experiments.goals.targets import GOAL_KINDS, GoalKind

Status = Literal["on_track", "at_risk", "off_track", "met", "missed", "no_data"]
STATUS_LABELS: dict[str, str] = {
    "on_track": "On track", "at_risk": "At risk", "off_track": "Off track", "met": "Met",
    "missed": "Missed", "no_data": "No data",
}  # fmt: skip


@dataclass(frozen=True)
class DailySeries:
    """The goal metrics per day from `first` on (each shape (n,)): new inquiries, leads
    reaching the lead stage, leads reaching sales-ready, new customers (first purchases),
    revenue and spend in minor units (a week's spend spread evenly over its 7 days)."""

    first: date
    inquiries: npt.NDArray[np.float64]
    leads: npt.NDArray[np.float64]
    sales_ready_leads: npt.NDArray[np.float64]
    new_customers: npt.NDArray[np.float64]
    revenue_minor: npt.NDArray[np.float64]
    spend_minor: npt.NDArray[np.float64]

    @property
    def last(self) -> date:
        """Return the last day of the series."""
        return self.first + timedelta(days=int(self.inquiries.size) - 1)


@dataclass(frozen=True)
class GoalProgress:
    """One target's progress. Values are in the kind's unit: counts, minor units, or a ratio
    (0–1) for the lead-to-customer ratio whose `target` is in basis points. `low`/`high` bound
    the 80 % interval of the month's final value (None: unbounded or undefined)."""

    kind: GoalKind
    target: int
    actual: float | None
    expected: float | None
    low: float | None
    high: float | None
    status: Status

    @property
    def goal(self) -> float:
        """Return the target in the unit of the values (the ratio as a fraction)."""
        return self.target / 10_000 if self.kind.unit == "ratio" else float(self.target)


@dataclass(frozen=True)
class ScopeProgress:
    """One goal (a month, overall or one channel) with each target's progress: what the
    goals page, the dashboard's panel, the API and the weekly email all show."""

    month: date
    channel_id: int | None
    channel_name: str
    progress: tuple[GoalProgress, ...]


def status_of(kind: GoalKind, goal: float, p: tuple[float | None, ...], final: bool) -> Status:
    """Return the status of a projection p = (expected, low, high) against `goal`.

    On track: the projection reaches the goal; at risk: it does not, but the favourable end
    of the 80 % interval does; off track: not even that. After the month: met or missed.
    """
    expected, low, high = p
    if expected is None:
        return "no_data"
    at_least = kind.direction == "at_least"
    if (expected >= goal) if at_least else (expected <= goal):
        return "met" if final else "on_track"
    if final:
        return "missed"
    best = high if at_least else low
    reachable = best is None or (best >= goal if at_least else best <= goal)
    return "at_risk" if reachable else "off_track"


def _ratio(top: float, bottom: float | None) -> float | None:
    return None if bottom is None or bottom <= 0 else top / bottom


def _values(kind: GoalKind, p: dict[str, Projection]) -> tuple[float | None, ...]:
    """Return (actual, expected, low, high) of `kind` from the projected series."""
    if kind.unit != "ratio" and kind.key not in ("max_cac", "max_cpl"):
        one = p[kind.column]
        return one.actual, one.expected, one.low, one.high
    spend = p["spend_minor"]
    count = p["new_customers" if kind.key == "max_cac" else "leads"]
    if kind.key != "min_conversion":  # spend per count: more of the count, lower the cost
        return (_ratio(spend.actual, count.actual), _ratio(spend.expected, count.expected),
                _ratio(spend.expected, count.high), _ratio(spend.expected, count.low))
    customers, leads = p["new_customers"], p["leads"]
    return (_ratio(customers.actual, leads.actual), _ratio(customers.expected, leads.expected),
            _ratio(customers.low, leads.expected), _ratio(customers.high, leads.expected))


def month_progress(
    targets: dict[str, int], series: DailySeries, month: date, as_of: date
) -> tuple[GoalProgress, ...]:
    """Return the progress of each target set in `targets` (column → value), in kind order.

    `series` must run from at least 8 weeks before `as_of` (or the month's first day, if
    earlier) to `as_of`; missing days count as 0.
    """
    names = ("inquiries", "leads", "sales_ready_leads", "new_customers", "revenue_minor",
             "spend_minor")  # fmt: skip
    projected = {name: project_month(getattr(series, name), series.first, month, as_of)
                 for name in names}  # fmt: skip
    final = projected["inquiries"].final
    result = []
    for kind in GOAL_KINDS:
        if targets.get(kind.column) is None:
            continue
        actual, *p = _values(kind, projected)
        goal = targets[kind.column] / (10_000 if kind.unit == "ratio" else 1)
        result.append(GoalProgress(kind, targets[kind.column], actual, p[0], p[1], p[2],
                                   status_of(kind, goal, tuple(p), final)))  # fmt: skip
    return tuple(result)
