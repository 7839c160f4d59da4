"""Cohort triangles of one channel (SPEC §3): cumulative customers, revenue and ROI by age.

A channel's weekly cohorts are rows `w`, purchase ages (weeks since the cohort week) are
columns `a`. Ages a cohort has not reached yet are absent: they are NaN in float arrays
and False in `reached`, never 0. Money is int64 minor units; ratios are float64.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class CohortCounts:
    """Aggregated facts of one channel's cohorts, as SQL GROUP BY returns them.

    weeks: (W,) datetime64[D] cohort week starts, ascending.
    current_age: (W,) int, the age of the as-of date for each cohort (≥ 0).
    spend_minor, leads: (W,) int, spend in the cohort's week and leads created in it.
    new_customers: (W, A) int, leads whose first purchase falls at age a.
    revenue_minor: (W, A) int, sum of purchase amounts (refunds negative) at age a.
    A must exceed max(current_age); events past a cohort's current age must be zero.
    """

    weeks: npt.NDArray[np.datetime64]
    current_age: IntArray
    spend_minor: IntArray
    leads: IntArray
    new_customers: IntArray
    revenue_minor: IntArray


def pool_counts(parts: Sequence[CohortCounts]) -> CohortCounts:
    """Return the cohorts of several channels added week by week, as if they were one channel.

    Every part must end at the same cohort week (all are as of one date); parts that start
    later count zero in the earlier weeks. Raise ValueError for no parts or unaligned ones.
    """
    if not parts:
        raise ValueError("pool_counts needs at least one channel's cohorts")
    longest = max(parts, key=lambda part: len(part.weeks))
    n_weeks = len(longest.weeks)
    n_ages = max(part.new_customers.shape[1] for part in parts)
    spend, leads = np.zeros(n_weeks, np.int64), np.zeros(n_weeks, np.int64)
    new_customers = np.zeros((n_weeks, n_ages), np.int64)
    revenue = np.zeros((n_weeks, n_ages), np.int64)
    for part in parts:
        start = n_weeks - len(part.weeks)
        if not np.array_equal(part.weeks, longest.weeks[start:]):
            raise ValueError("pool_counts needs cohorts that end at the same week")
        ages = part.new_customers.shape[1]
        spend[start:] += part.spend_minor
        leads[start:] += part.leads
        new_customers[start:, :ages] += part.new_customers
        revenue[start:, :ages] += part.revenue_minor
    return CohortCounts(
        weeks=longest.weeks,
        current_age=longest.current_age,
        spend_minor=spend,
        leads=leads,
        new_customers=new_customers,
        revenue_minor=revenue,
    )


@dataclass(frozen=True)
class CohortTriangle:
    """Cumulative cohort development; NaN where a cohort has not reached an age."""

    weeks: npt.NDArray[np.datetime64]
    current_age: IntArray
    spend_minor: IntArray
    leads: IntArray
    reached: BoolArray  # (W, A)
    customers: FloatArray  # (W, A) cumulative customers
    revenue_minor: FloatArray  # (W, A) cumulative revenue, exact integers held in float64
    roi: FloatArray  # (W, A) (revenue × margin − spend) / spend; NaN when spend is 0
    payback_week: IntArray  # (W,) first age with ROI ≥ 0, −1 while not yet


def _masked_cumsum(values: IntArray, reached: BoolArray) -> FloatArray:
    """Return the cumulative sum along ages, NaN where the age is not reached."""
    cumulative = np.cumsum(values, axis=1, dtype=np.int64).astype(np.float64)
    cumulative[~reached] = np.nan
    return cumulative


def payback_weeks(roi: FloatArray) -> IntArray:
    """Return, per row of `roi` (W, A), the first age with ROI ≥ 0; −1 if none (NaN never pays)."""
    pays = np.nan_to_num(roi, nan=-np.inf) >= 0.0
    first = np.argmax(pays, axis=1)
    return np.where(pays.any(axis=1), first, -1).astype(np.int64)


def roi_of(revenue_minor: FloatArray, spend_minor: FloatArray, margin: float) -> FloatArray:
    """Return (revenue × margin − spend) / spend elementwise; NaN where spend is 0."""
    spend = np.asarray(spend_minor, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = (revenue_minor * margin - spend) / spend
    return np.where(spend > 0, roi, np.nan)


def build_triangle(counts: CohortCounts, margin: float = 1.0) -> CohortTriangle:
    """Return the cumulative triangle of `counts`; an empty input gives empty arrays."""
    n_ages = counts.new_customers.shape[1]
    ages = np.arange(n_ages)
    reached = ages[None, :] <= counts.current_age[:, None]
    revenue = _masked_cumsum(counts.revenue_minor, reached)
    roi = roi_of(revenue, counts.spend_minor[:, None].astype(np.float64), margin)
    return CohortTriangle(
        weeks=counts.weeks,
        current_age=counts.current_age,
        spend_minor=counts.spend_minor,
        leads=counts.leads,
        reached=reached,
        customers=_masked_cumsum(counts.new_customers, reached),
        revenue_minor=revenue,
        roi=roi,
        payback_week=payback_weeks(roi),
    )


def pooled_roi_by_age(triangle: CohortTriangle, margin: float = 1.0) -> FloatArray:
    """Return the channel's ROI at each age over the cohorts that reached it (spend-weighted).

    ROI_a = (Σ revenue_{w,a} × margin − Σ spend_w) / Σ spend_w over cohorts w with age ≥ a;
    NaN where no cohort with spend reached age a.
    """
    reached = triangle.reached
    spend = np.where(reached, triangle.spend_minor[:, None], 0).sum(axis=0).astype(np.float64)
    revenue = np.where(reached, triangle.revenue_minor, 0.0).sum(axis=0)
    return roi_of(revenue, spend, margin)


@dataclass(frozen=True)
class Development:
    """Chain-ladder development factors: factor[a] takes cumulative values from age a to a+1."""

    factor: FloatArray  # (A−1,) NaN where no cohort supports it or the base is 0
    support: IntArray  # (A−1,) number of cohorts that reached age a+1


def development_factors(cumulative: FloatArray, reached: BoolArray) -> Development:
    """Return volume-weighted factors f_a = Σ C[w,a+1] / Σ C[w,a] over cohorts reaching a+1."""
    later = reached[:, 1:]
    numerator = np.where(later, cumulative[:, 1:], 0.0).sum(axis=0)
    base = np.where(later, cumulative[:, :-1], 0.0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(base > 0, numerator / base, np.nan)
    return Development(factor=factor, support=later.sum(axis=0).astype(np.int64))


@dataclass(frozen=True)
class Projection:
    """Cumulative values developed to `horizon` weeks (or as far as older cohorts reach)."""

    values: FloatArray  # (W,) projected cumulative value per cohort
    horizon: int  # age projected to: min(requested horizon, oldest age observed)
    support: int  # cohorts behind the last factor used (0 when nothing was projected)


def project(cumulative: FloatArray, triangle: CohortTriangle, horizon: int) -> Projection:
    """Develop each cohort's value at its current age to `horizon` by chain-ladder.

    Cohorts already past the horizon keep their value at the horizon. A factor without a
    base (older cohorts had nothing yet at that age) is taken as 1: there is no growth to
    carry forward.
    """
    n_ages = cumulative.shape[1]
    target = min(horizon, n_ages - 1, int(triangle.current_age.max(initial=0)))
    development = development_factors(cumulative, triangle.reached)
    factor = np.nan_to_num(development.factor, nan=1.0)
    # growth[a] = Π_{j=a}^{target−1} f_j: the development from age a to the target age.
    tail = np.append(factor[:target], 1.0)
    growth = np.cumprod(tail[::-1])[::-1]
    start = np.minimum(triangle.current_age, target)
    observed = cumulative[np.arange(len(start)), start]
    values = np.nan_to_num(observed, nan=0.0) * growth[start]
    support = int(development.support[target - 1]) if target > 0 else 0
    return Projection(values=values, horizon=target, support=support)
