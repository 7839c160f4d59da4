"""Always-valid p-values and confidence sequences for results looked at every week (SPEC §4).

A fixed-horizon test is calibrated for one look; looked at weekly it calls false winners far
more often than 5 %. The asymptotic confidence sequence of Waudby-Smith, Arnold, Wu,
McAuliffe & Ramdas ("Time-uniform central limit theory and asymptotic confidence
sequences", 2023, arXiv:2103.06476 v7, eq. 9; the Gaussian-mixture boundary of Howard,
Ramdas, McAuliffe & Sekhon, Ann. Statist. 2021) — the method GrowthBook uses — is, for an
estimate θ̂ with variance V after N leads in total (both groups),

    θ̂ ± √(N·V) · √( 2(Nρ² + 1) / (N²ρ²) · log(√(Nρ² + 1) / α) ),

and covers θ at every N at once with probability ≥ 1 − α (asymptotically). ρ tunes where
it is narrowest: ρ² = (−2 log α + log(1 − 2 log α)) / N* for an expected total sample N*
(eq. 161). Its always-valid p-value (eq. 155) is the α at which the interval touches 0:

    p = min(1, √(Nρ² + 1) · exp(−ρ² N θ̂² / (2 V (Nρ² + 1)))),

so p < α exactly when the 1 − α sequence excludes 0. Differences are B − A; the relative
lift (B − A)/A uses the delta-method variance V_B/m_A² + m_B² V_A/m_A⁴ (per-group variances
of the means).
"""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
DEFAULT_EXPECTED_LEADS = 5_000  # GrowthBook's default tuning (total leads of both groups)


@dataclass(frozen=True)
class Summary:
    """One group's per-lead values as sufficient statistics: leads, Σx and Σx²."""

    n: int
    total: float
    total_sq: float

    @classmethod
    def of(cls, values: FloatArray) -> "Summary":
        """Return the summary of per-lead values (shape (n,))."""
        return cls(int(values.size), float(values.sum()), float((values**2).sum()))

    @property
    def mean(self) -> float:
        """Return the mean per lead (needs n ≥ 1)."""
        return self.total / self.n

    def variance(self, proportion: bool) -> float:
        """Return the variance per lead: p(1 − p) for 0/1 values, else the sample variance."""
        if proportion:
            return self.mean * (1 - self.mean)
        centred = self.total_sq - self.total**2 / self.n
        return max(0.0, centred) / (self.n - 1)


@dataclass(frozen=True)
class SequentialResult:
    """An estimate with its 1 − α confidence sequence and always-valid p-value (None: undefined)."""

    estimate: float
    ci: tuple[float, float] | None
    p_value: float | None


def rho(expected_leads: float, alpha: float = 0.05) -> float:
    """Return the mixture tuning ρ that makes the sequence narrowest near `expected_leads` total."""
    if expected_leads <= 0:
        raise ValueError("the expected number of leads must be positive")
    return math.sqrt((-2 * math.log(alpha) + math.log(1 - 2 * math.log(alpha))) / expected_leads)


def confidence_sequence(estimate: float, variance: float, n_total: int,
                        expected_leads: float = DEFAULT_EXPECTED_LEADS,
                        alpha: float = 0.05) -> SequentialResult:
    """Return the asymptotic confidence sequence and always-valid p-value of `estimate`.

    `variance` is the variance of the estimate (not per lead); n_total the leads of both
    groups. With zero or undefined variance the sequence and p-value are None.
    """
    if not (variance > 0 and math.isfinite(variance)) or n_total < 1:
        return SequentialResult(estimate, None, None)
    r2 = rho(expected_leads, alpha) ** 2
    grown = n_total * r2 + 1
    half = math.sqrt(n_total * variance) * math.sqrt(
        2 * grown / (n_total**2 * r2) * math.log(math.sqrt(grown) / alpha))
    p = float(always_valid_p(np.array(estimate), np.array(variance), np.array(n_total),
                             expected_leads, alpha))
    return SequentialResult(estimate, (estimate - half, estimate + half), p)


def always_valid_p(estimate: FloatArray, variance: FloatArray, n_total: FloatArray,
                   expected_leads: float = DEFAULT_EXPECTED_LEADS,
                   alpha: float = 0.05) -> FloatArray:
    """Return always-valid p-values elementwise (arrays of one shape; variance > 0).

    Vectorised for simulations over many weeks and runs; zero variance gives NaN.
    """
    r2 = rho(expected_leads, alpha) ** 2
    grown = n_total * r2 + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = -r2 * n_total * estimate**2 / (2 * variance * grown)
        p = np.minimum(1.0, np.sqrt(grown) * np.exp(exponent))
    return np.where(variance > 0, p, np.nan)


def sequential_difference(a: Summary, b: Summary, proportion: bool,
                          expected_leads: float = DEFAULT_EXPECTED_LEADS,
                          alpha: float = 0.05) -> SequentialResult | None:
    """Return the confidence sequence of mean(B) − mean(A); None when a group has < 2 leads."""
    if a.n < 2 or b.n < 2:
        return None
    variance = a.variance(proportion) / a.n + b.variance(proportion) / b.n
    return confidence_sequence(b.mean - a.mean, variance, a.n + b.n, expected_leads, alpha)


def relative_variance(a: Summary, b: Summary, proportion: bool) -> float | None:
    """Return the delta-method variance of (mean_B − mean_A)/mean_A; None if mean_A is 0."""
    if a.n < 2 or b.n < 2 or a.mean == 0:
        return None
    var_a, var_b = a.variance(proportion) / a.n, b.variance(proportion) / b.n
    return var_b / a.mean**2 + b.mean**2 * var_a / a.mean**4


def sequential_lift(a: Summary, b: Summary, proportion: bool,
                    expected_leads: float = DEFAULT_EXPECTED_LEADS,
                    alpha: float = 0.05) -> SequentialResult | None:
    """Return the confidence sequence of the relative lift (B − A)/A; None if A's mean is 0."""
    variance = relative_variance(a, b, proportion)
    if variance is None:
        return None
    lift = (b.mean - a.mean) / a.mean
    return confidence_sequence(lift, variance, a.n + b.n, expected_leads, alpha)


def weekly_sequence(weeks: list[tuple[Summary, Summary]], proportion: bool,
                    expected_leads: float = DEFAULT_EXPECTED_LEADS,
                    alpha: float = 0.05) -> list[SequentialResult | None]:
    """Return each week's result from cumulative (A, B) summaries, oldest first.

    The sequence holds at every look at once, so each week reports the intersection of the
    intervals so far and the smallest p-value so far (still always valid, never wider later).
    """
    results: list[SequentialResult | None] = []
    low, high, best_p = -math.inf, math.inf, 1.0
    for a, b in weeks:
        now = sequential_difference(a, b, proportion, expected_leads, alpha)
        if now is None or now.ci is None or now.p_value is None:
            results.append(now)
            continue
        low, high = max(low, now.ci[0]), min(high, now.ci[1])
        best_p = min(best_p, now.p_value)
        # An empty intersection happens only when the sequence missed (probability ≤ α);
        # then the week's own interval is the honest thing to show.
        ci = (low, high) if low <= high else (now.ci[0], now.ci[1])
        results.append(SequentialResult(now.estimate, ci, best_p))
    return results


def became_significant(results: list[SequentialResult | None], alpha: float = 0.05) -> bool:
    """Return True when the latest week is significant (p < alpha) and the week before was not."""
    def significant(r: SequentialResult | None) -> bool:
        return r is not None and r.p_value is not None and r.p_value < alpha

    if not results or not significant(results[-1]):
        return False
    return len(results) == 1 or not significant(results[-2])
