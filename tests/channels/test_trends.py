"""Trend statistics against independent references: statsmodels GLM, scipy Theil–Sen, Kendall."""

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from channels.trends import binomial_trend, mann_kendall, rank_trend, spend_varies, theil_sen


def series(kind: str, seed: int = 1, weeks: int = 16) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (week, customers, leads) of a named synthetic conversion series."""
    rng = np.random.default_rng(seed)
    week = np.arange(weeks, dtype=float)
    leads = rng.integers(400, 800, weeks)
    rate = {
        "flat": np.full(weeks, 0.05),
        "rising": 0.03 * np.exp(0.05 * week),
        "noisy_flat": 0.05 * rng.lognormal(0, 0.5, weeks),
        "sudden_drop": np.where(week < weeks - 4, 0.05, 0.015),
    }[kind]
    return week, rng.binomial(leads, np.clip(rate, 0, 1)), leads


def glm(week: np.ndarray, y: np.ndarray, n: np.ndarray, extra: np.ndarray | None = None,
        scale: str | None = None) -> sm.regression.linear_model.RegressionResults:
    """Return the statsmodels binomial GLM of y/n on week (and `extra`), scale "X2" if asked."""
    columns = [week] if extra is None else [week, extra]
    x = sm.add_constant(np.column_stack(columns))
    # Proportions with var_weights = leads: the form whose scale="X2" is the quasi-binomial
    # Pearson χ²/df (a two-column endog gives the same fit but a scale on another basis).
    model = sm.GLM(y / n, x, family=sm.families.Binomial(), var_weights=n)
    return model.fit(scale=scale) if scale else model.fit()


def reference_p(reference: sm.regression.linear_model.RegressionResults, scaled: bool) -> float:
    """Return the slope's two-sided p: normal with scale 1, else t on df_resid by hand."""
    z = abs(float(reference.tvalues[1]))  # statsmodels' Wald z (already using its scale)
    if not scaled:
        return float(2 * stats.norm.sf(z))
    return float(2 * stats.t.sf(z, reference.df_resid))


@pytest.mark.parametrize("kind", ["flat", "rising", "noisy_flat", "sudden_drop"])
def test_binomial_trend_matches_statsmodels(kind: str) -> None:
    week, y, n = series(kind)
    trend = binomial_trend(week, y, n)
    assert trend is not None
    overdispersed = glm(week, y, n).pearson_chi2 / (len(week) - 2) > 1
    reference = glm(week, y, n, scale="X2" if overdispersed else None)
    np.testing.assert_allclose(trend.slope, reference.params[1], rtol=1e-7)
    np.testing.assert_allclose(trend.std_error, reference.bse[1], rtol=1e-6)
    np.testing.assert_allclose(trend.p_value, reference_p(reference, overdispersed), rtol=1e-6)
    np.testing.assert_allclose(trend.scale, max(1.0, reference.scale), rtol=1e-6)
    assert trend.reference_df == (len(week) - 2 if overdispersed else None)
    np.testing.assert_allclose(trend.relative_change, np.exp(reference.params[1]) - 1, rtol=1e-6)


def test_quasi_binomial_scale_matches_statsmodels_x2() -> None:
    week, y, n = series("noisy_flat", seed=3)
    trend = binomial_trend(week, y, n)
    reference = glm(week, y, n, scale="X2")
    assert trend is not None and reference.scale > 1
    np.testing.assert_allclose(trend.scale, reference.scale, rtol=1e-6)
    np.testing.assert_allclose(trend.p_value, reference_p(reference, True), rtol=1e-6)
    # statsmodels' own t reference (use_t) agrees with the hand-made one
    model = reference.model
    np.testing.assert_allclose(trend.p_value, model.fit(scale="X2", use_t=True).pvalues[1],
                               rtol=1e-6)
    assert trend.p_value > 2 * stats.norm.sf(abs(trend.slope / trend.std_error))


def test_log_spend_covariate_matches_statsmodels() -> None:
    rng = np.random.default_rng(5)
    week = np.arange(20, dtype=float)
    spend = rng.lognormal(8, 0.6, 20)
    leads = rng.integers(100, 300, 20)
    y = rng.binomial(leads, 0.08 * (spend / spend.mean()) ** -0.3)
    trend = binomial_trend(week, y, leads, spend)
    assert trend is not None and trend.uses_spend
    log_spend = np.log(spend)
    reference = glm(week - week.mean(), y, leads, log_spend - log_spend.mean())
    scaled = reference.pearson_chi2 / 17 > 1
    if scaled:
        reference = glm(week - week.mean(), y, leads, log_spend - log_spend.mean(), scale="X2")
    np.testing.assert_allclose(trend.slope, reference.params[1], rtol=1e-7)
    np.testing.assert_allclose(trend.p_value, reference_p(reference, scaled), rtol=1e-6)
    assert trend.reference_df == (17 if scaled else None)


def test_overdispersed_flat_channels_with_few_weeks_rarely_trend() -> None:
    """Flat high-volume channels, 6–12 weeks, extra-binomial noise: p < 0.05 at ≤ 6.5 %."""
    rng = np.random.default_rng(20261129)
    p_values = []
    for _ in range(1000):
        weeks = int(rng.integers(6, 13))
        leads = rng.integers(2_000, 8_000, weeks)
        rate = 0.05 * rng.lognormal(0, rng.uniform(0.1, 0.4), weeks)
        trend = binomial_trend(np.arange(weeks, dtype=float), rng.binomial(leads, rate), leads)
        assert trend is not None
        p_values.append(trend.p_value)
    assert np.mean(np.array(p_values) < 0.05) <= 0.065


def test_critical_value_follows_the_reference() -> None:
    week, y, n = series("noisy_flat", seed=3)
    scaled = binomial_trend(week, y, n)
    plain = binomial_trend(*series("flat", seed=1))
    assert scaled is not None and scaled.reference_df == 14
    assert plain is not None and plain.reference_df is None
    np.testing.assert_allclose(scaled.critical_value(0.10), stats.t.isf(0.10, 14))
    np.testing.assert_allclose(plain.critical_value(0.10), stats.norm.isf(0.10))


def test_significance_matches_the_shape_of_the_series() -> None:
    flat, noisy, drop, rising = (binomial_trend(*series(k, seed=0)) for k in
                                 ("flat", "noisy_flat", "sudden_drop", "rising"))
    assert flat and noisy and drop and rising
    assert flat.p_value > 0.05 and noisy.p_value > 0.05
    assert drop.slope < 0 and drop.p_value < 0.05
    assert rising.slope > 0 and rising.p_value < 0.01


def test_spend_varies_needs_six_weeks_and_a_coefficient_of_variation_above_a_quarter() -> None:
    assert not spend_varies([100, 200, 300, 400, 500])
    assert not spend_varies([100, 101, 99, 100, 102, 98, 0])
    assert spend_varies([100, 300, 50, 200, 400, 120])


def test_degenerate_series_give_none() -> None:
    assert binomial_trend([0, 1], [1, 2], [10, 10]) is None
    assert binomial_trend([0, 1, 2, 3], [0, 0, 0, 0], [10, 10, 10, 10]) is None
    assert binomial_trend([0, 1, 2, 3], [5, 5, 5, 5], [5, 5, 5, 5]) is None
    assert rank_trend([0, 1], [3.0, 4.0]) is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_theil_sen_and_mann_kendall_match_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    week = np.arange(25, dtype=float)
    cac = np.round(50 + 2.0 * week * seed + rng.normal(0, 15, 25))  # rounding makes ties
    slope, intercept = theil_sen(week, cac) or (np.nan, np.nan)
    reference = stats.theilslopes(cac, week)
    np.testing.assert_allclose([slope, intercept], [reference.slope, reference.intercept])
    s, p = mann_kendall(week, cac) or (0, np.nan)
    tau = stats.kendalltau(week, cac, method="asymptotic")
    np.testing.assert_allclose(p, tau.pvalue, rtol=1e-9)
    i, j = np.triu_indices(25, 1)
    assert s == int(np.sign(cac[j] - cac[i]).sum())
