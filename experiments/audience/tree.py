"""The segment tree: a pruned decision tree on lead attributes (issue 18)."""

from typing import Literal

import numpy as np

from experiments.audience.data import AudienceData, SegmentTree

MAX_ROWS = 200_000


def grow_tree(data: AudienceData, target: Literal["quality", "conversion"], min_node: int,
              max_depth: int, seed: int = 0, labels: np.ndarray | None = None, top: str = "A",
              max_rows: int = MAX_ROWS) -> SegmentTree:
    """Return the cross-validated, cost-complexity-pruned segment tree."""
    raise NotImplementedError


def node_mask(data: AudienceData, conditions: tuple[tuple[str, str, bool], ...]) -> np.ndarray:
    """Return which leads satisfy every (attribute, value, equals) condition of a node."""
    raise NotImplementedError
