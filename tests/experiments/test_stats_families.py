"""Many-group tests, corrections and error-rate calibration (SPEC §4)."""

from itertools import combinations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from experiments.families import adjust_p_values, chi_square_homogeneity, pairwise_conversion
from experiments.proportions import conversion_test, z_test

P_VALUES = [
    [0.01, 0.04, 0.03, 0.005, 0.2, 0.5],
    [0.001, 0.001, 0.9, 0.04],
    [0.5],
    [0.02, 0.021, 0.049, 0.8, 0.0001, 0.03, 0.03, 0.7, 0.01, 0.04],
]


@pytest.mark.parametrize("p", P_VALUES)
@pytest.mark.parametrize(("ours", "theirs"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_adjustments_match_statsmodels(p: list[float], ours: str, theirs: str) -> None:
    expected = multipletests(p, alpha=0.05, method=theirs)[1]
    np.testing.assert_allclose(adjust_p_values(p, ours), expected, rtol=1e-12)


def test_adjustment_edges() -> None:
    assert adjust_p_values([], "holm").size == 0
    with pytest.raises(ValueError, match="unknown adjustment"):
        adjust_p_values([0.1], "bonferonni")


@pytest.mark.parametrize(
    ("x", "n"),
    [([10, 20, 30], [100, 110, 120]), ([0, 5, 9, 2], [50, 60, 70, 40]), ([3, 3], [30, 30])],
)
def test_chi_square_matches_scipy(x: list[int], n: list[int]) -> None:
    table = np.array([x, np.subtract(n, x)])
    statistic, p, _, _ = stats.chi2_contingency(table, correction=False)
    result = chi_square_homogeneity(x, n)
    assert result is not None
    np.testing.assert_allclose([result.statistic, result.p_value], [statistic, p], rtol=1e-10)


def test_chi_square_without_information_is_undefined() -> None:
    assert chi_square_homogeneity([0, 0], [10, 20]) is None
    assert chi_square_homogeneity([5], [10]) is None


def test_pairwise_uses_each_pairs_test_and_holm() -> None:
    x, n = [10, 25, 40, 1], [200, 210, 190, 30]
    pairs = pairwise_conversion(x, n, "holm")
    raw = [conversion_test(x[i], n[i], x[j], n[j]) for i, j in combinations(range(4), 2)]
    assert [(r.i, r.j) for r in pairs] == list(combinations(range(4), 2))
    expected = multipletests([r.p_value for r in raw if r], method="holm")[1]  # type: ignore[misc]
    np.testing.assert_allclose([r.adjusted_p for r in pairs], expected, rtol=1e-12)
    reference = stats.boschloo_exact([[x[0], x[3]], [n[0] - x[0], n[3] - x[3]]]).pvalue
    assert pairs[2].test == "boschloo_exact"
    np.testing.assert_allclose(pairs[2].p_value, reference, rtol=1e-9)


def test_z_test_false_positive_rate_is_calibrated() -> None:
    rng = np.random.default_rng(2024)
    x = rng.binomial(600, 0.08, size=(2000, 2))
    rejections = sum(z_test(int(a), 600, int(b), 600).p_value < 0.05 for a, b in x)
    assert 0.035 <= rejections / 2000 <= 0.065


def test_holm_controls_the_family_wise_error_rate() -> None:
    rng = np.random.default_rng(99)
    families = 300
    counts = rng.binomial(400, 0.1, size=(families, 10))
    false_alarms = 0
    for family in counts:
        adjusted = [r.adjusted_p for r in pairwise_conversion(list(family), [400] * 10)]
        false_alarms += min(adjusted) < 0.05
    assert false_alarms / families <= 0.06


def test_matrix_minimum_counts_customers_of_the_pair_together() -> None:
    from experiments.matrix import conversion_matrix
    channels = [(1, "None sold", 100, 0), (2, "Good", 100, 20), (3, "Three sold", 100, 3)]
    matrix = conversion_matrix(channels, "holm")
    assert all(g.enough_data for g in matrix.groups)  # 100 leads each ≥ 30
    good_vs_none = matrix.rows[1][0]
    assert good_vs_none is not None and good_vs_none.significant  # 20 customers in total
    three_vs_none = matrix.rows[2][0]
    # 3 customers in total < 5: never called, whatever the p-value.
    assert three_vs_none is not None and not three_vs_none.significant
