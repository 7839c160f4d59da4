"""Which channel brings the best customers: top-group share and mean lead score per channel.

Sits next to CAC: a cheap channel whose customers are never A is no bargain. The share is
over the channel's customers with a quality group, with its Wilson 95 % interval.
"""

import numpy as np

from experiments.audience.data import AudienceData, ChannelAudience
from experiments.proportions import wilson_interval


def channel_quality(data: AudienceData, labels: np.ndarray, scores: np.ndarray,
                    top: str = "A") -> dict[int, ChannelAudience]:
    """Return, per channel id, its leads, customers, top-group share (Wilson CI), mean score.

    `customers` counts the channel's leads with a quality group (labels ≠ ""); `mean_score`
    is over its leads with a score (None when none has one).
    """
    labels = np.asarray(labels, dtype=object)
    scores = np.asarray(scores, np.float64)
    has_group, is_top = labels != "", labels == top  # object comparisons: once, not per channel
    out: dict[int, ChannelAudience] = {}
    for channel in np.unique(data.channel_ids):
        mine = data.channel_ids == channel
        graded = mine & has_group
        customers = int(graded.sum())
        tops = int((graded & is_top).sum())
        scored = scores[mine]
        scored = scored[~np.isnan(scored)]
        out[int(channel)] = ChannelAudience(
            int(channel), int(mine.sum()), customers, tops,
            tops / customers if customers else None, wilson_interval(tops, customers),
            float(scored.mean()) if scored.size else None,
        )
    return out
