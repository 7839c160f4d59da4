"""Channel capacity (SPEC §3): observed best weeks and the saturation curve b·tanh(s / (b·c)).

Spend is in minor units per week, customers per week. A capacity is modelled only when the
data shows a limit: the curve must beat the straight line `customers = spend / c` in a
one-sided likelihood-ratio test at 5 % (Poisson, or quasi-Poisson with an F reference when
weeks are noisier than Poisson; see channels/saturation.py for why a test and not AIC/BIC).
Otherwise the channel has "no limit seen yet up to" its largest weekly spend, with the
linear CAC. A modelled capacity comes with a 90 % profile-likelihood interval whose upper
end is the one-sided 95 % bound of the same test. A curve already flat at the lowest spend
tried (customers do not follow spend) identifies no CAC and gives no fit.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from channels.saturation import ALPHA, capacity_interval, fit_curve
from channels.trends import MIN_SPEND_WEEKS, spend_varies

WEEKS_PER_MONTH = 52 / 12
BEST_WEEKS = 4
MAX_FLAT_START = 1.0  # the lowest spend must sit on the rising part: spend/(b·c) ≤ 1


@dataclass(frozen=True)
class SaturationFit:
    """Fitted curve over weeks with spend: b customers/week at saturation (None: no limit
    seen, the straight line fits as well), c CAC at low spend (the linear CAC when b is None;
    minor units); max_bend: largest observed spend/(b·c) (0 for the line).

    p_value: one-sided test of the curve against the line; b_interval: 90 % interval of b
    (upper None: unbounded), None when b is None; linear_cac: total spend / total customers;
    max_spend: the largest weekly spend in the fit (minor units); scale: quasi-Poisson
    dispersion (1: Poisson).
    """

    b: float | None
    c: float
    max_bend: float
    p_value: float = 1.0
    b_interval: tuple[float, float | None] | None = None
    linear_cac: float | None = None
    max_spend: float | None = None
    scale: float = 1.0


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


def fit_saturation(spend: npt.ArrayLike, customers: npt.ArrayLike) -> SaturationFit | None:
    """Return the saturation fit over weeks with spend > 0, tested against the straight line.

    None with fewer than 6 such weeks, spend CV ≤ 0.25, no customers, or a curve already flat
    at the lowest spend tried (customers do not follow spend). b is None unless the test
    finds a limit (p < 0.05).
    """
    s, y = np.asarray(spend, dtype=np.float64), np.asarray(customers, dtype=np.float64)
    keep = s > 0
    s, y = s[keep], y[keep]
    if s.size < MIN_SPEND_WEEKS or not spend_varies(s) or y.sum() <= 0:
        return None
    curve = fit_curve(s, y, MAX_FLAT_START)
    if curve.k >= curve.k_max * (1 - 1e-6):
        return None  # flat already at the lowest spend tried: c is not identified
    linear_cac, top = float(s.sum() / y.sum()), float(s.max())
    b = curve.capacity
    if b is None or curve.p_value >= ALPHA:
        return SaturationFit(b=None, c=linear_cac, max_bend=0.0, p_value=curve.p_value,
                             linear_cac=linear_cac, max_spend=top, scale=curve.scale)
    c = curve.mean_spend / curve.a
    return SaturationFit(b=b, c=c, max_bend=top / (b * c), p_value=curve.p_value,
                         b_interval=capacity_interval(s, y, curve), linear_cac=linear_cac,
                         max_spend=top, scale=curve.scale)


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
