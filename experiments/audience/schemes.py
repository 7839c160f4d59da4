"""Held-out lift of every segmentation scheme: score, tree, single attributes, grade."""

import numpy as np

from experiments.audience.data import AudienceData, SchemeLift


def compare_schemes(data: AudienceData, labels: np.ndarray, train_mask: np.ndarray,
                    test_mask: np.ndarray, top: str = "A", min_node: int = 200,
                    max_depth: int = 4, seed: int = 0) -> list[SchemeLift]:
    """Return each scheme's lift on the test leads, fitted on the train leads, best first."""
    raise NotImplementedError
