"""Bounds of the segment insights (SPEC §6, issue 12): which attributes and values are compared.

A page's work must not grow with the number of distinct attribute values or attribute keys
that leads happen to carry. Only the most used attributes are looked at; an attribute with
too many distinct values (an e-mail, a free-text field) is skipped and named; of the others
the most frequent values are compared one by one and the remaining ones pooled as "other".
"""

from dataclasses import dataclass

from experiments.segments.insights import Moments, SegmentInsight, SegmentRule, SegmentValue


@dataclass(frozen=True)
class SegmentLimits:
    """How much one segments page may compare (app/config.py reads them from the environment).

    top_values: values compared one by one per attribute (the rest are pooled as "other");
    max_distinct: an attribute with more distinct values is skipped;
    max_attributes: only this many attributes (the most used) are looked at.
    So a page runs at most max_attributes × (top_values + 1) conversion tests and as many
    Welch tests, whatever the data holds.
    """

    top_values: int = 20
    max_distinct: int = 1000
    max_attributes: int = 25


@dataclass(frozen=True)
class AttributeUse:
    """An attribute key: how many leads carry it and how many distinct values it takes."""

    attribute: str
    leads: int
    distinct_values: int


@dataclass(frozen=True)
class SkippedAttribute:
    """An attribute left out because it has too many distinct values to compare."""

    attribute: str
    leads: int
    distinct_values: int

    @property
    def reason(self) -> str:
        """Return the sentence the page and the API show for it."""
        return (f"{self.attribute}: {self.distinct_values:,} distinct values, skipped — "
                "too many to compare")


@dataclass(frozen=True)
class AttributePlan:
    """Which attributes a page compares, which it skips and how many it does not look at."""

    compared: tuple[str, ...]
    skipped: tuple[SkippedAttribute, ...]
    not_looked_at: int


def plan_attributes(uses: list[AttributeUse], total_attributes: int,
                    limits: SegmentLimits) -> AttributePlan:
    """Return the plan: the max_attributes most used keys, minus those with too many values.

    `uses` may hold more keys than the limit; they are ranked by leads (then name) here.
    `total_attributes` counts every key in the data, so the page can say how many it left out.
    """
    ranked = sorted(uses, key=lambda u: (-u.leads, u.attribute))[:max(0, limits.max_attributes)]
    compared = tuple(u.attribute for u in ranked if u.distinct_values <= limits.max_distinct)
    skipped = tuple(SkippedAttribute(u.attribute, u.leads, u.distinct_values)
                    for u in ranked if u.distinct_values > limits.max_distinct)
    return AttributePlan(compared, skipped, max(0, total_attributes - len(ranked)))


@dataclass(frozen=True)
class AttributeValues:
    """The most frequent values of one attribute and the totals over all of its values.

    top: (value, moments) of the most frequent values, most leads first; total: the moments
    of every lead carrying the attribute; distinct_values: how many values it takes.
    """

    attribute: str
    top: tuple[tuple[str, Moments], ...]
    total: Moments
    distinct_values: int


def pooled_values(values: AttributeValues) -> list[SegmentValue]:
    """Return the top values, then one "other" row pooling every remaining value (if any).

    The pooled row's moments are the attribute's totals minus the top values' moments, so
    they equal the sum over the pooled values; its `pooled` field counts those values.
    """
    rows = [SegmentValue(values.attribute, value, m) for value, m in values.top]
    rest_count = values.distinct_values - len(values.top)
    if rest_count <= 0:
        return rows
    other = values.total
    for _, m in values.top:
        other = other - m
    return [*rows, SegmentValue(values.attribute, "", other, rest_count)]


@dataclass(frozen=True)
class SegmentReport:
    """What the segments page and API show: ranked insights and what was left out."""

    insights: list[SegmentInsight]
    plan: AttributePlan
    limits: SegmentLimits
    rule: SegmentRule
