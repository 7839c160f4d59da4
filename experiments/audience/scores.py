"""Lead scores: an L2 logistic regression on one-hot attributes, as 0–100 points (issue 18).

The model is scikit-learn's LogisticRegression (L2, C = 1, lbfgs) on the sparse one-hot
matrix of experiments.audience.encode, fitted only on the `train_mask` leads (old enough to
have converted; see data.old_enough). It predicts conversion, quality-weighted: a buyer
counts with weight quality / mean buyer quality (1 when its quality is unknown, 0 when it is
≤ 0), so the odds
track the value a lead brings and the score ranks leads by expected quality per lead, not by
the chance of any purchase. At most `max_rows` training leads (a seeded subsample) fit it.

Points: each attribute contributes the sum of its active coefficients; shifting each
attribute's contribution by its least value among the training leads and dividing by the sum
of the attributes' ranges turns the linear predictor into points per attribute that add up to
a 0–100 score (0 = the least of every attribute, 100 = the most of every one). The score
is a monotone function of the predicted odds, so it ranks leads exactly as the model does.
"""

from dataclasses import dataclass

import numpy as np

from experiments.audience.data import AudienceData
from experiments.audience.encode import (
    MISSING_TEXT,
    Encoder,
    check_leakage,
    clean,
    fit_encoder,
)
from experiments.audience.tree import fit_rows

MAX_ROWS = 200_000


@dataclass(frozen=True)
class LeadScoreModel:
    """A fitted lead score: points per attribute value that add up to a 0–100 score."""

    encoder: Encoder
    coef: np.ndarray  # one per encoder feature
    intercept: float
    attributes: tuple[str, ...]  # attributes with at least one feature
    floor: np.ndarray  # per attribute, its least contribution among the training leads
    ceiling: np.ndarray  # per attribute, its largest one
    scale: float  # 100 / Σ (ceiling − floor)
    rows_fitted: int

    def linear(self, data: AudienceData) -> np.ndarray:
        """Return each lead's linear predictor (log-odds of quality-weighted conversion)."""
        return np.asarray(self.encoder.matrix(data) @ self.coef) + self.intercept

    def contributions(self, data: AudienceData) -> np.ndarray:
        """Return the n × len(attributes) sums of each attribute's active coefficients."""
        out = np.zeros((data.n, len(self.attributes)))
        for a, name in enumerate(self.attributes):
            # Summed per code of the attribute, in feature order (the same float operations
            # as per lead, so the same numbers), then looked up for each lead.
            codes, uniques = data.factor(name)
            per_code = np.zeros(len(uniques))
            for j, feature in enumerate(self.encoder.features):
                if feature.attribute == name:
                    per_code += feature.by_code(data) * self.coef[j]
            out[:, a] = per_code[codes]
        return out

    def points(self, data: AudienceData) -> np.ndarray:
        """Return the n × len(attributes) points of each attribute for every lead.

        A value unseen in training contributes nothing, which can fall outside the training
        range; points are clipped into it, so a score stays within 0–100.
        """
        clipped = np.clip(self.contributions(data), self.floor, self.ceiling)
        return (clipped - self.floor) * self.scale

    def score(self, data: AudienceData) -> np.ndarray:
        """Return every lead's score, 0–100 (the sum of its points)."""
        return np.clip(self.points(data).sum(axis=1), 0.0, 100.0)

    def reasons(self, data: AudienceData, i: int, k: int = 3) -> list[tuple[str, str, float]]:
        """Return lead i's top k (attribute, value, points), most points first; attributes
        where the lead has the least points (0) are no reason and are left out."""
        lead = data.subset(np.array([i]))
        points = self.points(lead)[0]
        order = sorted(range(len(self.attributes)), key=lambda j: (-points[j], self.attributes[j]))
        out = []
        for j in [j for j in order if points[j] > 0][:k]:
            name = self.attributes[j]
            value = str(clean(lead.attributes[name])[0]) or MISSING_TEXT
            out.append((name, value, float(points[j])))
        return out


def fit_scores(data: AudienceData, train_mask: np.ndarray, seed: int = 0,
               max_rows: int = MAX_ROWS) -> LeadScoreModel:
    """Return the lead score fitted on the train_mask leads; LeakageError if an attribute leaks."""
    from sklearn.linear_model import LogisticRegression

    index = fit_rows(data, np.asarray(train_mask, bool), max_rows, seed)
    train = data.subset(index)
    check_leakage(train)
    encoder = fit_encoder(train)
    y = train.converted.astype(bool)
    if index.size == 0 or y.all() or not y.any():
        raise ValueError("the lead score needs training leads that bought and leads that did not")
    quality = np.maximum(train.quality[y], 0.0)  # NaN stays NaN: quality unknown
    known = ~np.isnan(quality)
    weight = np.ones(y.size)
    if known.any() and quality[known].mean() > 0:
        weight[np.flatnonzero(y)[known]] = quality[known] / quality[known].mean()
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(encoder.matrix(train), y, sample_weight=weight)
    coef = np.asarray(model.coef_[0], np.float64)
    attributes = tuple(sorted({f.attribute for f in encoder.features}))
    draft = LeadScoreModel(encoder, coef, float(model.intercept_[0]), attributes,
                           np.zeros(len(attributes)), np.zeros(len(attributes)), 0.0,
                           int(index.size))
    seen = draft.contributions(train)
    floor, ceiling = seen.min(axis=0), seen.max(axis=0)
    total = float((ceiling - floor).sum())
    return LeadScoreModel(encoder, coef, draft.intercept, attributes, floor, ceiling,
                          100.0 / total if total > 0 else 0.0, int(index.size))
