"""Vectorised Boschloo exact test against scipy.stats.boschloo_exact (issue 13)."""

import numpy as np
import pytest
from scipy import stats

from experiments.boschloo import boschloo_p_value
from experiments.proportions import conversion_test, exact_test


def tables() -> list[tuple[int, int, int, int]]:
    """Return 120 (x_a, n_a, x_b, n_b) tables: edges and seeded random sizes up to 25."""
    rng = np.random.default_rng(13)
    found = [(0, 100, 20, 100), (0, 1, 0, 1), (1, 1, 0, 1), (0, 5, 5, 5), (5, 5, 5, 5),
             (0, 3, 0, 7), (3, 10, 7, 10), (2, 40, 9, 12), (12, 12, 0, 30), (1, 30, 1, 30)]
    while len(found) < 120:
        n_a, n_b = (int(v) for v in rng.integers(1, 26, 2))
        rate = rng.random()
        found.append((int(rng.binomial(n_a, rate)), n_a,
                      int(rng.binomial(n_b, min(1.0, rate * rng.uniform(0.3, 3)))), n_b))
    return found


def test_matches_scipy_on_120_tables() -> None:
    for x_a, n_a, x_b, n_b in tables():
        reference = stats.boschloo_exact([[x_a, x_b], [n_a - x_a, n_b - x_b]]).pvalue
        expected = 1.0 if np.isnan(reference) else min(1.0, reference)
        np.testing.assert_allclose(boschloo_p_value(x_a, n_a, x_b, n_b), expected,
                                   rtol=1e-9, atol=1e-15, err_msg=f"{x_a}/{n_a} vs {x_b}/{n_b}")


def test_is_symmetric_in_the_groups() -> None:
    assert boschloo_p_value(3, 50, 11, 70) == pytest.approx(boschloo_p_value(11, 70, 3, 50),
                                                            rel=1e-12)


def test_refuses_impossible_tables() -> None:
    with pytest.raises(ValueError, match="not a 2×2 table"):
        boschloo_p_value(5, 4, 0, 3)
    with pytest.raises(ValueError, match="not a 2×2 table"):
        boschloo_p_value(0, 0, 1, 3)


def test_small_expected_counts_use_boschloo_and_large_tables_fisher() -> None:
    small = conversion_test(1, 150, 7, 160)  # expected customers below 5 in each group
    assert small is not None and small.name == "boschloo_exact"
    reference = stats.boschloo_exact([[1, 7], [149, 153]]).pvalue
    np.testing.assert_allclose(small.p_value, reference, rtol=1e-9)
    large = exact_test(1, 2000, 6, 2000)
    assert large.name == "fisher_exact"
    np.testing.assert_allclose(large.p_value,
                               stats.fisher_exact([[1, 6], [1999, 1994]]).pvalue, rtol=1e-12)
