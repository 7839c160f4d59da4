"""Weakest-link pruning and the pattern-weighted tree, checked against scikit-learn itself."""

import numpy as np
import pytest
from sklearn.tree import DecisionTreeRegressor

from experiments.audience import pruning
from experiments.audience.tree import _fit, _patterns


def _rows(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((3_000, 6)) < [0.5, 0.3, 0.2, 0.6, 0.4, 0.5]
    y = 2.0 * x[:, 0] + 1.0 * (x[:, 1] & x[:, 2]) + 0.3 * x[:, 3] + rng.normal(0, 1, 3_000)
    return x, y


@pytest.mark.parametrize("seed", [0, 1])
def test_collapse_alphas_are_scikit_learns_pruning_path(seed: int) -> None:
    x, y = _rows(seed)
    model = DecisionTreeRegressor(max_depth=4, min_samples_leaf=30, random_state=0).fit(x, y)
    alphas = pruning.collapse_alphas(pruning.from_sklearn(model))
    path = model.cost_complexity_pruning_path(x, y).ccp_alphas
    mine = np.unique(alphas[np.isfinite(alphas)])
    assert mine == pytest.approx(np.unique(path[path > 0]), rel=1e-9)
    # Pruned at any alpha, the tree predicts what scikit-learn's pruned tree predicts.
    tree = pruning.from_sklearn(model)
    for alpha in pruning.candidates(alphas):
        pruned = DecisionTreeRegressor(max_depth=4, min_samples_leaf=30, random_state=0,
                                       ccp_alpha=alpha).fit(x, y)
        reached = pruning.predict(tree, alphas, x.astype(np.float32), alpha)
        assert tree.value[reached] == pytest.approx(pruned.predict(x), rel=1e-9)


def test_a_tree_on_weighted_patterns_is_the_tree_on_the_leads() -> None:
    x, y = _rows(2)
    patterns, inverse = _patterns([x[:, j] for j in range(x.shape[1])], y.size)
    assert patterns.shape[0] == len({tuple(r) for r in x}) <= 64
    assert np.array_equal(patterns[inverse], x.astype(np.float32))
    grouped = _fit(patterns, inverse, y, min_node=30, max_depth=4, seed=0)
    model = DecisionTreeRegressor(max_depth=4, min_samples_leaf=30, random_state=0).fit(x, y)
    direct = pruning.from_sklearn(model)
    reached = pruning.predict(grouped, pruning.collapse_alphas(grouped), patterns, 0.0)
    assert grouped.value[reached][inverse] == pytest.approx(model.predict(x), rel=1e-9)
    grouped_alphas = pruning.collapse_alphas(grouped)
    direct_alphas = pruning.collapse_alphas(direct)
    assert np.unique(grouped_alphas[np.isfinite(grouped_alphas)]) == pytest.approx(
        np.unique(direct_alphas[np.isfinite(direct_alphas)]), rel=1e-9)


def test_the_standard_error_rule_keeps_the_simplest_tree_within_two_errors() -> None:
    # Candidate 0 (alpha 0) is best by 0.1 on average, with per-row differences of spread 1
    # over 100 rows: SE = 0.1, so a candidate 0.1 worse is kept (within 2 SE), 0.3 is not.
    rng = np.random.default_rng(0)
    base = rng.normal(5, 1, 100)
    noise = rng.normal(0, 1, 100)
    noise = (noise - noise.mean()) / noise.std(ddof=1)
    errors = np.stack([base, base + 0.1 + noise, base + 0.3 + noise * 0.5])
    assert pruning.choose_alpha(errors[:2], np.array([0.0, 1.0])) == 1.0
    assert pruning.choose_alpha(errors[[0, 2]], np.array([0.0, 1.0])) == 0.0


def test_candidates_sit_inside_each_pruned_trees_range_and_are_capped() -> None:
    alphas = np.array([-np.inf, 0.5, 2.0, -np.inf, 0.5, 8.0])
    # Steps 0.5, 2, 8 → 0, √(0.5·2) = 1, √(2·8) = 4, and 2·8 = 16 for the root alone.
    assert list(pruning.candidates(alphas)) == pytest.approx([0.0, 1.0, 4.0, 16.0])
    many = np.arange(1, 200, dtype=np.float64)
    found = pruning.candidates(many)
    assert found.size == pruning.MAX_CANDIDATES and found[0] == 0.0 and found[-1] == 2 * 199
