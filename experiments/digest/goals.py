"""Goals progress for the weekly email: a month's targets against its weeks so far (pure).

A week counts towards the month its first day falls in, so a month's actuals are the sums
of the weekly series over those weeks up to and including the digest's week.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from cohorts.economics import ratio

GoalStatus = Literal["met", "open", "over"]


@dataclass(frozen=True)
class GoalTarget:
    """A month's SMART targets, overall (channel_id None) or for one channel; None: no target."""

    month: date
    channel_id: int | None
    leads: int | None = None
    new_customers: int | None = None
    revenue_minor: int | None = None
    max_cac_minor: int | None = None


@dataclass(frozen=True)
class WeeklySeries:
    """Weekly series of a channel or of all channels, oldest first, last = the digest's week."""

    spend_minor: Sequence[int]
    leads: Sequence[int]
    customers: Sequence[int]
    revenue_minor: Sequence[int]


@dataclass(frozen=True)
class GoalLine:
    """One target against the month's actual so far; share = actual / target (None if 0)."""

    metric: str
    label: str
    money: bool
    target: int
    actual: float | None
    share: float | None
    status: GoalStatus


@dataclass(frozen=True)
class GoalProgress:
    """A goal's month, whom it is for and its lines (weeks_counted: weeks summed so far)."""

    month: date
    scope: str
    weeks_counted: int
    lines: list[GoalLine]


def month_weeks(week: date, month: date, available: int) -> list[int]:
    """Return how many weeks back (0 = `week`) each week of `month` up to `week` lies,
    among the `available` weeks of the series."""
    found = []
    for back in range(available):
        start = week - timedelta(days=7 * back)
        if (start.year, start.month) == (month.year, month.month):
            found.append(back)
        elif start < month.replace(day=1):
            break
    return found


def _sum(values: Sequence[int], backs: Sequence[int]) -> int:
    return sum(int(values[len(values) - 1 - b]) for b in backs)


def _count_line(metric: str, label: str, money: bool, target: int, actual: int) -> GoalLine:
    status: GoalStatus = "met" if actual >= target else "open"
    return GoalLine(metric, label, money, target, actual, ratio(actual, target), status)


def goal_progress(goal: GoalTarget, scope: str, series: WeeklySeries,
                  week: date) -> GoalProgress:
    """Return the goal's targets against the month's weeks so far (CAC: their spend over
    their new customers; "over" when above the maximum, None when no customer yet)."""
    backs = month_weeks(week, goal.month, len(series.spend_minor))
    leads, customers = _sum(series.leads, backs), _sum(series.customers, backs)
    revenue, spend = _sum(series.revenue_minor, backs), _sum(series.spend_minor, backs)
    lines = []
    if goal.leads is not None:
        lines.append(_count_line("leads", "Leads", False, goal.leads, leads))
    if goal.new_customers is not None:
        lines.append(_count_line("new_customers", "New customers", False, goal.new_customers,
                                 customers))
    if goal.revenue_minor is not None:
        lines.append(_count_line("revenue_minor", "Revenue", True, goal.revenue_minor, revenue))
    if goal.max_cac_minor is not None:
        cac = ratio(spend, customers)
        status: GoalStatus = "open" if cac is None else (
            "over" if cac > goal.max_cac_minor else "met")
        lines.append(GoalLine("max_cac_minor", "CAC at most", True, goal.max_cac_minor, cac,
                              ratio(cac, goal.max_cac_minor) if cac is not None else None,
                              status))
    return GoalProgress(goal.month, scope, len(backs), lines)
