"""Revenue-per-lead, CAC and ROI statistics against scipy references computed here."""

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower

from experiments.costs import cac_interval, cac_test, poisson_interval
from experiments.means import (
    _acceleration,
    _Arm,
    bca_difference_interval,
    bca_intervals,
    leads_needed_for_means,
    mann_whitney,
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


def brute_force_acceleration(a: np.ndarray, b: np.ndarray, wa: float, wb: float) -> float:
    """Return scipy's multi-sample jackknife acceleration by leaving out each value in turn."""
    nums = dens = 0.0
    for values, other, is_b in ((b, a, True), (a, b, False)):
        thetas = []
        for i in range(values.size):
            rest = np.delete(values, i)
            thetas.append(wb * rest.mean() - wa * other.mean() if is_b
                          else wb * other.mean() - wa * rest.mean())
        t = np.array(thetas)
        u = (t.size - 1) * (t.mean() - t)
        nums += (u**3).sum() / t.size**3
        dens += (u**2).sum() / t.size**2
    return nums / (6 * dens**1.5)


@pytest.mark.parametrize(("a", "b"), SAMPLES[1:])
def test_closed_form_acceleration_equals_the_jackknife(a: np.ndarray, b: np.ndarray) -> None:
    expected = brute_force_acceleration(a, b, 1.3, 0.7)
    np.testing.assert_allclose(_acceleration([_Arm(a, 1.3), _Arm(b, 0.7)]), expected, rtol=1e-9)


@pytest.mark.parametrize(("a", "b"), SAMPLES[:3])
def test_bca_interval_agrees_with_scipy_bootstrap(a: np.ndarray, b: np.ndarray) -> None:
    reference = stats.bootstrap(
        (b, a), lambda x, y, axis: x.mean(axis=axis) - y.mean(axis=axis), method="BCa",
        n_resamples=9999, rng=np.random.default_rng(7), vectorized=True,
    ).confidence_interval
    lower, upper = bca_difference_interval(a, b)  # type: ignore[misc]
    width = reference.high - reference.low
    # Different resampling streams: agree within Monte Carlo noise (a few % of the width).
    assert abs(lower - reference.low) < 0.06 * width
    assert abs(upper - reference.high) < 0.06 * width
    assert lower < b.mean() - a.mean() < upper


@pytest.mark.parametrize(("a", "b"), SAMPLES)
def test_each_groups_bca_interval_agrees_with_scipy_bootstrap(a: np.ndarray, b: np.ndarray) -> None:
    intervals = bca_intervals(a, b)
    assert intervals.difference == bca_difference_interval(a, b)
    for values, ours in ((a, intervals.a), (b, intervals.b)):
        if np.ptp(values) == 0:  # no variation (scipy's BCa is nan here): a point
            assert ours == (values.mean(), values.mean())
            continue
        reference = stats.bootstrap(
            (values,), np.mean, method="BCa", n_resamples=9999, rng=np.random.default_rng(7),
        ).confidence_interval
        assert ours is not None
        width = reference.high - reference.low
        assert abs(ours[0] - reference.low) < 0.06 * width
        assert abs(ours[1] - reference.high) < 0.06 * width
        assert ours[0] < values.mean() < ours[1]


def test_weighted_group_intervals_scale_with_their_weight() -> None:
    a, b = SAMPLES[1]
    plain, weighted = bca_intervals(a, b), bca_intervals(a, b, (2.0, 0.5))
    np.testing.assert_allclose(weighted.a, np.multiply(plain.a, 2.0), rtol=1e-12)  # type: ignore[arg-type]
    np.testing.assert_allclose(weighted.b, np.multiply(plain.b, 0.5), rtol=1e-12)  # type: ignore[arg-type]
    one = bca_intervals(np.array([4.0]), b)
    assert one.a is None and one.difference is None and one.b == plain.b


def test_bca_interval_is_reproducible_and_handles_edges() -> None:
    a, b = SAMPLES[0]
    assert bca_difference_interval(a, b) == bca_difference_interval(a, b)
    assert bca_difference_interval(np.zeros(10), np.zeros(12)) == (0.0, 0.0)
    assert bca_difference_interval(np.array([1.0]), b) is None


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
