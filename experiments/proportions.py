"""Conversion-rate statistics for two groups of leads (SPEC §4): tests, intervals, Bayes, power.

Group A is the baseline and B the challenger; differences are always B − A.
"""

import math
from dataclasses import dataclass

import numpy as np

from experiments.boschloo import boschloo_p_value

# The 97.5 % standard normal quantile, stats.norm.ppf(0.975), as a literal so that importing
# this module (and so starting the web app) does not load scipy (tests/test_startup.py).
Z95 = 1.959963984540054
# Boschloo's exact test (experiments.boschloo) costs time and memory ∝ (n_a + n_b)·min(n_a,
# n_b): 0.4–0.8 s at 500 leads per arm on a busy 2-core machine (benchmarks/boschloo.py).
# Above that Fisher's exact test (conditional, conservative, still exact) keeps a request fast.
BOSCHLOO_MAX_CELLS = 1_001 * 501


@dataclass(frozen=True)
class TestResult:
    """A hypothesis test: its name, statistic (None for exact tests) and two-sided p-value."""

    name: str
    statistic: float | None
    p_value: float


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Return the Wilson score interval (fractions) for successes/n; None when n is 0."""
    if n <= 0:
        return None
    z2 = z * z
    centre = (successes + z2 / 2) / (n + z2)
    half = z / (n + z2) * math.sqrt(successes * (n - successes) / n + z2 / 4)
    return max(0.0, centre - half), min(1.0, centre + half)


def expected_cells_ok(x_a: int, n_a: int, x_b: int, n_b: int, minimum: float = 5.0) -> bool:
    """Return True when every expected cell of the 2×2 table (pooled rate) is ≥ minimum."""
    pooled = (x_a + x_b) / (n_a + n_b)
    cells = [n * p for n in (n_a, n_b) for p in (pooled, 1 - pooled)]
    return min(cells) >= minimum


def z_test(x_a: int, n_a: int, x_b: int, n_b: int) -> TestResult:
    """Return the pooled two-proportion z-test (z for B − A); needs n_a, n_b > 0."""
    from scipy import stats
    pooled = (x_a + x_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return TestResult("z_test", 0.0, 1.0)
    z = (x_b / n_b - x_a / n_a) / se
    return TestResult("z_test", z, float(min(1.0, 2 * stats.norm.sf(abs(z)))))


def exact_test(x_a: int, n_a: int, x_b: int, n_b: int) -> TestResult:
    """Return Boschloo's two-sided exact test (Fisher's beyond BOSCHLOO_MAX_CELLS)."""
    from scipy import stats
    if not boschloo_fits(n_a, n_b):
        table = [[x_a, x_b], [n_a - x_a, n_b - x_b]]
        p = stats.fisher_exact(table, alternative="two-sided").pvalue
        return TestResult("fisher_exact", None, _unit(p))
    # The test is symmetric in the groups; the smaller one as A keeps the grid smallest.
    small_first = (x_a, n_a, x_b, n_b) if n_a <= n_b else (x_b, n_b, x_a, n_a)
    return TestResult("boschloo_exact", None, _unit(boschloo_p_value(*small_first)))


def boschloo_fits(n_a: int, n_b: int) -> bool:
    """Return True when Boschloo's test of these group sizes takes about 0.5 s or less."""
    return (n_a + n_b + 1) * (min(n_a, n_b) + 1) <= BOSCHLOO_MAX_CELLS


def conversion_test(x_a: int, n_a: int, x_b: int, n_b: int) -> TestResult | None:
    """Return the z-test when all expected cells are ≥ 5, else the exact test; None if n is 0."""
    if n_a <= 0 or n_b <= 0:
        return None
    if expected_cells_ok(x_a, n_a, x_b, n_b):
        return z_test(x_a, n_a, x_b, n_b)
    return exact_test(x_a, n_a, x_b, n_b)


def _unit(p: float) -> float:
    """Return p clipped to [0, 1]; an undefined exact p-value (no information) becomes 1."""
    p = float(p)
    return 1.0 if math.isnan(p) else min(1.0, max(0.0, p))


def newcombe_interval(
    x_a: int, n_a: int, x_b: int, n_b: int, z: float = Z95
) -> tuple[float, float] | None:
    """Return Newcombe's hybrid score interval for p_B − p_A (fractions); None if n is 0."""
    wa, wb = wilson_interval(x_a, n_a, z), wilson_interval(x_b, n_b, z)
    if wa is None or wb is None:
        return None
    p_a, p_b = x_a / n_a, x_b / n_b
    d = p_b - p_a
    lower = d - math.sqrt((p_b - wb[0]) ** 2 + (wa[1] - p_a) ** 2)
    upper = d + math.sqrt((wb[1] - p_b) ** 2 + (p_a - wa[0]) ** 2)
    return lower, upper


def prob_b_beats_a(x_a: int, n_a: int, x_b: int, n_b: int) -> float:
    """Return P(p_B > p_A) under Beta(1,1) priors by Evan Miller's exact sum (log space).

    Posteriors are continuous, so ties have probability zero and P(A > B) = 1 − P(B > A).
    The sum runs over the arm with fewer successes; with no leads the prior gives 0.5.
    """
    if x_b <= x_a:
        return _miller_sum(1 + x_a, 1 + n_a - x_a, 1 + x_b, 1 + n_b - x_b)
    return 1.0 - _miller_sum(1 + x_b, 1 + n_b - x_b, 1 + x_a, 1 + n_a - x_a)


def _miller_sum(alpha_a: int, beta_a: int, alpha_b: int, beta_b: int) -> float:
    """Return P(Beta(alpha_b, beta_b) > Beta(alpha_a, beta_a)) for integer alpha_b ≥ 1."""
    from scipy import special
    i = np.arange(alpha_b, dtype=np.float64)
    log_terms = (
        special.betaln(alpha_a + i, beta_a + beta_b)
        - np.log(beta_b + i)
        - special.betaln(1 + i, beta_b)
        - special.betaln(alpha_a, beta_a)
    )
    return float(min(1.0, max(0.0, math.exp(special.logsumexp(log_terms)))))


def leads_needed(
    x_a: int, n_a: int, x_b: int, n_b: int, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Return more leads per group needed to detect the observed difference (SPEC §4 formula).

    n = (z₁₋α/₂·√(2p̄q̄) + z₁₋β·√(p₁q₁+p₂q₂))² / (p₁−p₂)², rounded up, minus the leads of
    the smaller group, never negative. None when a group is empty or the rates are equal.
    """
    from scipy import stats
    if n_a <= 0 or n_b <= 0:
        return None
    p1, p2 = x_a / n_a, x_b / n_b
    if p1 == p2:
        return None
    p_bar = (p1 + p2) / 2
    z_alpha = stats.norm.ppf(1 - alpha / 2)
    z_beta = stats.norm.ppf(power)
    root = z_alpha * math.sqrt(2 * p_bar * (1 - p_bar)) + z_beta * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    per_group = math.ceil(root**2 / (p1 - p2) ** 2 - 1e-9)
    return max(0, per_group - min(n_a, n_b))
