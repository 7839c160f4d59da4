"""Cohort triangles, payback and chain-ladder development — hand-checked scenarios."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from cohorts.economics import channel_economics, percentile_of_histogram, viability
from cohorts.triangle import (
    CohortCounts,
    build_triangle,
    development_factors,
    pool_counts,
    pooled_roi_by_age,
    project,
)

NAN = np.nan


def counts(current_age, spend, leads, new_customers, revenue) -> CohortCounts:  # type: ignore[no-untyped-def]
    """Build CohortCounts from plain lists (weeks are consecutive Mondays from 2026-01-05)."""
    n = len(current_age)
    weeks = np.datetime64("2026-01-05") + 7 * np.arange(n)
    return CohortCounts(
        weeks=weeks,
        current_age=np.array(current_age, dtype=np.int64),
        spend_minor=np.array(spend, dtype=np.int64),
        leads=np.array(leads, dtype=np.int64),
        new_customers=np.array(new_customers, dtype=np.int64).reshape(n, -1 if n else 1),
        revenue_minor=np.array(revenue, dtype=np.int64).reshape(n, -1 if n else 1),
    )


# Scenario A: three weekly cohorts of 10.00 spend; the youngest had no spend.
#   cohort 0 (age 2): 1 customer at age 0 paying 5.00, a second at age 1; +6.00, +1.00
#   cohort 1 (age 1): 2 customers at age 0 paying 8.00, then +3.00
#   cohort 2 (age 0): 1 customer paying 2.00
SCENARIO_A = counts(
    current_age=[2, 1, 0],
    spend=[1000, 1000, 0],
    leads=[10, 10, 5],
    new_customers=[[1, 1, 0], [2, 0, 0], [1, 0, 0]],
    revenue=[[500, 600, 100], [800, 300, 0], [200, 0, 0]],
)


def test_scenario_a_triangle() -> None:
    t = build_triangle(SCENARIO_A)
    assert_array_equal(t.customers, [[1, 2, 2], [2, 2, NAN], [1, NAN, NAN]])
    assert_array_equal(t.revenue_minor, [[500, 1100, 1200], [800, 1100, NAN], [200, NAN, NAN]])
    # ROI = (cumulative revenue − spend) / spend; the zero-spend cohort has no ROI at all.
    assert_allclose(t.roi, [[-0.5, 0.1, 0.2], [-0.2, 0.1, NAN], [NAN, NAN, NAN]])
    assert_array_equal(t.payback_week, [1, 1, -1])


def test_scenario_a_pooled_roi_and_development() -> None:
    t = build_triangle(SCENARIO_A)
    # age 0: (15.00 − 20.00)/20.00; age 1: cohorts 0–1 (22.00 − 20.00)/20.00; age 2: cohort 0.
    assert_allclose(pooled_roi_by_age(t), [-0.25, 0.1, 0.2])
    dev = development_factors(t.revenue_minor, t.reached)
    assert_allclose(dev.factor, [2200 / 1300, 1200 / 1100])
    assert_array_equal(dev.support, [2, 1])
    projected = project(t.revenue_minor, t, horizon=52)
    assert projected.horizon == 2 and projected.support == 1
    assert_allclose(projected.values, [1200, 1100 * 1200 / 1100, 200 * 2200 / 1300 * 1200 / 1100])


# Scenario B: a second channel that started a week after A's first cohort (same as-of date).
SCENARIO_B = CohortCounts(
    weeks=SCENARIO_A.weeks[1:],
    current_age=np.array([1, 0], dtype=np.int64),
    spend_minor=np.array([2000, 1000], dtype=np.int64),
    leads=np.array([4, 6], dtype=np.int64),
    new_customers=np.array([[1, 0], [0, 0]], dtype=np.int64),
    revenue_minor=np.array([[3000, 0], [0, 0]], dtype=np.int64),
)


def test_pooling_channels_adds_their_cohorts_week_by_week() -> None:
    pooled = pool_counts([SCENARIO_A, SCENARIO_B])
    assert_array_equal(pooled.weeks, SCENARIO_A.weeks)
    assert_array_equal(pooled.current_age, [2, 1, 0])
    assert_array_equal(pooled.spend_minor, [1000, 3000, 1000])
    assert_array_equal(pooled.leads, [10, 14, 11])
    assert_array_equal(pooled.new_customers, [[1, 1, 0], [3, 0, 0], [1, 0, 0]])
    assert_array_equal(pooled.revenue_minor, [[500, 600, 100], [3800, 300, 0], [200, 0, 0]])


def test_pooled_channels_have_their_own_payback_and_projection() -> None:
    a, b = (channel_economics(build_triangle(c)) for c in (SCENARIO_A, SCENARIO_B))
    assert (a.payback_week, b.payback_week) == (1, 0)
    e = channel_economics(build_triangle(pool_counts([SCENARIO_A, SCENARIO_B])))
    assert (e.spend_minor, e.leads, e.customers, e.revenue_minor) == (5000, 35, 6, 5500)
    # age 0: (45.00 − 50.00)/50.00; age 1: cohorts 0–1 (52.00 − 40.00)/40.00; age 2: cohort 0.
    assert_allclose(e.roi_by_age, [-0.1, 0.3, 0.2])
    assert e.payback_week == 1  # not the earlier of the channels' paybacks
    # Chain-ladder on the pooled triangle: revenue factors 5200/4300 and 1200/1100,
    # customer factors (2 + 3)/(1 + 3) and 2/2.
    revenue = 1200 + 4100 * 1200 / 1100 + 200 * 5200 / 4300 * 1200 / 1100
    customers = 2 + 3 + 1 * 5 / 4
    assert e.ltv_projected_minor == pytest.approx(revenue / customers)


def test_pooling_needs_channels_as_of_the_same_week() -> None:
    with pytest.raises(ValueError, match="at least one"):
        pool_counts([])
    shifted = dataclasses.replace(SCENARIO_B, weeks=SCENARIO_A.weeks[:2])  # ends a week early
    with pytest.raises(ValueError, match="same week"):
        pool_counts([SCENARIO_A, shifted])


def test_scenario_a_channel_totals() -> None:
    e = channel_economics(build_triangle(SCENARIO_A))
    assert (e.spend_minor, e.leads, e.customers, e.revenue_minor) == (2000, 25, 5, 2500)
    assert e.cpl_minor == 80 and e.cac_minor == 400
    assert e.conversion_rate == pytest.approx(0.2)
    assert e.ltv_minor == 500 and e.ltv_to_cac == pytest.approx(1.25)
    assert e.roi == pytest.approx(0.25) and e.payback_week == 1
    assert e.program_cost_share == pytest.approx(0.8)
    # projected revenue 1200 + 1200 + 369.23…; customers develop 1→2 (factor 4/3… below)
    f_cust = np.array([(2 + 2) / (1 + 2), 2 / 2])
    proj_customers = 2 + 2 * f_cust[1] + 1 * f_cust[0] * f_cust[1]
    proj_revenue = 1200 + 1200 + 200 * (2200 / 1300) * (1200 / 1100)
    assert e.ltv_projected_minor == pytest.approx(proj_revenue / proj_customers)


def test_refunds_reduce_cumulative_revenue() -> None:
    # 5.00 spend; a 10.00 sale at age 0 refunded by 4.00 at age 1.
    t = build_triangle(counts([1], [500], [3], [[1, 0]], [[1000, -400]]))
    assert_array_equal(t.revenue_minor, [[1000, 600]])
    assert_allclose(t.roi, [[1.0, 0.2]])
    e = channel_economics(t)
    assert e.revenue_minor == 600 and e.ltv_minor == 600 and e.payback_week == 0


def test_cohort_that_never_pays_back() -> None:
    # 100.00 spend, one customer paying 1.00 a week for five weeks.
    t = build_triangle(counts([4], [10000], [20], [[1, 0, 0, 0, 0]], [[100] * 5]))
    assert_allclose(t.roi, [[-0.99, -0.98, -0.97, -0.96, -0.95]])
    assert t.payback_week[0] == -1
    e = channel_economics(t)
    assert e.payback_week is None
    assert viability(e, min_customers=1).payback == "not_enough_data"  # only 4 of 26 weeks seen


def test_payback_rule_fails_once_the_limit_has_passed_unpaid() -> None:
    t = build_triangle(counts([30], [10000], [20], [[1] + [0] * 30], [[100] * 31]))
    e = channel_economics(t)
    rules = viability(e, ltv_to_cac_min=3, payback_max_months=6, min_customers=1)
    assert rules.payback == "fail" and rules.ltv_to_cac == "fail"


def test_margin_scales_revenue_in_roi_and_ltv() -> None:
    t = build_triangle(counts([0], [1000], [4], [[2]], [[3000]]), margin=0.5)
    assert_allclose(t.roi, [[0.5]])
    e = channel_economics(t, margin=0.5)
    assert e.ltv_minor == 750 and e.roi == pytest.approx(0.5)


def test_zero_spend_and_zero_leads_are_undefined_not_zero() -> None:
    e = channel_economics(build_triangle(counts([3], [0], [0], [[0] * 4], [[0] * 4])))
    assert e.cpl_minor is None and e.cac_minor is None and e.conversion_rate is None
    assert e.ltv_minor is None and e.roi is None and e.ltv_to_cac is None
    assert e.program_cost_share is None and e.payback_week is None
    assert viability(e).ltv_to_cac == "not_enough_data"


def test_empty_channel() -> None:
    empty = counts([], [], [], np.zeros((0, 1)), np.zeros((0, 1)))
    e = channel_economics(build_triangle(empty))
    assert (e.spend_minor, e.leads, e.customers) == (0, 0, 0) and e.cac_minor is None


@pytest.mark.parametrize("q", [0, 25, 50, 75, 90, 100])
@pytest.mark.parametrize(
    ("values", "weights"),
    [([3], [1]), ([1, 2, 10], [1, 1, 1]), ([14, 2, 7, 30], [5, 0, 3, 1]), ([0, 1], [4, 7])],
)
def test_percentile_of_histogram_matches_numpy(
    values: list[int], weights: list[int], q: float
) -> None:
    expected = np.percentile(np.repeat(values, weights), q)
    got = percentile_of_histogram(np.array(values), np.array(weights), q)
    assert got == pytest.approx(expected)


def test_percentile_of_empty_histogram_is_undefined() -> None:
    assert percentile_of_histogram(np.array([1, 2]), np.array([0, 0]), 50) is None


@st.composite
def cohort_counts(draw: st.DrawFn, refunds: bool = True) -> CohortCounts:
    """Draw a valid channel: W cohorts, ages up to A−1, zero events past each current age."""
    n = draw(st.integers(1, 6))
    ages = draw(st.integers(1, 6))
    current = np.array(draw(st.lists(st.integers(0, ages - 1), min_size=n, max_size=n)))
    low = -500 if refunds else 0
    rev = np.array(draw(st.lists(st.integers(low, 5000), min_size=n * ages, max_size=n * ages)))
    new = np.array(draw(st.lists(st.integers(0, 3), min_size=n * ages, max_size=n * ages)))
    alive = np.arange(ages)[None, :] <= current[:, None]
    extra_leads = np.array(draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)))
    leads = new.reshape(n, ages).sum(axis=1) + extra_leads
    return CohortCounts(
        weeks=np.datetime64("2026-01-05") + 7 * np.arange(n),
        current_age=current.astype(np.int64),
        spend_minor=np.array(draw(st.lists(st.integers(0, 9000), min_size=n, max_size=n))),
        leads=leads.astype(np.int64),
        new_customers=(new.reshape(n, ages) * alive).astype(np.int64),
        revenue_minor=(rev.reshape(n, ages) * alive).astype(np.int64),
    )


@settings(max_examples=200, deadline=None)
@given(cohort_counts())
def test_channel_totals_equal_the_sum_of_their_cohorts(c: CohortCounts) -> None:
    e = channel_economics(build_triangle(c))
    assert e.spend_minor == c.spend_minor.sum() and e.leads == c.leads.sum()
    assert e.customers == c.new_customers.sum() and e.revenue_minor == c.revenue_minor.sum()


@settings(max_examples=200, deadline=None)
@given(cohort_counts(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_cohort_order(c: CohortCounts, rnd) -> None:  # type: ignore[no-untyped-def]
    order = np.array(rnd.sample(range(len(c.weeks)), len(c.weeks)))
    shuffled = CohortCounts(*(getattr(c, f)[order] for f in CohortCounts.__dataclass_fields__))
    a, b = channel_economics(build_triangle(c)), channel_economics(build_triangle(shuffled))
    assert_allclose(a.roi_by_age, b.roi_by_age)
    assert (a.cac_minor, a.ltv_minor, a.payback_week) == (b.cac_minor, b.ltv_minor, b.payback_week)
    assert a.ltv_projected_minor == pytest.approx(b.ltv_projected_minor)


@settings(max_examples=200, deadline=None)
@given(cohort_counts(refunds=False))
def test_cumulative_revenue_never_falls_without_refunds(c: CohortCounts) -> None:
    t = build_triangle(c)
    steps = np.diff(t.revenue_minor, axis=1)
    assert np.all(steps[~np.isnan(steps)] >= 0)


@settings(max_examples=200, deadline=None)
@given(cohort_counts())
def test_roi_at_age_k_is_cumulative_revenue_minus_spend_over_spend(c: CohortCounts) -> None:
    t = build_triangle(c)
    for w, a in zip(*np.nonzero(t.reached & (c.spend_minor[:, None] > 0)), strict=True):
        expected = (c.revenue_minor[w, : a + 1].sum() - c.spend_minor[w]) / c.spend_minor[w]
        assert t.roi[w, a] == pytest.approx(expected)
    assert np.all(np.isnan(t.roi[~t.reached]))


@settings(max_examples=200, deadline=None)
@given(cohort_counts(), st.integers(0, 12))
def test_pooling_a_channel_with_a_copy_of_its_recent_cohorts_adds_them(
    c: CohortCounts, dropped: int
) -> None:
    keep = slice(min(dropped, len(c.weeks) - 1), None)
    recent = CohortCounts(*(getattr(c, f)[keep] for f in CohortCounts.__dataclass_fields__))
    pooled = pool_counts([c, recent])
    assert_array_equal(pooled.spend_minor[keep], 2 * c.spend_minor[keep])
    assert_array_equal(pooled.revenue_minor[: keep.start], c.revenue_minor[: keep.start])
    alone, twice = (channel_economics(build_triangle(x)) for x in (c, pool_counts([c, c])))
    assert twice.customers == 2 * alone.customers
    assert_allclose(twice.roi_by_age, alone.roi_by_age)  # ratios of doubled sums
    assert twice.payback_week == alone.payback_week
