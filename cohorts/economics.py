"""Channel economics aggregated from cohorts (SPEC §3): CAC, LTV, ROI, payback, rules.

Totals are sums over cohorts and ratios of those sums — never averages of ratios.
Every ratio with a zero denominator is None (undefined), never 0 or infinity.
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from cohorts.triangle import CohortTriangle, payback_weeks, pooled_roi_by_age, project

WEEKS_PER_MONTH = 52 / 12
# "undecided": an interval straddles the threshold (the projected LTV rule, app.results.ltv).
RuleResult = Literal["pass", "fail", "not_enough_data", "undecided"]


def ratio(numerator: float, denominator: float) -> float | None:
    """Return numerator / denominator, or None when the denominator is 0."""
    return None if denominator == 0 else numerator / denominator


@dataclass(frozen=True)
class ChannelEconomics:
    """A channel's totals to date; money in minor units, ratios as plain fractions."""

    spend_minor: int
    leads: int
    customers: int
    revenue_minor: int
    cpl_minor: float | None
    cac_minor: float | None
    conversion_rate: float | None
    ltv_minor: float | None
    ltv_projected_minor: float | None
    projection_horizon: int  # weeks the projection reaches
    projection_support: int  # cohorts behind its last development factor
    roi: float | None
    payback_week: int | None  # None: not yet paid back (or no spend)
    ltv_to_cac: float | None
    program_cost_share: float | None
    roi_by_age: npt.NDArray[np.float64]


def channel_economics(
    triangle: CohortTriangle, margin: float = 1.0, horizon: int = 52
) -> ChannelEconomics:
    """Return the channel's totals from its cohort triangle (margin applies to ROI and LTV)."""
    current = np.arange(len(triangle.weeks)), triangle.current_age
    spend = int(triangle.spend_minor.sum())
    leads = int(triangle.leads.sum())
    customers = int(np.nansum(triangle.customers[current]))
    revenue = int(round(float(np.nansum(triangle.revenue_minor[current]))))
    revenue_at = project(triangle.revenue_minor, triangle, horizon)
    customers_at = project(triangle.customers, triangle, horizon)
    ltv = ratio(revenue * margin, customers)
    cac = ratio(spend, customers)
    roi_by_age = pooled_roi_by_age(triangle, margin)
    payback = int(payback_weeks(roi_by_age[None, :])[0]) if roi_by_age.size else -1
    return ChannelEconomics(
        spend_minor=spend,
        leads=leads,
        customers=customers,
        revenue_minor=revenue,
        cpl_minor=ratio(spend, leads),
        cac_minor=cac,
        conversion_rate=ratio(customers, leads),
        ltv_minor=ltv,
        ltv_projected_minor=ratio(
            float(revenue_at.values.sum()) * margin, float(customers_at.values.sum())
        ),
        projection_horizon=revenue_at.horizon,
        projection_support=revenue_at.support,
        roi=ratio(revenue * margin - spend, spend),
        payback_week=payback if payback >= 0 else None,
        ltv_to_cac=None if ltv is None or not cac else ltv / cac,
        program_cost_share=ratio(spend, revenue) if revenue > 0 else None,
        roi_by_age=roi_by_age,
    )


@dataclass(frozen=True)
class Viability:
    """The two rules of thumb of SPEC §1 for one channel."""

    ltv_to_cac: RuleResult
    payback: RuleResult


def viability(
    economics: ChannelEconomics,
    *,
    ltv_to_cac_min: float = 3.0,
    payback_max_months: float = 6.0,
    min_customers: int = 5,
) -> Viability:
    """Judge LTV ≥ k × CAC and payback ≤ m months; too few customers or ages → not enough data."""
    if economics.customers < min_customers or economics.ltv_to_cac is None:
        ltv_rule: RuleResult = "not_enough_data"
    else:
        ltv_rule = "pass" if economics.ltv_to_cac >= ltv_to_cac_min else "fail"
    limit = payback_max_months * WEEKS_PER_MONTH
    oldest_age = int(np.flatnonzero(~np.isnan(economics.roi_by_age)).max(initial=-1))
    if economics.customers < min_customers:
        payback_rule: RuleResult = "not_enough_data"
    elif economics.payback_week is not None:
        payback_rule = "pass" if economics.payback_week <= limit else "fail"
    elif oldest_age < limit:
        payback_rule = "not_enough_data"
    else:
        payback_rule = "fail"
    return Viability(ltv_to_cac=ltv_rule, payback=payback_rule)


def percentile_of_histogram(
    values: npt.NDArray[np.int64], counts: npt.NDArray[np.int64], q: float
) -> float | None:
    """Return the q-th percentile (0–100, linear interpolation as numpy's default) of
    `values` repeated `counts` times; None when the counts sum to 0."""
    order = np.argsort(values, kind="stable")
    values, counts = values[order], counts[order]
    total = int(counts.sum())
    if total == 0:
        return None
    position = q / 100 * (total - 1)
    ends = np.cumsum(counts)
    low = values[np.searchsorted(ends, np.floor(position), side="right")]
    high = values[np.searchsorted(ends, np.ceil(position), side="right")]
    return float(low + (high - low) * (position - np.floor(position)))
