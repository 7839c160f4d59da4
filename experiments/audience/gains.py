"""Lift (cumulative gains) curves: how many top customers the first X % of a ranking catch.

Rows are ranked by score, highest first (NaN scores last). Rows with equal scores cannot be
ordered by the scheme, so the curve runs straight across each group of tied rows: the tops
of a tied group are counted as spread evenly through it, which is the average over every
order the ties could take. `captured_at(x)` reads the curve at x by linear interpolation.
"""

import numpy as np

from experiments.audience.data import LiftCurve, LiftPoint


def lift_curve(scores: np.ndarray, is_top: np.ndarray) -> LiftCurve:
    """Return the lift curve of ranking by `scores` (highest first) for the `is_top` rows.

    x is the share of rows ranked first, y the share of all top rows among them; the perfect
    curve reaches 1 at x = tops / rows, the diagonal is no skill. Without tops there are no
    points (the share of tops caught is undefined).
    """
    s = np.where(np.isnan(np.asarray(scores, np.float64)), -np.inf, scores)
    top = np.asarray(is_top, bool)
    n, tops = int(s.size), int(top.sum())
    diagonal = (LiftPoint(0.0, 0.0), LiftPoint(1.0, 1.0))
    if n == 0 or tops == 0:
        return LiftCurve((), (), diagonal, n, tops)
    values, inverse = np.unique(-s, return_inverse=True)  # ascending −score = best first
    rows = np.bincount(inverse, minlength=values.size)
    caught = np.bincount(inverse, weights=top.astype(np.float64), minlength=values.size)
    xs = np.concatenate([[0.0], np.cumsum(rows) / n])
    ys = np.concatenate([[0.0], np.cumsum(caught) / tops])
    points = tuple(LiftPoint(float(x), float(y)) for x, y in zip(xs, ys, strict=True))
    perfect = (LiftPoint(0.0, 0.0), LiftPoint(tops / n, 1.0), LiftPoint(1.0, 1.0))
    return LiftCurve(points, perfect, diagonal, n, tops)
