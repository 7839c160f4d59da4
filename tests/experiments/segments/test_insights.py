"""Pure segment statistics and the channel matrix, checked against scipy/statsmodels here."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from experiments.matrix import conversion_matrix
from experiments.segments.insights import (
    Moments,
    SegmentRule,
    SegmentValue,
    segment_insights,
    top_finding,
    welch_from_stats,
    welch_moments,
)

SAMPLES = [
    (np.array([0, 0, 0, 120.0, 0, 35, 0, 0, 4000]), np.array([0, 10.0, 0, 0, 0, 0, 90])),
    (np.zeros(40), np.r_[np.zeros(30), np.full(5, 99.0)]),
    (np.random.default_rng(3).lognormal(3, 2, 500), np.random.default_rng(4).lognormal(3, 1, 80)),
]


def moments(values: np.ndarray) -> Moments:
    return Moments(values.size, int(np.count_nonzero(values)), float(values.sum()),
                   float((values**2).sum()))


@pytest.mark.parametrize(("a", "b"), SAMPLES)
def test_welch_from_sufficient_statistics_matches_scipy(a: np.ndarray, b: np.ndarray) -> None:
    ma, mb = moments(a), moments(b)
    assert ma.variance is not None and mb.variance is not None
    np.testing.assert_allclose(ma.variance, a.var(ddof=1), rtol=1e-9, atol=1e-12)
    ours = welch_from_stats(a.mean(), ma.variance, a.size, b.mean(), mb.variance, b.size)
    ref = stats.ttest_ind_from_stats(b.mean(), b.std(ddof=1), b.size, a.mean(),
                                     a.std(ddof=1), a.size, equal_var=False)
    assert ours is not None and ours.statistic is not None
    np.testing.assert_allclose([ours.statistic, ours.p_value], [ref.statistic, ref.pvalue],
                               rtol=1e-7)
    raw = stats.ttest_ind(b, a, equal_var=False)
    via_moments = welch_moments(ma, mb)
    assert via_moments is not None
    np.testing.assert_allclose(via_moments.p_value, raw.pvalue, rtol=1e-7)


def test_welch_edges() -> None:
    assert welch_from_stats(1.0, 0.0, 1, 2.0, 1.0, 5) is None
    assert welch_from_stats(3.0, 0.0, 4, 3.0, 0.0, 4).p_value == 1.0  # type: ignore[union-attr]
    assert welch_from_stats(3.0, 0.0, 4, 5.0, 0.0, 4).p_value == 0.0  # type: ignore[union-attr]
    assert Moments(0, 0, 0, 0).mean is None and Moments(1, 0, 5, 25).variance is None


def test_insights_correct_rank_and_explain() -> None:
    totals = Moments(1000, 100, 0.0, 0.0)
    values = [SegmentValue("industry", "saas", Moments(200, 40, 0, 0)),
              SegmentValue("industry", "retail", Moments(300, 25, 0, 0)),
              SegmentValue("region", "EU", Moments(500, 52, 0, 0)),
              SegmentValue("role", "cto", Moments(20, 4, 0, 0))]
    found = segment_insights(values, totals)
    raw = []
    for _, _, m, _ in values:
        rest = totals - m
        # cto: 2 expected customers, and a (981 × 21)-table is beyond Boschloo's limit: Fisher.
        raw.append(proportions_ztest([m.customers, rest.customers], [m.leads, rest.leads])[1]
                   if m.leads >= 30 else stats.fisher_exact(
                       [[rest.customers, m.customers],
                        [rest.leads - rest.customers, m.leads - m.customers]]).pvalue)
    holm = dict(zip([v.value for v in values], multipletests(raw, method="holm")[1],
                    strict=True))
    assert [s.value for s in found] == ["saas", "retail", "EU", "cto"]
    assert [s.conversion_test for s in found] == ["z_test"] * 3 + ["fisher_exact"]
    for s in found:
        assert s.conversion_p is not None
        np.testing.assert_allclose(s.conversion_p, holm[s.value], rtol=1e-9)
    assert not found[-1].enough_data and found[0].significant
    rest_rate = 60 / 800 * 100
    assert top_finding(found) == (f"saas leads (industry) convert at 20.0 % vs {rest_rate:.1f} % "
                                  "for the rest (p < 0.001 after correction).")
    assert "enough data" in top_finding([found[-1]], SegmentRule())


def test_matrix_tests_each_pair_once_and_mirrors() -> None:
    channels = [(1, "A", 200, 20), (2, "B", 200, 45), (3, "C", 10, 1), (4, "Empty", 0, 0)]
    matrix = conversion_matrix(channels, "bh")
    assert [g.name for g in matrix.groups] == ["A", "B", "C"]
    ab, ba = matrix.rows[0][1], matrix.rows[1][0]
    assert ab is not None and ba is not None and matrix.rows[0][0] is None
    assert ab.adjusted_p == ba.adjusted_p and ab.difference == -ba.difference  # type: ignore[operator]
    assert ba.significant and not matrix.groups[2].enough_data
    assert not any(c is not None and c.significant for c in matrix.rows[2])


def test_a_value_without_customers_is_judged_when_the_rest_has_them() -> None:
    # SPEC §4 / issue 13: 5 customers in total across the two groups, not 5 on each side.
    # 0 of 100 leads against 20 of 100 (expected customers 10 a side: the pooled z-test).
    totals = Moments(200, 20, 0.0, 0.0)
    values = [SegmentValue("industry", "retail", Moments(100, 0, 0.0, 0.0))]
    (insight,) = segment_insights(values, totals)
    assert insight.enough_data and insight.significant
    _, ref = proportions_ztest([0, 20], [100, 100])
    assert insight.conversion_p is not None
    np.testing.assert_allclose(insight.conversion_p, ref, rtol=1e-9)
    assert ref < 1e-5
    too_few = segment_insights([SegmentValue("industry", "retail", Moments(100, 0, 0, 0))],
                               Moments(200, 4, 0.0, 0.0))
    assert not too_few[0].enough_data
