"""Conversion statistics against statsmodels/scipy references computed here (SPEC §4)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from experiments.proportions import (
    conversion_test,
    expected_cells_ok,
    leads_needed,
    newcombe_interval,
    prob_b_beats_a,
    wilson_interval,
    z_test,
)

# (successes A, leads A, successes B, leads B): large, small, zero / all conversions, ties.
TABLES = [
    (95, 1000, 120, 1000),
    (30, 250, 45, 260),
    (12, 100, 9, 95),
    (0, 40, 6, 42),
    (40, 40, 35, 42),
    (3, 12, 7, 11),
    (50, 500, 50, 500),
    (1, 2000, 9, 1800),
]


@pytest.mark.parametrize(("xa", "na", "xb", "nb"), TABLES)
def test_conversion_test_matches_reference(xa: int, na: int, xb: int, nb: int) -> None:
    result = conversion_test(xa, na, xb, nb)
    assert result is not None
    pooled = (xa + xb) / (na + nb)
    if min(na * pooled, na * (1 - pooled), nb * pooled, nb * (1 - pooled)) >= 5:
        z, p = proportions_ztest([xb, xa], [nb, na])
        assert result.name == "z_test"
        np.testing.assert_allclose([result.statistic, result.p_value], [z, p], rtol=1e-10)
    elif (na + 1) * (nb + 1) <= 251 * 251:
        reference = stats.boschloo_exact([[xa, xb], [na - xa, nb - xb]]).pvalue
        assert result.name == "boschloo_exact"
        np.testing.assert_allclose(result.p_value, min(1.0, reference), rtol=1e-9)
    else:
        reference = stats.fisher_exact([[xa, xb], [na - xa, nb - xb]]).pvalue
        assert result.name == "fisher_exact"
        np.testing.assert_allclose(result.p_value, reference, rtol=1e-9)


def test_expected_cells_rule_picks_the_test() -> None:
    assert expected_cells_ok(95, 1000, 120, 1000)
    assert not expected_cells_ok(0, 40, 6, 42)
    assert conversion_test(0, 40, 6, 42).name == "boschloo_exact"  # type: ignore[union-attr]
    assert conversion_test(0, 0, 1, 10) is None


def test_no_conversions_anywhere_is_not_evidence() -> None:
    assert conversion_test(0, 50, 0, 60).p_value == 1.0  # type: ignore[union-attr]
    assert z_test(0, 500, 0, 600).p_value == 1.0


@pytest.mark.parametrize(("x", "n"), [(0, 10), (10, 10), (1, 3), (37, 400), (5000, 12000)])
def test_wilson_interval_matches_statsmodels(x: int, n: int) -> None:
    reference = proportion_confint(x, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(wilson_interval(x, n), reference, rtol=1e-10, atol=1e-12)


def test_wilson_interval_of_no_leads_is_undefined() -> None:
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize(("xa", "na", "xb", "nb"), TABLES)
def test_newcombe_interval_matches_statsmodels(xa: int, na: int, xb: int, nb: int) -> None:
    reference = confint_proportions_2indep(xb, nb, xa, na, method="newcomb", compare="diff")
    np.testing.assert_allclose(newcombe_interval(xa, na, xb, nb), reference, atol=1e-10)


def integrated_prob_b_beats_a(xa: int, na: int, xb: int, nb: int) -> float:
    """Return P(p_B > p_A) by adaptive quadrature of f_B(x)·F_A(x) (independent reference)."""
    a = stats.beta(1 + xa, 1 + na - xa)
    b = stats.beta(1 + xb, 1 + nb - xb)
    lo, hi = min(a.ppf(1e-15), b.ppf(1e-15)), max(a.isf(1e-15), b.isf(1e-15))
    marks = sorted({float(v) for v in (a.mean(), b.mean(), a.median(), b.median())})
    value, _ = integrate.quad(lambda x: b.pdf(x) * a.cdf(x), lo, hi, points=marks,
                              epsabs=1e-13, epsrel=1e-11, limit=500)
    return float(value)


@pytest.mark.parametrize(
    ("xa", "na", "xb", "nb"),
    [*TABLES, (0, 0, 0, 0), (0, 5, 0, 5), (2, 5, 0, 5), (300, 5000, 340, 5000)],
)
def test_prob_b_beats_a_matches_numerical_integration(
    xa: int, na: int, xb: int, nb: int
) -> None:
    expected = integrated_prob_b_beats_a(xa, na, xb, nb)
    np.testing.assert_allclose(prob_b_beats_a(xa, na, xb, nb), expected, atol=1e-8)


def test_prob_b_beats_a_is_stable_for_large_counts() -> None:
    p = prob_b_beats_a(40_000, 1_000_000, 41_000, 1_000_000)
    assert math.isfinite(p) and 0.999 < p <= 1.0
    assert prob_b_beats_a(100, 1000, 100, 1000) == pytest.approx(0.5, abs=1e-12)


def spec_formula(p1: float, p2: float) -> float:
    """Return SPEC §4's per-group sample size for α = 0.05, power 0.8 (unrounded)."""
    z_a, z_b = stats.norm.isf(0.025), stats.norm.isf(0.2)
    p_bar = (p1 + p2) / 2
    root = z_a * math.sqrt(2 * p_bar * (1 - p_bar)) + z_b * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2))
    return root**2 / (p1 - p2) ** 2


@pytest.mark.parametrize(("xa", "na", "xb", "nb"), [(95, 1000, 120, 1000), (12, 100, 9, 95),
                                                    (0, 40, 6, 42), (10, 80, 30, 90)])
def test_leads_needed_follows_the_spec_formula(xa: int, na: int, xb: int, nb: int) -> None:
    expected = max(0, math.ceil(spec_formula(xa / na, xb / nb)) - min(na, nb))
    assert leads_needed(xa, na, xb, nb) == expected


def test_leads_needed_known_value() -> None:
    # 10 % vs 15 %: the textbook answer is 686 per group (Fleiss without correction).
    assert leads_needed(10, 100, 15, 100) == 686 - 100
    assert leads_needed(100, 1000, 300, 1000) == 0
    assert leads_needed(10, 100, 10, 100) is None
    assert leads_needed(0, 0, 3, 10) is None


small = st.integers(min_value=1, max_value=60)


@st.composite
def tables(draw: st.DrawFn) -> tuple[int, int, int, int]:
    na, nb = draw(small), draw(small)
    return draw(st.integers(0, na)), na, draw(st.integers(0, nb)), nb


@settings(max_examples=60, deadline=None)
@given(tables())
def test_p_value_is_a_probability_and_symmetric(t: tuple[int, int, int, int]) -> None:
    xa, na, xb, nb = t
    forward, backward = conversion_test(xa, na, xb, nb), conversion_test(xb, nb, xa, na)
    assert forward is not None and backward is not None
    assert 0.0 <= forward.p_value <= 1.0
    assert forward.name == backward.name
    assert forward.p_value == pytest.approx(backward.p_value, rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(tables())
def test_swapping_groups_complements_the_bayesian_probability(
    t: tuple[int, int, int, int],
) -> None:
    xa, na, xb, nb = t
    # Posteriors are continuous: P(p_A = p_B) = 0, so the two orders sum to one exactly.
    total = prob_b_beats_a(xa, na, xb, nb) + prob_b_beats_a(xb, nb, xa, na)
    assert total == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(small, st.integers(0, 60))
def test_identical_groups_are_never_significant(n: int, x: int) -> None:
    x = min(x, n)
    result = conversion_test(x, n, x, n)
    assert result is not None and result.p_value > 0.05
    assert prob_b_beats_a(x, n, x, n) == pytest.approx(0.5, abs=1e-9)
