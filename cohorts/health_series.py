"""From cohort counts to health series, and health as of past week ends (status changes).

Pure numpy. Past as-of dates are derived by truncating today's cohort counts: as of the end
of cohort week e, cohort w has reached age e − w and purchases at later ages had not
happened yet. That is exact for complete weeks, so no snapshot table is needed and history
always agrees with the current data (a backfill rewrites history consistently).
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from channels.health import ChannelHealth, HealthSeries, HealthSettings, assess, maturity_weeks
from cohorts.triangle import CohortCounts

HISTORY_WEEKS = 12


@dataclass(frozen=True)
class ChannelFacts:
    """What the query layer reads for one channel: cohorts, weekly traffic (−1: not logged,
    aligned with counts.weeks) and the 75th-percentile sales cycle in days (None: unknown)."""

    counts: CohortCounts
    impressions: npt.NDArray[np.int64]
    clicks: npt.NDArray[np.int64]
    p75_days: float | None


@dataclass(frozen=True)
class StatusChange:
    """A channel's status changed at the end of a week (`on`: the as-of date of the change)."""

    on: date
    previous: str
    status: str
    reason: str


def health_series(facts: ChannelFacts, settings: HealthSettings,
                  margin: float = 1.0) -> HealthSeries:
    """Return the weekly series; customers count purchases within the maturity age only."""
    counts = facts.counts
    maturity = maturity_weeks(settings.mature_weeks, facts.p75_days)
    customers = counts.new_customers[:, :maturity].sum(axis=1).astype(np.int64)
    total_customers = int(counts.new_customers.sum())
    ltv = (margin * float(counts.revenue_minor.sum()) / total_customers
           if total_customers > 0 else None)
    return HealthSeries(
        weeks=counts.weeks, spend_minor=counts.spend_minor, leads=counts.leads,
        customers=customers, mature=counts.current_age >= maturity,
        impressions=facts.impressions, clicks=facts.clicks, maturity=maturity, ltv_minor=ltv,
    )


def facts_as_of_week(facts: ChannelFacts, last: int) -> ChannelFacts:
    """Return the facts as of the end of cohort week index `last` (0 ≤ last < W)."""
    c = facts.counts
    keep = slice(0, last + 1)
    age = (last - np.arange(last + 1)).astype(np.int64)
    reached = np.arange(c.new_customers.shape[1])[None, :] <= age[:, None]
    counts = CohortCounts(
        weeks=c.weeks[keep], current_age=age, spend_minor=c.spend_minor[keep],
        leads=c.leads[keep], new_customers=np.where(reached, c.new_customers[keep], 0),
        revenue_minor=np.where(reached, c.revenue_minor[keep], 0),
    )
    return replace(facts, counts=counts, impressions=facts.impressions[keep],
                   clicks=facts.clicks[keep])


def status_history(facts: ChannelFacts, settings: HealthSettings, margin: float = 1.0,
                   weeks: int = HISTORY_WEEKS) -> list[tuple[date, ChannelHealth]]:
    """Return health as of the end of each of the last `weeks` complete weeks, oldest first.

    The as-of week itself (possibly partial) is excluded; empty when there are no such weeks.
    """
    n = len(facts.counts.weeks)
    points = []
    for last in range(max(n - 1 - weeks, 0), n - 1):
        week_end = facts.counts.weeks[last].astype(date) + timedelta(days=6)
        series = health_series(facts_as_of_week(facts, last), settings, margin)
        health = assess(series, settings, with_capacity=False)
        points.append((week_end, health))
    return points


def status_changes(points: list[tuple[date, ChannelHealth]]) -> list[StatusChange]:
    """Return each change of status between consecutive points, newest first."""
    changes = [
        StatusChange(on, before.status, after.status, after.reason)
        for (_, before), (on, after) in zip(points, points[1:], strict=False)
        if before.status != after.status
    ]
    return changes[::-1]
