"""Does weekly customers-against-spend data show a limit? The test and interval behind capacity.

Pure numpy/scipy. The saturating curve `customers = b·tanh(spend/(b·c))` contains the straight
line `customers = spend/c` as its limit b → ∞, so the two are compared by a likelihood-ratio
test rather than an information criterion: an information criterion has no stated error
rate, and the rate at which it calls a straight line saturating depends on the weeks (AIC
prefers the curve whenever 2·Δlog L > 2, about 8 % of linear channels; BIC's log n gives
about 9 % at 6 weeks and 3.5 % at 26), while the test holds it at its stated 5 % whatever the
number of weeks. The line sits on the boundary of the curve's parameter space, so under the
line the statistic is ½·χ²₀ + ½·χ²₁ and the p-value is half the usual tail (one-sided).

Weekly customers are counts: the likelihood is Poisson. When the curve's Pearson χ²/(n − 2)
exceeds 1 (more noise than Poisson), the fit is quasi-Poisson: the statistic is divided by
that scale and referred to F(1, n − 2), because the scale is estimated from few weeks.

Internally spend is divided by its mean (s̃) and the curve is written μ = a·s̃·g(k·s̃) with
g(x) = tanh(x)/x: a customers per week at the mean spend on the rising part, k ≥ 0 the bend
per mean spend (k = 0: the line). Then b = a/k and c = mean spend / a.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

ALPHA = 0.05  # one-sided level of the test; the interval's upper end is the matching bound
INTERVAL_LEVEL = 1 - 2 * ALPHA  # two-sided 90 %: finite upper end ⇔ the test finds a limit
_GRID = 100
_DOUBLINGS = 40


@dataclass(frozen=True)
class CurveFit:
    """Maximum-likelihood curve and its test against the line over weeks with spend > 0.

    a, k: see the module docstring (spend in units of `mean_spend`, minor units); k_max: the
    largest bend allowed (the curve must still rise at the lowest spend); deviance_drop:
    2·(log L curve − log L line), Poisson; scale: quasi-Poisson dispersion (1: Poisson);
    p_value: one-sided test that the curve bends (no limit: large p).
    """

    a: float
    k: float
    k_max: float
    mean_spend: float
    log_likelihood: float
    deviance_drop: float
    scale: float
    df: int
    p_value: float

    @property
    def capacity(self) -> float | None:
        """Return b = a/k customers per week at saturation; None for the straight line."""
        return self.a / self.k if self.k > 0 else None


def _tanh_ratio(x: FloatArray) -> FloatArray:
    """Return tanh(x)/x elementwise (1 at x = 0), for x ≥ 0."""
    safe = np.maximum(x, 1e-8)
    return np.asarray(np.where(x > 1e-8, np.tanh(safe) / safe, 1 - x * x / 3), np.float64)


def _profile_k(k: FloatArray, s: FloatArray, y: FloatArray) -> FloatArray:
    """Return the Poisson log-likelihood (without log y!) at each bend k, a maximised out."""
    shape = s * _tanh_ratio(np.outer(k, s))  # (K, n): μ / a
    a = y.sum() / shape.sum(axis=1)
    return np.asarray(y @ np.log(shape.T) + y.sum() * (np.log(a) - 1), np.float64)


def _pearson_scale(mu: FloatArray, y: FloatArray) -> float:
    """Return Pearson χ²/(n − 2) of the curve when above 1, else 1 (Poisson)."""
    return max(1.0, float(np.sum((y - mu) ** 2 / mu)) / (y.size - 2))


def _p_value(drop: float, scale: float, df: int) -> float:
    """Return the one-sided p-value of a deviance drop (χ²₁, or F(1, df) when scaled)."""
    from scipy import stats
    if drop <= 0:
        return 1.0
    if scale > 1.0:
        return float(stats.f.sf(drop / scale, 1, df) / 2)
    return float(stats.chi2.sf(drop, 1) / 2)


def _best_k(s: FloatArray, y: FloatArray, k_max: float) -> float:
    """Return the bend that maximises the profile likelihood on [0, k_max] (grid, then refine)."""
    from scipy import optimize
    # From a bend of 1/1000 at the mean spend (a line, for all purposes) up to k_max, however
    # far below the mean the lowest spend lies.
    grid = np.concatenate([[0.0], np.geomspace(min(1e-3, 1e-4 * k_max), k_max, _GRID)])
    values = _profile_k(grid, s, y)
    i = int(np.argmax(values))
    if i == 0:
        return 0.0
    lo, hi = grid[i - 1], grid[min(i + 1, grid.size - 1)]
    result = optimize.minimize_scalar(lambda k: -float(_profile_k(np.array([k]), s, y)[0]),
                                      bounds=(lo, hi), method="bounded",
                                      options={"xatol": 1e-10 * k_max})
    return float(result.x) if -result.fun >= values[i] else float(grid[i])


def fit_curve(spend: npt.ArrayLike, customers: npt.ArrayLike, max_start_bend: float) -> CurveFit:
    """Return the ML curve over all weeks given (spend > 0, at least 3 weeks, some customers).

    The bend is bounded so that spend/(b·c) at the lowest spend is ≤ `max_start_bend`.
    """
    s_raw, y = np.asarray(spend, np.float64), np.asarray(customers, np.float64)
    mean_spend = float(s_raw.mean())
    s = s_raw / mean_spend
    k_max = max_start_bend / float(s.min())
    k = _best_k(s, y, k_max)
    log_l, line = (float(v) for v in _profile_k(np.array([k, 0.0]), s, y))
    a = float(y.sum() / np.sum(s * _tanh_ratio(k * s)))
    scale = _pearson_scale(a * s * _tanh_ratio(k * s), y)
    drop = max(0.0, 2 * (log_l - line))
    return CurveFit(a, k, k_max, mean_spend, log_l, drop, scale, y.size - 2,
                    _p_value(drop, scale, y.size - 2))


def _profile_b(b: float, s: FloatArray, y: FloatArray, fit: CurveFit) -> float:
    """Return the largest log-likelihood of curves with capacity b (c maximised out)."""
    from scipy import optimize

    def negative(log_k: float) -> float:
        mu = np.maximum(b * np.tanh(np.exp(log_k) * s), 1e-300)
        return float(mu.sum() - y @ np.log(mu))

    upper = np.log(fit.k_max)
    lower = min(np.log(fit.a / b) - 3.0, upper - 1.0)  # the line's slope a is reached near k = a/b
    result = optimize.minimize_scalar(negative, bounds=(lower, upper), method="bounded",
                                      options={"xatol": 1e-8})
    return -float(result.fun)


class DistanceFn:
    """Scaled deviance from the best curve to the best curve with capacity exp(log b)."""

    def __init__(self, s: FloatArray, y: FloatArray, fit: CurveFit) -> None:
        """Keep the data and the fit."""
        self.s, self.y, self.fit = s, y, fit

    def __call__(self, log_b: float) -> float:
        """Return 2·(log L max − profile log L at b) / scale."""
        profile = _profile_b(float(np.exp(log_b)), self.s, self.y, self.fit)
        return 2 * (self.fit.log_likelihood - profile) / self.fit.scale


def _crossing(distance: Callable[[float], float], start: float, step: float,
              cutoff: float) -> float | None:
    """Return log b where `distance` reaches `cutoff`, stepping from `start`; None if never."""
    from scipy import optimize
    inner = start
    if distance(inner) >= cutoff:  # the optimiser missed the best curve by a wide margin
        return inner
    for _ in range(_DOUBLINGS):
        outer = inner + step
        if distance(outer) >= cutoff:
            return float(optimize.brentq(lambda v: distance(v) - cutoff, min(inner, outer),
                                         max(inner, outer), xtol=1e-5))
        inner = outer
    return None


def capacity_interval(spend: npt.ArrayLike, customers: npt.ArrayLike,
                      fit: CurveFit) -> tuple[float, float | None] | None:
    """Return the 90 % profile-likelihood interval of b (customers per week).

    The cutoff is the χ²₁ (or, quasi-Poisson, F(1, n − 2)) 90 % quantile, so the upper end
    is finite exactly when the test finds a limit (None: no upper end, the line fits as
    well). None when the fit is the line itself.
    """
    from scipy import stats
    b = fit.capacity
    if b is None:
        return None
    s = np.asarray(spend, np.float64) / fit.mean_spend
    y = np.asarray(customers, np.float64)
    cutoff = float(stats.f.isf(2 * ALPHA, 1, fit.df) if fit.scale > 1.0
                   else stats.chi2.isf(2 * ALPHA, 1))
    distance = DistanceFn(s, y, fit)
    lower = _crossing(distance, float(np.log(b)), -np.log(2), cutoff)
    upper = _crossing(distance, float(np.log(b)), np.log(2), cutoff)
    return (0.0 if lower is None else float(np.exp(lower)),
            None if upper is None else float(np.exp(upper)))
