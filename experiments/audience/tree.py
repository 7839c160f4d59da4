"""The segment tree: a pruned decision tree on lead attributes (issue 18).

The tree is scikit-learn's DecisionTreeRegressor on the one-hot attributes of experiments.
audience.encode, for both targets: "conversion" regresses the 0/1 outcome (squared error on
0/1 is half the Gini impurity, so the splits are a classification tree's and each node's value
is its conversion rate), "quality" regresses each lead's value (its account quality, 0 for
leads that did not buy), so a segment is worth acquiring when its leads are worth the most.
`min_node` is the minimum leads per leaf and `max_depth` the depth limit; the grown tree is
then pruned by cost complexity with alpha chosen by 5-fold cross-validation (stratified on
conversion) and a paired standard-error rule (pruning.choose_alpha), so a tree without real
structure stays a root.
At most `max_rows` leads (a seeded random subsample) fit the tree, grouped by their attribute
pattern (_patterns); node counts are then taken over all leads of `data`. No scikit-learn
object leaves this module.
"""

from typing import Literal

import numpy as np

from experiments.audience import pruning
from experiments.audience.data import AudienceData, SegmentNode, SegmentTree
from experiments.audience.encode import Encoder, Feature, check_leakage, fit_encoder, numbers

MAX_ROWS = 300_000  # leads are grouped by attribute pattern first (see _patterns)
FOLDS = 5


def fit_rows(data: AudienceData, rows: np.ndarray | None, max_rows: int, seed: int) -> np.ndarray:
    """Return the sorted indices of the leads to fit on: `rows` (all), at most max_rows of them."""
    index = np.arange(data.n) if rows is None else np.flatnonzero(rows)
    if index.size > max_rows:
        rng = np.random.default_rng(seed)
        index = np.sort(rng.choice(index, size=max_rows, replace=False))
    return index


def target_values(data: AudienceData, target: str) -> np.ndarray:
    """Return the regression target of every lead: 0/1 conversion or the value per lead."""
    if target == "conversion":
        return data.converted.astype(np.float64)
    if target == "quality":
        return data.value_per_lead()
    raise ValueError(f"unknown tree target {target!r}; use 'quality' or 'conversion'")


def grow_tree(data: AudienceData, target: Literal["quality", "conversion"], min_node: int,
              max_depth: int, seed: int = 0, labels: np.ndarray | None = None, top: str = "A",
              max_rows: int = MAX_ROWS, rows: np.ndarray | None = None) -> SegmentTree:
    """Return the cross-validated, cost-complexity-pruned segment tree.

    Fitted on the `rows` leads (all when None); `labels` (quality groups) give each node's
    share of `top` customers. Raises LeakageError when an attribute carries the outcome.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    if min_node < 1 or max_depth < 0:
        raise ValueError("min_node must be ≥ 1 and max_depth ≥ 0")
    index = fit_rows(data, rows, max_rows, seed)
    fitted = data.subset(index)
    check_leakage(fitted)
    encoder = fit_encoder(fitted)
    y = target_values(fitted, target)
    patterns, inverse = _patterns(encoder.columns(fitted), y.size)

    def grow(part: np.ndarray) -> pruning.TreeArrays:
        return _fit(patterns, inverse[part], y[part], min_node, max_depth, seed)

    everyone = np.arange(y.size)
    full = grow(everyone)
    full_alphas = pruning.collapse_alphas(full)
    chosen = 0.0
    tried = pruning.candidates(full_alphas)
    if tried.size > 1 and y.size >= FOLDS * 2:
        errors = np.zeros((tried.size, y.size))
        if target == "conversion" and min(y.sum(), y.size - y.sum()) >= FOLDS:
            folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(everyone, y)
        else:
            folds = KFold(FOLDS, shuffle=True, random_state=seed).split(everyone)
        for train, test in folds:
            tree = grow(train)
            alphas = pruning.collapse_alphas(tree)
            for k, alpha in enumerate(tried):
                reached = pruning.predict(tree, alphas, patterns, alpha)[inverse[test]]
                errors[k, test] = (y[test] - tree.value[reached]) ** 2
        chosen = pruning.choose_alpha(errors, tried)
    root = _nodes(full, full_alphas, chosen, encoder, data, labels, top)
    return SegmentTree(root, target, chosen, int(index.size))


def _patterns(columns: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct 0/1 rows (float32) of the one-hot columns and each lead's row.

    Leads with the same attribute pattern are indistinguishable to the tree, so it is fitted on
    the patterns weighted by their leads with their mean target: the squared-error splits and
    the differences of node risks that pruning uses are the same as on the leads themselves
    (the spread inside a pattern never changes with the split), and there are few patterns.
    """
    if not columns:
        return np.zeros((1, 0), np.float32), np.zeros(n, np.int64)
    bits = np.packbits(np.stack(columns, axis=1), axis=1)
    keys = np.ascontiguousarray(bits).view(np.dtype((np.void, bits.shape[1])))[:, 0]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    matrix = np.stack([c[first] for c in columns], axis=1).astype(np.float32)
    return matrix, inverse.ravel()


def _fit(patterns: np.ndarray, inverse: np.ndarray, y: np.ndarray, min_node: int,
         max_depth: int, seed: int) -> pruning.TreeArrays:
    """Return the tree grown on leads with these patterns (`inverse`) and targets `y`."""
    from sklearn.tree import DecisionTreeRegressor

    weight = np.bincount(inverse, minlength=patterns.shape[0]).astype(np.float64)
    total = np.bincount(inverse, weights=y, minlength=patterns.shape[0])
    seen = weight > 0
    if patterns.shape[1] == 0 or max_depth == 0 or y.size < 2 * min_node or seen.sum() < 2:
        return pruning.TreeArrays(np.array([-1]), np.array([-1]), np.array([-2]),
                                  np.array([y.mean() if y.size else 0.0]), np.zeros(1))
    # Leads are weights here, so the leaf minimum is a weight fraction (integers: no rounding).
    model = DecisionTreeRegressor(max_depth=max_depth, random_state=seed,
                                  min_weight_fraction_leaf=(min_node - 0.5) / y.size)
    model.fit(patterns[seen], total[seen] / weight[seen], sample_weight=weight[seen])
    return pruning.from_sklearn(model)


def _nodes(tree: pruning.TreeArrays, alphas: np.ndarray, alpha: float, encoder: Encoder,
           data: AudienceData, labels: np.ndarray | None, top: str) -> SegmentNode:
    counter = iter(range(tree.left.size))
    columns: dict[int, np.ndarray] = {}
    # Per lead, once (the labels are objects): bought, has a quality group, is in the top one.
    bought = data.converted.astype(bool)
    groups = None if labels is None else (labels != "", labels == top)

    def build(t: int, mask: np.ndarray, conditions: tuple[tuple[str, str, bool], ...],
              rule: str) -> SegmentNode:
        node_id = next(counter)
        kids: list[SegmentNode] = []
        if tree.left[t] >= 0 and alphas[t] > alpha:
            feature = encoder.features[int(tree.feature[t])]
            if t not in columns:
                columns[t] = feature.column(data)
            column = columns[t]
            for child, holds in ((tree.left[t], False), (tree.right[t], True)):
                kids.append(build(int(child), mask & (column == holds),
                                  (*conditions, (feature.attribute, feature.value, holds)),
                                  feature.text(holds)))
        return _stats(node_id, rule, conditions, mask, data, bought, groups,
                      float(tree.value[t]), tuple(kids))

    return build(0, np.ones(data.n, bool), (), "All leads")


def _stats(node_id: int, rule: str, conditions: tuple[tuple[str, str, bool], ...],
           mask: np.ndarray, data: AudienceData, converted: np.ndarray,
           groups: tuple[np.ndarray, np.ndarray] | None, prediction: float,
           children: tuple[SegmentNode, ...]) -> SegmentNode:
    leads = int(mask.sum())
    bought = mask & converted
    customers = int(bought.sum())
    quality = data.quality[bought]
    quality = quality[~np.isnan(quality)]
    top_share = None
    if groups is not None:  # (has a quality group, is in the top group), per lead
        graded = mask & groups[0]
        top_share = float(groups[1][graded].mean()) if graded.any() else None
    return SegmentNode(
        node_id, rule, conditions, leads, customers, customers / leads if leads else None,
        float(quality.mean()) if quality.size else None, top_share, children, prediction,
    )


def node_mask(data: AudienceData, conditions: tuple[tuple[str, str, bool], ...]) -> np.ndarray:
    """Return which leads satisfy every (attribute, value, equals) condition of a node."""
    from experiments.audience.encode import MISSING_TEXT

    mask = np.ones(data.n, bool)
    for attribute, value, equals in conditions:
        if value == MISSING_TEXT:
            feature = Feature(attribute, value, "missing")
        elif value.startswith("≥ ") and numbers(data, attribute) is not None:
            feature = Feature(attribute, value, "ge", float(value[2:]))
        else:
            feature = Feature(attribute, value, "eq")
        mask &= feature.column(data) == equals
    return mask


def tree_scores(tree: SegmentTree, data: AudienceData) -> np.ndarray:
    """Return each lead's leaf prediction (conversion or value per lead) from the fitting rows."""
    out = np.full(data.n, np.nan)
    for leaf in tree.leaves():
        out[node_mask(data, leaf.conditions)] = leaf.prediction
    return out
