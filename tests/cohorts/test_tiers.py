"""Customer value tiers and the customer mix, on hand-checked customer lists."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from cohorts.tiers import TIER_A, TIER_B, TIER_C, assign_tiers, customer_mix, share_of_a_by_group


def test_tiers_by_cumulative_revenue_share() -> None:
    # total 1000: ranked 500 (0 % before), 300 (50 %), 100 (80 % → B), 60 (90 % → B),
    # 30 (96 % → C), 10 (99 % → C)
    revenue = np.array([100, 500, 10, 300, 60, 30])
    purchases = np.array([1, 3, 1, 2, 4, 1])
    tiers = assign_tiers(revenue, purchases)
    assert_array_equal(tiers.tier, [TIER_B, TIER_A, TIER_C, TIER_A, TIER_B, TIER_C])
    assert_array_equal(tiers.ballast, [False, False, True, False, False, True])


def test_refunded_customers_are_c_and_no_revenue_means_all_c() -> None:
    tiers = assign_tiers(np.array([1000, -50, 0]), np.array([1, 2, 2]))
    assert_array_equal(tiers.tier, [TIER_A, TIER_C, TIER_C])
    assert_array_equal(tiers.ballast, [False, False, False])
    nothing = assign_tiers(np.array([0, 0]), np.array([1, 1]))
    assert_array_equal(nothing.tier, [TIER_C, TIER_C])


def test_mix_of_forty_customers() -> None:
    # Ranked: 10000, 9000, 3000 × 6, 100 × 32; total 40200.
    # Revenue share before each: 0, .249, .473, .547, .622, .697, .771, .846 → A = first 7.
    # B while the share before is < .95 (38190): the sixth 3000 (37000) and twelve 100s.
    # C: the last twenty 100s; of those, the eight with one purchase are ballast.
    revenue = np.array([10000, 9000] + [3000] * 6 + [100] * 32)
    purchases = np.array([5, 5] + [2] * 6 + [1] * 20 + [2] * 12)
    tiers = assign_tiers(revenue, purchases)
    assert [int((tiers.tier == t).sum()) for t in (TIER_A, TIER_B, TIER_C)] == [7, 13, 20]
    mix = customer_mix(tiers)
    assert mix.customers == 40
    assert mix.shares == pytest.approx(
        {"vip": 2 / 40, "strategic": 5 / 40, "typical": 25 / 40, "ballast": 8 / 40}
    )
    assert mix.healthy == {"vip": True, "strategic": False, "typical": True, "ballast": True}


def test_empty_mix_is_undefined() -> None:
    mix = customer_mix(assign_tiers(np.array([], dtype=np.int64), np.array([], dtype=np.int64)))
    assert mix.customers == 0 and mix.shares["vip"] is None and mix.healthy["ballast"] is None


def test_share_of_a_by_channel() -> None:
    tiers = assign_tiers(np.array([500, 300, 100, 60, 30, 10]), np.array([1] * 6))
    shares = share_of_a_by_group(tiers, np.array([0, 1, 0, 1, 1, 0]), 3)
    assert shares[0] == pytest.approx(1 / 3) and shares[1] == pytest.approx(1 / 3)
    assert np.isnan(shares[2])


@given(st.lists(st.tuples(st.integers(-100, 10**6), st.integers(1, 9)), max_size=60))
def test_tier_a_holds_at_least_80_percent_of_positive_revenue(rows: list[tuple[int, int]]) -> None:
    revenue = np.array([r for r, _ in rows], dtype=np.int64)
    purchases = np.array([p for _, p in rows], dtype=np.int64)
    tiers = assign_tiers(revenue, purchases)
    positive = np.maximum(revenue, 0)
    if positive.sum() > 0:
        assert positive[tiers.tier == TIER_A].sum() >= 0.8 * positive.sum()
        top = positive[tiers.tier == TIER_A].min()
        assert np.all(positive[tiers.tier != TIER_A] <= top)
    assert np.all(tiers.tier[revenue <= 0] == TIER_C)
    assert not np.any(tiers.ballast & (purchases > 1))
