"""Channel capacity (SPEC §3): observed best weeks and the saturation curve b·tanh(s / (b·c)).

Spend is in minor units per week, customers per week. The curve is fitted by Poisson
maximum likelihood (weekly customers are counts whose variance grows with their mean) over
log-parameters inside bounds, from several starting points; a fit that runs into a bound
or never bends within the observed spend is reported as "no saturation visible", never as
an exploding capacity.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from channels.trends import MIN_SPEND_WEEKS, spend_varies

WEEKS_PER_MONTH = 52 / 12
BEST_WEEKS = 4
MIN_BEND = 0.5  # spend/(b·c) the data must reach for b to be visible (tanh(0.5) = 0.46)
MAX_FLAT_START = 1.0  # the lowest spend must sit on the rising part: spend/(b·c) ≤ 1
_B_RANGE = (0.25, 50.0)  # × the largest weekly customer count
_C_RANGE = (0.02, 50.0)  # × the average CAC


@dataclass(frozen=True)
class SaturationFit:
    """Fitted curve: b customers/week at saturation (None: no saturation visible), c CAC at low
    spend (minor units); max_bend: largest observed spend/(b·c)."""

    b: float | None
    c: float
    max_bend: float


def observed_capacity(customers: npt.ArrayLike) -> float | None:
    """Return the best 4 consecutive weeks' mean customers × 52/12 per month; None if < 4."""
    weekly = np.asarray(customers, dtype=np.float64)
    if weekly.size < BEST_WEEKS:
        return None
    window = np.convolve(weekly, np.ones(BEST_WEEKS) / BEST_WEEKS, mode="valid")
    return float(window.max() * WEEKS_PER_MONTH)


def saturation_curve(spend: npt.ArrayLike, b: float, c: float) -> npt.NDArray[np.float64]:
    """Return expected customers per week b·tanh(spend/(b·c)) for spend in minor units."""
    return b * np.tanh(np.asarray(spend, dtype=np.float64) / (b * c))


def _negative_log_likelihood(theta: npt.NDArray[np.float64], s: npt.NDArray[np.float64],
                             y: npt.NDArray[np.float64]) -> float:
    mean = np.maximum(saturation_curve(s, float(np.exp(theta[0])), float(np.exp(theta[1]))),
                      1e-12)
    return float(np.sum(mean - y * np.log(mean)))


def fit_saturation(spend: npt.ArrayLike, customers: npt.ArrayLike) -> SaturationFit | None:
    """Return the Poisson-ML saturation fit over weeks with spend > 0.

    None with fewer than 6 such weeks, spend CV ≤ 0.25, no customers, a failed fit, or a
    curve already flat at the lowest spend tried (customers do not follow spend).
    """
    from scipy import optimize
    s, y = np.asarray(spend, dtype=np.float64), np.asarray(customers, dtype=np.float64)
    keep = s > 0
    s, y = s[keep], y[keep]
    if s.size < MIN_SPEND_WEEKS or not spend_varies(s) or y.sum() <= 0:
        return None
    average_cac, top = s.sum() / y.sum(), max(float(y.max()), 1.0)
    bounds = [(np.log(top * _B_RANGE[0]), np.log(top * _B_RANGE[1])),
              (np.log(average_cac * _C_RANGE[0]), np.log(average_cac * _C_RANGE[1]))]
    best: optimize.OptimizeResult | None = None
    for b0, c0 in ((1.2, 0.6), (3.0, 0.9), (10.0, 1.0)):
        start = np.log([top * b0, average_cac * c0])
        result = optimize.minimize(_negative_log_likelihood, start, args=(s, y),
                                   method="L-BFGS-B", bounds=bounds)
        if result.success and (best is None or result.fun < best.fun):
            best = result
    if best is None:
        return None
    log_b, log_c = (float(v) for v in best.x)
    if np.isclose(log_c, bounds[1][0]) or np.isclose(log_c, bounds[1][1]):
        return None
    b, c = float(np.exp(log_b)), float(np.exp(log_c))
    if s.min() / (b * c) > MAX_FLAT_START:
        return None  # flat already at the lowest spend tried: c is not identified
    bend = float(s.max() / (b * c))
    visible = bend >= MIN_BEND and log_b < bounds[0][1] - 1e-3
    return SaturationFit(b=b if visible else None, c=c, max_bend=bend)


def marginal_cac(fit: SaturationFit, weekly_spend: float) -> float:
    """Return 1 / (d customers / d spend) at a weekly spend: c·cosh²(s/(b·c)); c if unsaturated."""
    if fit.b is None:
        return fit.c
    x = min(weekly_spend / (fit.b * fit.c), 300.0)
    return float(fit.c * np.cosh(x) ** 2)


def economic_capacity_spend(fit: SaturationFit, target_cac: float | None) -> float | None:
    """Return the weekly spend where marginal CAC reaches `target_cac` (minor units).

    0 when even the first customer costs more than the target; None when it is never reached
    (no saturation visible) or the target is undefined.
    """
    if target_cac is None or target_cac <= 0:
        return None
    if target_cac <= fit.c:
        return 0.0
    if fit.b is None:
        return None
    return float(fit.b * fit.c * np.arccosh(np.sqrt(target_cac / fit.c)))
