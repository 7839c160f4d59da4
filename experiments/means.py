"""Statistics for per-lead values (revenue per lead, zeros included; ROI): SPEC §4.

Differences are B − A. Values are floats in any unit (callers pass major currency units).
"""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from experiments.proportions import TestResult

FloatArray = npt.NDArray[np.float64]
BOOTSTRAP_SEED = 20_240_401
BOOTSTRAP_RESAMPLES = 4_000
# Rows of resampled indices drawn at once: bounds memory to ~16 MB per batch.
_BATCH_CELLS = 2_000_000


def welch_test(a: FloatArray, b: FloatArray) -> TestResult | None:
    """Return Welch's unequal-variance t-test of mean(b) − mean(a); None if a group has < 2.

    When both groups have zero variance the test is degenerate: p = 1 for equal means,
    otherwise 0 (no variation can explain a difference).
    """
    from scipy import stats
    if a.size < 2 or b.size < 2:
        return None
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    diff = float(b.mean() - a.mean())
    if va + vb == 0:
        return TestResult("welch_t", None, 1.0 if diff == 0 else 0.0)
    t = diff / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return TestResult("welch_t", t, float(min(1.0, 2 * stats.t.sf(abs(t), df))))


def leads_needed_for_means(
    a: FloatArray, b: FloatArray, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Return more leads per group needed to detect the observed difference of mean values.

    The two-sample analogue of SPEC §4's conversion formula (normal approximation):
    n = (z₁₋α/₂ + z₁₋β)² · (s_a² + s_b²) / (x̄_b − x̄_a)² per group, with sample variances,
    rounded up, minus the leads of the smaller group, never negative. None when a group has
    fewer than 2 leads, the means are equal, neither group varies or no finite n would do.
    """
    from scipy import stats
    if a.size < 2 or b.size < 2:
        return None
    spread = float(a.var(ddof=1) + b.var(ddof=1))
    diff = float(b.mean() - a.mean())
    if diff == 0 or spread == 0:
        return None
    z = float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))
    needed = z**2 * spread / diff**2
    if not math.isfinite(needed):  # a difference too small to ever detect
        return None
    return max(0, math.ceil(needed - 1e-9) - min(a.size, b.size))


def mann_whitney(a: FloatArray, b: FloatArray) -> TestResult | None:
    """Return two-sided Mann–Whitney U test (U of b, tie-corrected); None if a group is empty."""
    from scipy import stats
    if a.size == 0 or b.size == 0:
        return None
    if np.ptp(np.concatenate([a, b])) == 0:
        return TestResult("mann_whitney_u", a.size * b.size / 2, 1.0)
    result = stats.mannwhitneyu(b, a, alternative="two-sided")
    return TestResult("mann_whitney_u", float(result.statistic), float(result.pvalue))


@dataclass(frozen=True)
class _Arm:
    """One group's values with its weight w in θ = w_b·mean(b) − w_a·mean(a)."""

    values: FloatArray
    weight: float


@dataclass(frozen=True)
class BootstrapIntervals:
    """BCa intervals of each group's weighted mean and of their difference (B − A)."""

    a: tuple[float, float] | None  # None when the group has fewer than 2 values
    b: tuple[float, float] | None
    difference: tuple[float, float] | None  # None when either group has fewer than 2


def bca_intervals(
    a: FloatArray,
    b: FloatArray,
    weights: tuple[float, float] = (1.0, 1.0),
    confidence: float = 0.95,
    seed: int = BOOTSTRAP_SEED,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
) -> BootstrapIntervals:
    """Return BCa bootstrap intervals of w_a·mean(a), w_b·mean(b) and their difference.

    Seeded, hence reproducible; one set of resamples serves all three intervals. The
    jackknife acceleration of a weighted (difference of) mean(s) has a closed form, so it
    costs O(n) instead of scipy's O(n²); the results match scipy.stats.bootstrap(method='BCa')
    up to resampling noise. weights = (w_a, w_b).
    """
    arm_a, arm_b = _Arm(a, weights[0]), _Arm(b, weights[1])
    rng = np.random.default_rng(seed)
    boot_b = _resampled_means(arm_b, rng, n_resamples) if b.size >= 2 else None
    boot_a = _resampled_means(arm_a, rng, n_resamples) if a.size >= 2 else None

    def one(arm: _Arm, boot: FloatArray | None) -> tuple[float, float] | None:
        if boot is None:
            return None
        theta = float(arm.weight * arm.values.mean())
        return _bca_bounds(boot, theta, _acceleration([arm]), confidence)

    difference = None
    if boot_a is not None and boot_b is not None:
        theta = float(arm_b.weight * b.mean() - arm_a.weight * a.mean())
        accel = _acceleration([arm_a, arm_b])
        difference = _bca_bounds(boot_b - boot_a, theta, accel, confidence)
    return BootstrapIntervals(one(arm_a, boot_a), one(arm_b, boot_b), difference)


def bca_difference_interval(
    a: FloatArray, b: FloatArray, weights: tuple[float, float] = (1.0, 1.0)
) -> tuple[float, float] | None:
    """Return the BCa bootstrap interval of w_b·mean(b) − w_a·mean(a); None if a group has < 2."""
    return bca_intervals(a, b, weights).difference


def _bca_bounds(
    boot: FloatArray, theta: float, accel: float, confidence: float
) -> tuple[float, float]:
    """Return the BCa percentile interval of bootstrap estimates `boot` around `theta`."""
    from scipy import special
    if np.ptp(boot) == 0:
        return theta, theta
    below = (np.count_nonzero(boot < theta) + np.count_nonzero(boot <= theta)) / (2 * boot.size)
    z0 = special.ndtri(below)
    levels = []
    for z_alpha in special.ndtri([(1 - confidence) / 2, (1 + confidence) / 2]):
        levels.append(special.ndtr(z0 + (z0 + z_alpha) / (1 - accel * (z0 + z_alpha))))
    lower, upper = np.percentile(boot, np.multiply(levels, 100))
    return float(lower), float(upper)


def _resampled_means(arm: _Arm, rng: np.random.Generator, n_resamples: int) -> FloatArray:
    """Return n_resamples bootstrap means of the arm's values, times its weight."""
    n = arm.values.size
    rows = max(1, _BATCH_CELLS // n)
    means = [
        arm.values[rng.integers(0, n, (min(rows, n_resamples - start), n))].mean(axis=1)
        for start in range(0, n_resamples, rows)
    ]
    return arm.weight * np.concatenate(means)


def _acceleration(arms: list[_Arm]) -> float:
    """Return the BCa acceleration from the closed-form jackknife of each arm's weighted mean.

    Leaving value x_i out of an arm of size n moves its mean to (S − x_i)/(n − 1), so the
    jackknife deviations are proportional to x_i − mean; scipy's multi-sample formula follows.
    """
    nums, dens = 0.0, 0.0
    for arm in arms:
        n = arm.values.size
        # u_i = (n−1)(θ̄ − θ_i) = ±w·(x_i − mean): + for B, − for A (it enters θ negated).
        sign = 1.0 if arm is arms[-1] else -1.0
        u = sign * arm.weight * (arm.values - arm.values.mean())
        nums += float((u**3).sum()) / n**3
        dens += float((u**2).sum()) / n**2
    return 0.0 if dens == 0 else nums / (6 * dens**1.5)
