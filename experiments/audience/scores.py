"""Lead scores: an L2 logistic regression on one-hot attributes, as 0–100 points (issue 18)."""

from dataclasses import dataclass

import numpy as np

from experiments.audience.data import AudienceData

MAX_ROWS = 200_000


@dataclass(frozen=True)
class LeadScoreModel:
    """A fitted lead score: points per attribute value that add up to a 0–100 score."""

    def score(self, data: AudienceData) -> np.ndarray:
        """Return every lead's score, 0–100."""
        raise NotImplementedError

    def reasons(self, data: AudienceData, i: int, k: int = 3) -> list[tuple[str, str, float]]:
        """Return lead i's top k (attribute, value, points), most points first."""
        raise NotImplementedError


def fit_scores(data: AudienceData, train_mask: np.ndarray, seed: int = 0,
               max_rows: int = MAX_ROWS) -> LeadScoreModel:
    """Return the lead score fitted on the train_mask leads; LeakageError if an attribute leaks."""
    raise NotImplementedError
