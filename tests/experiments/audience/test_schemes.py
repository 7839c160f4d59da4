"""Held-out lift of the schemes: the score beats single attributes on a planted rule, and
stays within noise of the diagonal without one."""

import numpy as np
import pytest
from scipy import stats

from experiments.audience import (
    compare_schemes,
    fit_scores,
    grow_tree,
    quality_quartiles,
    time_split,
)
from experiments.audience.schemes import attribute_scores, grade_scores
from tests.experiments.audience.synthetic import leads


def test_the_score_beats_every_single_attribute_on_a_planted_rule() -> None:
    data = leads(30_000, seed=13)
    labels = quality_quartiles(data.quality)
    train, test = time_split(data.cohort_weeks)
    lifts = {s.name: s for s in compare_schemes(data, labels, train, test)}
    assert {s.kind for s in lifts.values()} == {"score", "tree", "grade", "attribute"}
    assert set(lifts) == {"Lead score", "Segment tree", "Grade", "industry", "size", "region",
                          "role"}
    score = lifts["Lead score"].captured
    assert score is not None
    for name in ("industry", "size", "region", "role", "Grade"):
        assert score > (lifts[name].captured or 0.0), name
    assert (lifts["Segment tree"].captured or 0.0) > (lifts["industry"].captured or 0.0)
    # Every curve is on the held-out leads and their real A customers.
    curve = lifts["Lead score"].curve
    assert curve.population == test.sum()
    assert curve.tops == (labels[test] == "A").sum()


def test_without_structure_every_lift_stays_within_noise_of_the_diagonal() -> None:
    data = leads(40_000, seed=14, planted=False)
    labels = quality_quartiles(data.quality)
    train, test = time_split(data.cohort_weeks)
    lifts = compare_schemes(data, labels, train, test)
    # Under no skill the tops among the first quarter of N held-out leads are hypergeometric:
    # T tops among N, N/4 drawn. Its 0.05 %–99.95 % quantiles bound a scheme's share (0.1 %
    # two-sided per scheme, so 7 schemes leave the band by chance less than 1 % of the time).
    n, tops = int(test.sum()), int((labels[test] == "A").sum())
    low, high = stats.hypergeom(n, tops, round(n / 4)).ppf([0.0005, 0.9995]) / tops
    for scheme in lifts:
        assert scheme.captured is not None
        assert low <= scheme.captured <= high, (scheme.name, low, scheme.captured, high)
    assert high - low < 0.25  # the band is narrow enough to mean something


def test_single_attribute_and_grade_scores_by_hand() -> None:
    data = leads(2_000, seed=15)
    train = np.arange(data.n) < 1_500
    scores = attribute_scores(data, "industry", train)
    worth = data.value_per_lead()
    saas = data.attributes["industry"] == "SaaS"
    assert np.allclose(scores[saas], worth[train & saas].mean())
    assert list(grade_scores(np.array(["hot", "Warm", "future", None, "cold"], dtype=object))) == [
        3, 2, 1, 0, 0]


def test_prefitted_schemes_give_the_same_lifts_and_overlap_is_refused() -> None:
    data = leads(6_000, seed=16)
    labels = quality_quartiles(data.quality)
    train, test = time_split(data.cohort_weeks)
    fresh = compare_schemes(data, labels, train, test, min_node=100, max_depth=3)
    model = fit_scores(data, train)
    tree = grow_tree(data, "quality", 100, 3, rows=train, max_rows=200_000)
    reused = compare_schemes(data, labels, train, test, model=model, tree=tree)
    assert [(s.name, s.captured) for s in reused] == [(s.name, s.captured) for s in fresh]
    with pytest.raises(ValueError, match="held-out"):
        compare_schemes(data, labels, train | test, test)
