"""Held-out lift of every segmentation scheme: score, tree, single attributes, grade.

Time-based split: the schemes are fitted on `train_mask` leads (older cohorts, old enough to
have converted) and judged on `test_mask` leads (newer cohorts). Each scheme ranks the test
leads; the lift curve counts the real top-group customers among them (`labels == top`), and
its one number is the share of those caught in the top 25 % of the ranked test leads.

- Lead score: experiments.audience.scores (quality-weighted logistic regression).
- Segment tree: experiments.audience.tree on `tree_target` (value per lead by default); a
  lead scores its leaf's training mean.
- Each single attribute (but "grade"): a lead scores its value's (or numeric bin's) mean
  value per lead in training (0 for non-buyers); values unseen in training get the training
  mean.
- Grade (an attribute named "grade"): hot > warm > future > anything else, as sales uses it.
"""

import numpy as np

from experiments.audience.data import AudienceData, SchemeLift, SegmentTree
from experiments.audience.gains import lift_curve
from experiments.audience.ranking import code_labels
from experiments.audience.scores import MAX_ROWS, LeadScoreModel, fit_scores
from experiments.audience.tree import grow_tree, tree_scores
from kernel.vocabulary import GRADES

SHARE = 0.25


def attribute_scores(data: AudienceData, name: str, train: np.ndarray) -> np.ndarray:
    """Return each lead's score by one attribute: its value's mean value per lead in training."""
    codes, names = code_labels(data, name)
    _, label_of_code = np.unique(names.astype(str), return_inverse=True)
    label = label_of_code.ravel()[codes]  # bins group several codes into one label
    worth = data.value_per_lead()
    size = int(label_of_code.max()) + 1 if label_of_code.size else 0
    leads = np.bincount(label[train], minlength=size)
    total = np.bincount(label[train], weights=worth[train], minlength=size)
    overall = float(worth[train].mean()) if train.any() else 0.0
    means = np.divide(total, leads, out=np.full(size, overall), where=leads > 0)
    return np.asarray(means[label], np.float64)


def grade_scores(values: np.ndarray) -> np.ndarray:
    """Return hot = 3, warm = 2, future = 1, anything else 0 (GRADES is hottest first)."""
    rank = {g: float(len(GRADES) - i) for i, g in enumerate(GRADES)}
    distinct, inverse = np.unique(np.asarray(values, dtype=object).astype(str),
                                  return_inverse=True)
    by_value = np.array([rank.get(v.strip().lower(), 0.0) for v in distinct])
    return np.asarray(by_value[inverse.ravel()], np.float64)


def compare_schemes(data: AudienceData, labels: np.ndarray, train_mask: np.ndarray,
                    test_mask: np.ndarray, top: str = "A", min_node: int = 200,
                    max_depth: int = 4, seed: int = 0, max_rows: int = MAX_ROWS,
                    tree_target: str = "quality", model: LeadScoreModel | None = None,
                    tree: SegmentTree | None = None) -> list[SchemeLift]:
    """Return each scheme's lift on the test leads, fitted on the train leads, best first.

    `model` and `tree`, when given, must have been fitted on train_mask leads only (they
    save refitting); else both are fitted here. Raises LeakageError when an attribute
    carries the outcome (see encode.check_leakage), ValueError when a lead is in both masks.
    """
    train, test = np.asarray(train_mask, bool), np.asarray(test_mask, bool)
    if (train & test).any():
        raise ValueError("a held-out lead is also a training lead; split by cohort week")
    is_top = np.asarray(labels, dtype=object)[test] == top
    held_out = data.subset(test)
    ranked: list[tuple[str, str, np.ndarray]] = []
    if model is None:
        model = fit_scores(data, train, seed, max_rows)
    ranked.append(("Lead score", "score", model.score(held_out)))
    if tree is None:
        tree = grow_tree(data, tree_target, min_node, max_depth, seed,  # type: ignore[arg-type]
                         max_rows=max_rows, rows=train)
    ranked.append(("Segment tree", "tree", tree_scores(tree, held_out)))
    if "grade" in data.attributes:
        codes, uniques = held_out.factor("grade")
        ranked.append(("Grade", "grade", grade_scores(uniques)[codes]))
    for name in sorted(a for a in data.attributes if a != "grade"):
        ranked.append((name, "attribute", attribute_scores(data, name, train)[test]))
    lifts = []
    for name, kind, scores in ranked:
        curve = lift_curve(scores, is_top)
        lifts.append(SchemeLift(name, kind, curve.captured_at(SHARE), curve))
    return sorted(lifts, key=lambda s: (s.captured is None, -(s.captured or 0.0)))
