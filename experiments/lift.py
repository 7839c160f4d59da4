"""Relative lift (B − A)/A with a delta-method interval: "+23 %" next to the difference.

Var((m_B − m_A)/m_A) ≈ V_B/m_A² + m_B²·V_A/m_A⁴ (V: variance of each group's mean), the
first-order delta method GrowthBook also uses; the interval takes Student's t with the
Welch–Satterthwaite degrees of freedom, so it matches gbstats' TwoSidedTTest(relative).
"""

import math
from dataclasses import dataclass

from experiments.sequential import Summary, relative_variance


@dataclass(frozen=True)
class Lift:
    """A relative lift (a fraction: 0.23 is +23 %) and its 95 % interval (None: undefined)."""

    estimate: float
    ci: tuple[float, float] | None


def relative_lift(a: Summary, b: Summary, proportion: bool,
                  confidence: float = 0.95) -> Lift | None:
    """Return (mean_B − mean_A)/mean_A with its delta-method interval; None if mean_A is 0.

    `proportion` uses p(1 − p) as the per-lead variance (conversion), else the sample
    variance (revenue per lead). The interval is None when neither group varies.
    """
    from scipy import stats
    variance = relative_variance(a, b, proportion)
    if variance is None:
        return None
    estimate = (b.mean - a.mean) / a.mean
    var_a, var_b = a.variance(proportion) / a.n, b.variance(proportion) / b.n
    if variance <= 0 or var_a + var_b <= 0:
        return Lift(estimate, None)
    df = (var_a + var_b) ** 2 / (var_a**2 / (a.n - 1) + var_b**2 / (b.n - 1))
    half = float(stats.t.ppf((1 + confidence) / 2, df)) * math.sqrt(variance)
    return Lift(estimate, (estimate - half, estimate + half))
