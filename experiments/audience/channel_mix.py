"""Which channel brings the best customers: top-group share and mean lead score per channel."""

import numpy as np

from experiments.audience.data import AudienceData, ChannelAudience


def channel_quality(data: AudienceData, labels: np.ndarray, scores: np.ndarray,
                    top: str = "A") -> dict[int, ChannelAudience]:
    """Return, per channel id, its leads, customers, top-group share (Wilson CI), mean score."""
    raise NotImplementedError
