"""Customer-quality groups: quartiles A–D (A = best) or deciles "1".."10" (issue 18).

Customers are ranked by quality, best first, and tied customers share their average rank
(scipy's "average" method), so equal qualities always get the same group and the result does
not depend on row order. A customer with average rank r of m goes to group
floor((r − 1) · groups / m): the first quarter of ranks is A, and so on.
"""

import numpy as np


def group_names(groups: int) -> tuple[str, ...]:
    """Return the labels of `groups` quality groups, best first: A–D for 4, else "1".."groups"."""
    if groups < 2:
        raise ValueError("quality groups need at least 2 groups")
    if groups == 4:
        return ("A", "B", "C", "D")
    return tuple(str(i) for i in range(1, groups + 1))


def quality_quartiles(quality: np.ndarray, groups: int = 4) -> np.ndarray:
    """Return each lead's quality group ("A".."D"; "1".."10" for groups=10); "" if no customer.

    `quality` is NaN for leads that are not customers.
    """
    from scipy import stats

    names = np.array(group_names(groups), dtype=object)
    q = np.asarray(quality, np.float64)
    labels = np.full(q.shape, "", dtype=object)
    customers = ~np.isnan(q)
    m = int(customers.sum())
    if m == 0:
        return labels
    ranks = stats.rankdata(-q[customers], method="average")  # 1 = best
    index = np.floor((ranks - 1) * groups / m).astype(np.int64)
    labels[customers] = names[np.minimum(index, groups - 1)]
    return labels
