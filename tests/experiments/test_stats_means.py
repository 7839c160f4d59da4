"""Revenue-per-lead, CAC and ROI statistics against scipy references computed here."""

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower

from experiments.costs import cac_interval, cac_test, poisson_interval
from experiments.means import (
    leads_needed_for_means,
    mann_whitney,
    mean_interval,
    welch_interval,
    welch_test,
)


def revenue(seed: int, n: int, rate: float, scale: float) -> np.ndarray:
    """Return per-lead revenue: zero for non-buyers, heavily skewed (lognormal) for buyers."""
    rng = np.random.default_rng(seed)
    buyers = rng.random(n) < rate
    return np.where(buyers, rng.lognormal(np.log(scale), 1.5, n), 0.0)


SAMPLES = [
    (revenue(1, 400, 0.1, 100), revenue(2, 380, 0.14, 100)),
    (revenue(3, 60, 0.2, 50), revenue(4, 45, 0.05, 500)),
    (revenue(5, 2000, 0.03, 900), revenue(6, 1500, 0.03, 900)),
    (np.array([0.0, 0, 0, 10, 0, 0, 250]), np.array([0.0, 40, 0, 0, 0])),
]


@pytest.mark.parametrize(("a", "b"), SAMPLES)
def test_welch_matches_scipy(a: np.ndarray, b: np.ndarray) -> None:
    reference = stats.ttest_ind(b, a, equal_var=False)
    result = welch_test(a, b)
    assert result is not None
    np.testing.assert_allclose([result.statistic, result.p_value],
                               [reference.statistic, reference.pvalue], rtol=1e-9)


def test_welch_degenerate_groups() -> None:
    zeros = np.zeros(40)
    assert welch_test(zeros, zeros).p_value == 1.0  # type: ignore[union-attr]
    assert welch_test(zeros, np.full(40, 5.0)).p_value == 0.0  # type: ignore[union-attr]
    assert welch_test(np.array([1.0]), zeros) is None


@pytest.mark.parametrize(("a", "b"), SAMPLES)
def test_mann_whitney_matches_scipy(a: np.ndarray, b: np.ndarray) -> None:
    reference = stats.mannwhitneyu(b, a, alternative="two-sided")
    result = mann_whitney(a, b)
    assert result is not None
    np.testing.assert_allclose([result.statistic, result.p_value],
                               [reference.statistic, reference.pvalue], rtol=1e-9)
    assert mann_whitney(np.zeros(5), np.zeros(7)).p_value == 1.0  # type: ignore[union-attr]


@pytest.mark.parametrize(("a", "b"), SAMPLES)
def test_welch_interval_matches_scipy_and_agrees_with_the_test(a: np.ndarray,
                                                               b: np.ndarray) -> None:
    reference = stats.ttest_ind(b, a, equal_var=False)
    ci = reference.confidence_interval(0.95)
    ours = welch_interval(a, b)
    assert ours is not None
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        assert ours == (b.mean() - a.mean(), b.mean() - a.mean())
        return
    np.testing.assert_allclose(ours, (ci.low, ci.high), rtol=1e-10)
    p = welch_test(a, b).p_value  # type: ignore[union-attr]
    assert (ours[0] > 0 or ours[1] < 0) == (p < 0.05)


def test_welch_interval_excludes_zero_exactly_when_the_test_rejects() -> None:
    rng = np.random.default_rng(11)
    for _ in range(300):
        a = np.where(rng.random(60) < 0.2, rng.lognormal(3, 1.2, 60), 0.0)
        b = np.where(rng.random(70) < 0.2, rng.lognormal(3.3, 1.2, 70), 0.0)
        lo, hi = welch_interval(a, b)  # type: ignore[misc]
        p = welch_test(a, b).p_value  # type: ignore[union-attr]
        if abs(p - 0.05) > 1e-9:
            assert (lo > 0 or hi < 0) == (p < 0.05)


@pytest.mark.parametrize(("a", "b"), SAMPLES[:3])
def test_mean_interval_is_students_t(a: np.ndarray, b: np.ndarray) -> None:
    reference = stats.ttest_1samp(a, 0.0).confidence_interval(0.95)
    np.testing.assert_allclose(mean_interval(a), (reference.low, reference.high), rtol=1e-10)
    low, high = mean_interval(a, 2.5)  # type: ignore[misc]
    np.testing.assert_allclose((low, high), (2.5 * reference.low, 2.5 * reference.high))
    assert mean_interval(np.array([3.0])) is None and welch_interval(np.array([1.0]), b) is None


@pytest.mark.parametrize("k", [0, 1, 2, 7, 40, 1000])
def test_poisson_interval_is_garwood(k: int) -> None:
    lower = 0.0 if k == 0 else stats.chi2.ppf(0.025, 2 * k) / 2
    upper = stats.chi2.ppf(0.975, 2 * k + 2) / 2
    np.testing.assert_allclose(poisson_interval(k), (lower, upper), rtol=1e-12)
    # Exactness: each end leaves 2.5 % in its tail.
    assert stats.poisson.cdf(k, upper) == pytest.approx(0.025, rel=1e-9)
    if k:
        assert stats.poisson.sf(k - 1, lower) == pytest.approx(0.025, rel=1e-9)


def test_cac_interval_inverts_the_customer_interval() -> None:
    lower, upper = cac_interval(5000.0, 10)  # type: ignore[misc]
    mu_lo, mu_hi = stats.chi2.ppf(0.025, 20) / 2, stats.chi2.ppf(0.975, 22) / 2
    np.testing.assert_allclose((lower, upper), (5000 / mu_hi, 5000 / mu_lo), rtol=1e-12)
    assert lower < 500 < upper
    assert cac_interval(5000.0, 0) is None and cac_interval(0.0, 3) is None


def test_cac_test_is_the_conditional_binomial_test() -> None:
    result = cac_test(1000.0, 10, 3000.0, 12)
    assert result is not None
    reference = stats.binomtest(12, 22, 0.75).pvalue
    np.testing.assert_allclose(result.p_value, reference, rtol=1e-12)
    assert cac_test(0.0, 1, 10.0, 3) is None


@pytest.mark.parametrize(("a", "b"), SAMPLES)
def test_leads_needed_for_means_matches_statsmodels_power(a: np.ndarray, b: np.ndarray) -> None:
    """statsmodels' two-sample z power with σ² = (s_a² + s_b²)/2 is the same design."""
    diff = b.mean() - a.mean()
    sigma = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    per_group = NormalIndPower().solve_power(
        effect_size=abs(diff) / sigma, alpha=0.05, power=0.8, ratio=1.0, alternative="two-sided"
    )
    expected = max(0, math.ceil(per_group) - min(a.size, b.size))
    assert leads_needed_for_means(a, b) == expected


def test_leads_needed_for_means_known_value() -> None:
    # means 2.5 and 7.5, both sample variances 25: (1.959964 + 0.841621)² · 50 / 25 = 15.70
    a, b = np.array([0.0, 0, 0, 10]), np.array([0.0, 10, 10, 10])
    assert leads_needed_for_means(a, b) == 16 - 4
    assert leads_needed_for_means(np.repeat(a, 10), np.repeat(b, 10)) == 0  # 40 ≥ 15.0


def test_leads_needed_for_means_is_undefined_without_a_difference_or_spread() -> None:
    assert leads_needed_for_means(np.array([1.0, 3.0]), np.array([3.0, 1.0])) is None
    assert leads_needed_for_means(np.zeros(5), np.full(5, 2.0)) is None
    assert leads_needed_for_means(np.array([1.0]), np.array([1.0, 2.0])) is None
    # means 0 and 1e-160: a difference whose square underflows, so n would be infinite
    a, b = np.array([-1.0, 1.0, 0.0]), np.array([-1.0, 1.0, 3e-160])
    assert b.mean() - a.mean() > 0
    assert leads_needed_for_means(a, b) is None
