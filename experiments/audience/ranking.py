"""Which attributes separate the best customers (A) from the worst (D) — issue 18."""

import numpy as np

from experiments.audience.data import AttributeSeparation, AudienceData


def rank_attributes(data: AudienceData, labels: np.ndarray, top: str = "A", bottom: str = "D",
                    method: str = "holm") -> list[AttributeSeparation]:
    """Return every attribute's distribution by quality group and its top-vs-bottom test."""
    raise NotImplementedError
