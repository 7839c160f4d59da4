"""Comparisons of more than two groups: homogeneity test and multiple-testing correction."""

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt

from experiments.proportions import TestResult, conversion_test

ADJUSTMENTS: tuple[str, ...] = ("holm", "bh")


def chi_square_homogeneity(
    successes: npt.ArrayLike, leads: npt.ArrayLike
) -> TestResult | None:
    """Return Pearson's chi-square test that k ≥ 2 groups share one conversion rate.

    Groups without leads are dropped; None when fewer than two groups remain or when
    nobody (or everybody) converted, since the table then carries no information.
    """
    from scipy import stats
    x, n = np.asarray(successes, np.float64), np.asarray(leads, np.float64)
    keep = n > 0
    x, n = x[keep], n[keep]
    if x.size < 2 or x.sum() == 0 or x.sum() == n.sum():
        return None
    observed = np.stack([x, n - x], axis=1)
    expected = np.outer(n, observed.sum(axis=0)) / n.sum()
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return TestResult("chi_square", statistic, float(stats.chi2.sf(statistic, x.size - 1)))


def adjust_p_values(p_values: npt.ArrayLike, method: str = "holm") -> npt.NDArray[np.float64]:
    """Return Holm (family-wise) or Benjamini–Hochberg (FDR) adjusted p-values, same order."""
    p = np.asarray(p_values, np.float64)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "holm":
        adjusted = np.maximum.accumulate((m - np.arange(m)) * ranked)
    elif method == "bh":
        adjusted = np.minimum.accumulate(m / np.arange(m, 0, -1) * ranked[::-1])[::-1]
    else:
        raise ValueError(f"unknown adjustment {method!r}; use one of {ADJUSTMENTS}")
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    return result


@dataclass(frozen=True)
class PairwiseResult:
    """Conversion test of groups i (A) and j (B) with its raw and adjusted p-values."""

    i: int
    j: int
    test: str
    p_value: float
    adjusted_p: float


def pairwise_conversion(
    successes: list[int], leads: list[int], method: str = "holm"
) -> list[PairwiseResult]:
    """Return every pair's conversion test (z or exact), adjusted across all testable pairs."""
    tested: list[tuple[int, int, TestResult]] = []
    for i, j in combinations(range(len(leads)), 2):
        result = conversion_test(successes[i], leads[i], successes[j], leads[j])
        if result is not None:
            tested.append((i, j, result))
    adjusted = adjust_p_values([r.p_value for _, _, r in tested], method)
    return [
        PairwiseResult(i, j, r.name, r.p_value, float(q))
        for (i, j, r), q in zip(tested, adjusted, strict=True)
    ]
