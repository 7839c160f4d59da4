"""Customer-quality groups: quartiles A–D (A = best) or deciles "1".."10" (issue 18)."""

import numpy as np


def group_names(groups: int) -> tuple[str, ...]:
    """Return the labels of `groups` quality groups, best first: A–D for 4, else "1".."groups"."""
    if groups == 4:
        return ("A", "B", "C", "D")
    return tuple(str(i) for i in range(1, groups + 1))


def quality_quartiles(quality: np.ndarray, groups: int = 4) -> np.ndarray:
    """Return each lead's quality group ("A".."D"; "1".."10" for groups=10); "" if no customer."""
    raise NotImplementedError
