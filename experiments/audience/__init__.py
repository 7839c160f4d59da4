"""Who is worth acquiring (issue 18): quality groups, attribute ranking, segment tree, lead
scores, lift charts and the audience each channel brings. Pure: numpy, scipy, scikit-learn,
each imported inside the functions that fit, so importing this package stays light."""

from experiments.audience.channel_mix import channel_quality
from experiments.audience.data import (
    MISSING,
    OUTCOME_NAMES,
    AttributeSeparation,
    AudienceData,
    ChannelAudience,
    LeakageError,
    LiftCurve,
    LiftPoint,
    SchemeLift,
    SegmentNode,
    SegmentTree,
    ValueCount,
    old_enough,
    time_split,
)
from experiments.audience.gains import lift_curve
from experiments.audience.quartiles import group_names, quality_quartiles
from experiments.audience.ranking import rank_attributes
from experiments.audience.schemes import compare_schemes
from experiments.audience.scores import LeadScoreModel, fit_scores
from experiments.audience.tree import grow_tree, node_mask

__all__ = [
    "MISSING", "OUTCOME_NAMES", "AttributeSeparation", "AudienceData", "ChannelAudience",
    "LeadScoreModel", "LeakageError", "LiftCurve", "LiftPoint", "SchemeLift", "SegmentNode",
    "SegmentTree", "ValueCount", "channel_quality", "compare_schemes", "fit_scores",
    "group_names", "grow_tree", "lift_curve", "node_mask", "old_enough", "quality_quartiles",
    "rank_attributes", "time_split",
]
