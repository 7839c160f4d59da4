"""The segment tree finds a planted rule and stays a root on data without structure."""

import numpy as np
import pytest

from experiments.audience import (
    LeakageError,
    grow_tree,
    node_mask,
    quality_quartiles,
)
from experiments.audience.tree import tree_scores
from tests.experiments.audience.synthetic import leads

PLANTED = {"industry", "size"}


@pytest.mark.parametrize("target", ["conversion", "quality"])
def test_the_first_two_splits_find_the_planted_rule(target: str) -> None:
    data = leads(40_000, seed=1)
    labels = quality_quartiles(data.quality)
    tree = grow_tree(data, target, min_node=200, max_depth=3, labels=labels)  # type: ignore[arg-type]
    first = {c.conditions[-1][0] for c in tree.root.children}
    assert len(first) == 1 and first <= PLANTED
    # The planted segment is one child of the root split and is split on the other attribute.
    second = {n.conditions[-1][0] for n in tree.nodes() if len(n.conditions) == 2}
    assert first | second == PLANTED
    best = max(tree.leaves(), key=lambda n: n.conversion or 0.0)
    assert set(best.conditions) == {("industry", "SaaS", True), ("size", "≥ 50", True)}
    # Node numbers are counts over the leads, computed again here from the conditions.
    mask = node_mask(data, best.conditions)
    assert best.leads == mask.sum() and best.customers == data.converted[mask].sum()
    assert best.conversion == pytest.approx(data.converted[mask].mean())
    assert best.mean_quality == pytest.approx(np.nanmean(data.quality[mask]))
    graded = mask & (labels != "")
    assert best.top_share == pytest.approx((labels[graded] == "A").mean())
    assert 0.15 < (best.conversion or 0) < 0.25  # the planted 20 %
    assert tree.root.rule == "All leads" and best.rule == "size ≥ 50"
    assert [n.id for n in tree.nodes()] == list(range(len(tree.nodes())))
    assert tree.rows_fitted == 40_000


@pytest.mark.parametrize("seed", [100, 101, 102])
@pytest.mark.parametrize("target", ["conversion", "quality"])
def test_without_structure_the_tree_stays_a_root(seed: int, target: str) -> None:
    tree = grow_tree(leads(20_000, seed, planted=False), target, 200, 3)  # type: ignore[arg-type]
    assert tree.root.children == ()
    assert tree.root.leads == 20_000


def test_leaves_partition_the_leads_and_score_them() -> None:
    data = leads(20_000, seed=3)
    tree = grow_tree(data, "conversion", 200, 3, max_rows=8_000)
    assert tree.rows_fitted == 8_000
    assert sum(leaf.leads for leaf in tree.leaves()) == data.n
    scores = tree_scores(tree, data)
    assert not np.isnan(scores).any()
    assert set(np.unique(scores)) == {leaf.prediction for leaf in tree.leaves()}


def test_a_leaking_attribute_stops_the_tree() -> None:
    data = leads(5_000, seed=4)
    stage = np.where(data.converted, "won", "open").astype(object)
    leaky = type(data)(data.lead_ids, data.channel_ids, data.cohort_weeks,
                       {**data.attributes, "stage": stage}, data.converted, data.quality)
    with pytest.raises(LeakageError) as caught:
        grow_tree(leaky, "conversion", 100, 2)
    assert caught.value.attribute == "stage"


def test_rules_read_back_into_the_same_leads() -> None:
    data = leads(20_000, seed=1)
    tree = grow_tree(data, "quality", 200, 3)
    small = next(n for n in tree.nodes() if n.conditions[-1:] == (("size", "≥ 50", False),))
    assert small.rule == "size < 50 or missing"  # 3 % of the leads have no size
    assert small.leads == node_mask(data, small.conditions).sum()
    assert tree.root.top_share is None  # no quality groups were given
