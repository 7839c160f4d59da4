"""Trend statistics for channel burnout (SPEC §5): binomial trend, Theil–Sen, Mann–Kendall.

Pure numpy/scipy. Week indexes are float weeks (gaps allowed); counts are int arrays of one
length. Every function returns None when there is too little data to estimate anything.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MIN_SPEND_WEEKS = 6
MIN_SPEND_CV = 0.25
_MAX_ITERATIONS = 50
_TOLERANCE = 1e-10


@dataclass(frozen=True)
class BinomialTrend:
    """A logistic trend of successes/trials on week index (optionally with log spend).

    slope: change in log-odds per week; relative_change: exp(slope) − 1 (odds ratio − 1 per
    week); p_value: two-sided Wald test of the slope; scale: the quasi-binomial dispersion
    (Pearson χ²/df when > 1, else 1) that inflates the covariance. reference_df: None when the
    scale is fixed at 1 (normal reference); else the residual degrees of freedom (weeks −
    coefficients) of the t reference, because an estimated scale from 6–12 weeks is itself
    noisy and the normal reference then calls 10–12 % of flat channels significant.
    intercept: log-odds at `week_center` (the mean week) and mean log spend; fitted: (n,)
    fitted rates at each week used, with log spend held at its mean.
    """

    intercept: float
    week_center: float
    slope: float
    std_error: float
    p_value: float
    relative_change: float
    scale: float
    uses_spend: bool
    fitted: FloatArray
    reference_df: int | None = None

    def critical_value(self, tail: float) -> float:
        """Return the upper `tail` quantile of the slope's reference (t with df, or normal)."""
        from scipy import stats
        if self.reference_df is None:
            return float(stats.norm.isf(tail))
        return float(stats.t.isf(tail, self.reference_df))

    def rates_at(self, week: npt.ArrayLike, slope: float | None = None) -> FloatArray:
        """Return fitted rates at `week` (log spend at its mean), optionally with another slope."""
        beta = self.slope if slope is None else slope
        eta = self.intercept + beta * (np.asarray(week, dtype=np.float64) - self.week_center)
        return np.asarray(1 / (1 + np.exp(-eta)), dtype=np.float64)


def spend_varies(spend: npt.ArrayLike) -> bool:
    """Return whether spend varies enough to be a covariate: ≥ 6 weeks > 0 and CV > 0.25."""
    positive = np.asarray(spend, dtype=np.float64)
    positive = positive[positive > 0]
    if positive.size < MIN_SPEND_WEEKS:
        return False
    return bool(positive.std(ddof=1) / positive.mean() > MIN_SPEND_CV)


def _irls(x: FloatArray, y: FloatArray, n: FloatArray) -> tuple[FloatArray, FloatArray] | None:
    """Return (coefficients, fitted probabilities) of a binomial logit GLM; None if it diverges."""
    beta: FloatArray = np.zeros(x.shape[1])
    mu = (y + 0.5) / (n + 1.0)
    eta = np.log(mu / (1 - mu))
    for _ in range(_MAX_ITERATIONS):
        weights = n * mu * (1 - mu)
        z = eta + (y - n * mu) / np.maximum(weights, 1e-300)
        xtw = x.T * weights
        try:
            new_beta: FloatArray = np.asarray(np.linalg.solve(xtw @ x, xtw @ z), np.float64)
        except np.linalg.LinAlgError:
            return None
        eta = x @ new_beta
        mu = 1 / (1 + np.exp(-eta))
        converged = np.max(np.abs(new_beta - beta)) < _TOLERANCE * (1 + np.max(np.abs(beta)))
        beta = new_beta
        if converged:
            return beta, mu
    return None


def binomial_trend(
    week: npt.ArrayLike, successes: npt.ArrayLike, trials: npt.ArrayLike,
    spend: npt.ArrayLike | None = None,
) -> BinomialTrend | None:
    """Return the logistic trend of successes/trials on week; spend (> 0) enters as log spend.

    Weeks with no trials are dropped; None with fewer than 3 weeks, no successes, all
    successes, or a fit that does not converge.
    """
    from scipy import stats
    t, y, n = (np.asarray(a, dtype=np.float64) for a in (week, successes, trials))
    keep = n > 0
    use_spend = spend is not None and spend_varies(np.asarray(spend)[keep])
    if use_spend:
        keep &= np.asarray(spend, dtype=np.float64) > 0
    t, y, n = t[keep], y[keep], n[keep]
    if t.size < 3 or y.sum() == 0 or y.sum() == n.sum() or np.ptp(t) == 0:
        return None
    columns = [np.ones_like(t), t - t.mean()]
    if use_spend:
        log_spend = np.log(np.asarray(spend, dtype=np.float64)[keep])
        columns.append(log_spend - log_spend.mean())
    x = np.column_stack(columns)
    fit = _irls(x, y, n)
    if fit is None or t.size <= x.shape[1]:
        return None
    beta, mu = fit
    df_resid = t.size - x.shape[1]
    pearson = float(np.sum((y - n * mu) ** 2 / (n * mu * (1 - mu))))
    scale = max(1.0, pearson / df_resid)
    covariance = np.linalg.inv((x.T * (n * mu * (1 - mu))) @ x) * scale
    se = float(np.sqrt(covariance[1, 1]))
    slope = float(beta[1])
    estimated = pearson / df_resid > 1.0
    z = abs(slope / se)
    p_value = float(2 * (stats.t.sf(z, df_resid) if estimated else stats.norm.sf(z)))
    fitted = 1 / (1 + np.exp(-(beta[0] + beta[1] * x[:, 1])))
    return BinomialTrend(float(beta[0]), float(t.mean()), slope, se, p_value,
                         float(np.expm1(slope)), scale, use_spend, fitted,
                         df_resid if estimated else None)


@dataclass(frozen=True)
class RankTrend:
    """A robust trend: Theil–Sen slope (units of the series per week) and Mann–Kendall test.

    p_value: two-sided, normal approximation with tie correction, no continuity correction
    (the same statistic as Kendall's tau-b of the series against time). intercept: at week 0.
    """

    slope: float
    intercept: float
    p_value: float
    mk_statistic: int


def theil_sen(week: npt.ArrayLike, values: npt.ArrayLike) -> tuple[float, float] | None:
    """Return (median pairwise slope, median intercept); None with < 2 distinct weeks."""
    t, v = np.asarray(week, dtype=np.float64), np.asarray(values, dtype=np.float64)
    i, j = np.triu_indices(t.size, k=1)
    distinct = t[j] != t[i]
    if not distinct.any():
        return None
    slope = float(np.median((v[j] - v[i])[distinct] / (t[j] - t[i])[distinct]))
    return slope, float(np.median(v) - slope * np.median(t))


def _tie_term(values: FloatArray) -> float:
    _, counts = np.unique(values, return_counts=True)
    return float(np.sum(counts * (counts - 1) * (2 * counts + 5)))


def mann_kendall(week: npt.ArrayLike, values: npt.ArrayLike) -> tuple[int, float] | None:
    """Return (S, two-sided p) of the Mann–Kendall test (distinct weeks, tied values corrected).

    None with fewer than 3 points.
    """
    from scipy import stats
    t, v = np.asarray(week, dtype=np.float64), np.asarray(values, dtype=np.float64)
    n = t.size
    if n < 3:
        return None
    i, j = np.triu_indices(n, k=1)
    s = int(np.sum(np.sign(v[j] - v[i]) * np.sign(t[j] - t[i])))
    variance = (n * (n - 1) * (2 * n + 5) - _tie_term(v)) / 18
    if variance <= 0:
        return s, 1.0
    return s, float(2 * stats.norm.sf(abs(s) / np.sqrt(variance)))


def rank_trend(week: npt.ArrayLike, values: npt.ArrayLike) -> RankTrend | None:
    """Return the Theil–Sen slope with its Mann–Kendall p-value; None with < 3 points."""
    line, test = theil_sen(week, values), mann_kendall(week, values)
    if line is None or test is None:
        return None
    return RankTrend(line[0], line[1], test[1], test[0])
