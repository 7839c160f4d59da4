"""Lift (cumulative gains) curves: how many top customers the first X % of a ranking catch."""

import numpy as np

from experiments.audience.data import LiftCurve


def lift_curve(scores: np.ndarray, is_top: np.ndarray) -> LiftCurve:
    """Return the lift curve of ranking by `scores` (highest first) for the `is_top` rows."""
    raise NotImplementedError
