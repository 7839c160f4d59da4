"""The audience analysis's input (one row per lead) and its result types (issue 18).

Everything here is plain numpy and dataclasses: the DB loading lives in the app layer, the
fitting in the sibling modules, and no scikit-learn object leaves this package.
"""

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

# Attribute names that describe what happened after a lead was created: fitting a score or a
# tree on them would "predict" conversion from its consequences (issue 18, leakage guard).
OUTCOME_NAMES: frozenset[str] = frozenset({
    "stage", "stages", "funnel_stage", "purchase", "purchases", "revenue", "margin", "ltv",
    "converted", "customer", "is_customer", "quality", "won", "closed", "closed_won", "deal",
    "deal_value", "orders", "first_purchase", "last_purchase",
})
MISSING = ""  # how a missing attribute value is reported (input None and "" both mean missing)


class LeakageError(ValueError):
    """An attribute carries information from after the lead's creation; `attribute` names it."""

    def __init__(self, attribute: str, reason: str) -> None:
        super().__init__(f"attribute {attribute!r} leaks the outcome: {reason}")
        self.attribute = attribute
        self.reason = reason


class _Columns(Mapping[str, np.ndarray]):
    """A subset's attribute columns: each is taken from the parent's only when read.

    The fitting works on a subset's inherited codes (AudienceData.factor), so copying every
    str column into every subset was wasted work (a third of a second per 1M-lead subset).
    """

    def __init__(self, parent: Mapping[str, np.ndarray], rows: np.ndarray) -> None:
        self._parent, self._rows = parent, np.array(rows)  # a copy: the caller may reuse it
        self._taken: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._taken:
            self._taken[name] = self._parent[name][self._rows]
        return self._taken[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parent)

    def __len__(self) -> int:
        return len(self._parent)


@dataclass(frozen=True)
class AudienceData:
    """One row per lead, numpy arrays of equal length n.

    `attributes` maps a name to an object array of str (None or "" = missing) and holds ONLY
    what is known when the lead is created (firm attributes, grade at creation, source);
    numeric attributes arrive as strings and are binned here. `quality` is the account-quality
    score in major units, NaN for leads that are not customers. `post_creation` names
    attributes known to be observed after creation (fitting on them raises LeakageError).
    """

    lead_ids: np.ndarray  # int64
    channel_ids: np.ndarray  # int64
    cohort_weeks: np.ndarray  # datetime64[D], the lead's cohort week start (SPEC §3)
    attributes: Mapping[str, np.ndarray]
    converted: np.ndarray  # bool: the lead has a purchase by as_of
    quality: np.ndarray  # float64, NaN for non-customers
    post_creation: frozenset[str] = frozenset()
    # attribute -> (codes, distinct values): each attribute is read once, then worked on as
    # integer codes; subsets inherit their parent's codes (filled by `factor`).
    _factors: dict[str, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.lead_ids)
        arrays = [self.channel_ids, self.cohort_weeks, self.converted, self.quality]
        if not isinstance(self.attributes, _Columns):  # a subset's have the right length
            arrays += list(self.attributes.values())
        if any(len(a) != n for a in arrays):
            raise ValueError("every AudienceData array must have one entry per lead")

    @property
    def n(self) -> int:
        """Return the number of leads."""
        return len(self.lead_ids)

    def subset(self, mask: np.ndarray) -> "AudienceData":
        """Return the leads where `mask` (bool array or index array) selects them.

        The attributes are factored first (once per AudienceData) and the subset inherits the
        codes, so reading an attribute costs once however many subsets are taken.
        """
        for name in self.attributes:
            self.factor(name)
        part = AudienceData(
            self.lead_ids[mask], self.channel_ids[mask], self.cohort_weeks[mask],
            _Columns(self.attributes, mask), self.converted[mask],
            self.quality[mask], self.post_creation,
        )
        part._factors.update({k: (c[mask], u) for k, (c, u) in self._factors.items()})
        return part

    def factor(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Return attribute `name` as (codes, distinct values): values[codes] is each lead's
        value as str, "" where missing (None or ""). Computed once per attribute."""
        if name not in self._factors:
            values = self.attributes[name]
            if values.dtype.kind != "U":  # objects: None is missing, the rest reads as str
                values = np.asarray(values, dtype=object)
                values = np.where(values == None, "", values).astype(str)  # noqa: E711
            # The sorted distinct values, then each lead's position among them: the same as
            # np.unique(values, return_inverse=True), twice as fast on few distinct values.
            uniques = np.unique(values)
            if uniques.size == 0 or uniques[0] != "":
                uniques = np.concatenate([np.array([""], dtype=values.dtype), uniques])
            codes = np.searchsorted(uniques, values).astype(np.int64)
            self._factors[name] = (codes, uniques.astype(object))
        return self._factors[name]

    def value_per_lead(self) -> np.ndarray:
        """Return each lead's quality, 0 for leads that did not buy (the tree's quality target)."""
        return np.where(self.converted & ~np.isnan(self.quality), self.quality, 0.0)


def old_enough(cohort_weeks: np.ndarray, as_of: dt.date | np.datetime64, weeks: int) -> np.ndarray:
    """Return which leads' whole cohort week ended at least `weeks` weeks before as_of.

    A lead's cohort week starts on `cohort_weeks`; its last day is 6 days later. A lead is old
    enough to have converted when as_of − last day ≥ 7·weeks days, so even a lead created on
    the week's last day had the full conversion window.
    """
    last_day = np.asarray(cohort_weeks, "datetime64[D]") + np.timedelta64(6, "D")
    day = np.asarray(as_of, "datetime64[D]")
    return (day - last_day) >= np.timedelta64(7 * weeks, "D")


def time_split(cohort_weeks: np.ndarray, test_share: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """Return (train, test) masks: the newest cohort weeks (≈ test_share of leads) are test.

    The split falls on a cohort-week boundary (a week is never split); older weeks train.
    Test is empty when all leads share one week.
    """
    weeks = np.asarray(cohort_weeks, "datetime64[D]")
    if weeks.size == 0:
        return np.zeros(0, bool), np.zeros(0, bool)
    ordered = np.sort(weeks)
    cut = ordered[min(len(ordered) - 1, int(np.floor(len(ordered) * (1 - test_share))))]
    if cut == ordered[0]:
        later = ordered[ordered > cut]
        cut = later[0] if later.size else cut + np.timedelta64(1, "D")
    return weeks < cut, weeks >= cut


@dataclass(frozen=True)
class ValueCount:
    """Leads with one attribute value (or bin) in each quality group, and the group shares."""

    value: str  # the value, a numeric bin like "50 to < 200", or "(missing)"
    counts: dict[str, int]  # quality label ("A".."D" or "1".."10") -> customers with this value
    shares: dict[str, float | None]  # label -> share of that label's customers with this value


@dataclass(frozen=True)
class AttributeSeparation:
    """How strongly one attribute separates the top from the bottom quality group."""

    attribute: str
    values: tuple[ValueCount, ...]  # the distribution by quality group, most frequent first
    test: str | None  # "chi_square", "z_test", "boschloo_exact", "fisher_exact"; None if untestable
    statistic: float | None
    p_value: float | None
    adjusted_p: float | None  # across attributes (Holm by default, SPEC §4)
    cramers_v: float | None  # effect size of the value × {top, bottom} table


@dataclass(frozen=True)
class SegmentNode:
    """A node of the segment tree; conditions run from the root to this node."""

    id: int  # 0 is the root; ids are depth-first, left (condition false) before right
    rule: str  # this node's own condition, e.g. "industry = SaaS"; "All leads" at the root
    conditions: tuple[tuple[str, str, bool], ...]  # (attribute, value, equals) from the root
    leads: int
    customers: int
    conversion: float | None
    mean_quality: float | None  # over the node's customers
    top_share: float | None  # share of the node's customers in the top quality group
    children: tuple["SegmentNode", ...] = field(default=())
    prediction: float | None = None  # the fitted target mean (conversion or value per lead)


@dataclass(frozen=True)
class SegmentTree:
    """A pruned segment tree and how it was grown."""

    root: SegmentNode
    target: str  # "quality" (value per lead) or "conversion"
    ccp_alpha: float  # the cost-complexity penalty chosen by cross-validation
    rows_fitted: int  # leads the tree was fitted on (≤ max_rows)

    def nodes(self) -> list[SegmentNode]:
        """Return every node, depth-first from the root."""
        out: list[SegmentNode] = []
        stack = [self.root]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out

    def leaves(self) -> list[SegmentNode]:
        """Return the leaves, depth-first."""
        return [n for n in self.nodes() if not n.children]


@dataclass(frozen=True)
class LiftPoint:
    """x = share of the population ranked first by the scheme, y = share of tops captured."""

    x: float
    y: float


@dataclass(frozen=True)
class LiftCurve:
    """A lift (cumulative gains) curve with its no-skill diagonal and perfect curve."""

    points: tuple[LiftPoint, ...]
    perfect: tuple[LiftPoint, ...]
    diagonal: tuple[LiftPoint, ...]
    population: int
    tops: int

    def captured_at(self, x: float) -> float | None:
        """Return the share of tops caught in the first x of the ranking; None without tops."""
        if self.tops == 0 or not self.points:
            return None
        xs = np.array([p.x for p in self.points])
        ys = np.array([p.y for p in self.points])
        return float(np.interp(x, xs, ys))


@dataclass(frozen=True)
class SchemeLift:
    """One segmentation scheme's held-out lift and its one number (top-group share at 25 %)."""

    name: str  # "Lead score", "Segment tree", "Grade", or the attribute's name
    kind: str  # "score", "tree", "grade" or "attribute"
    captured: float | None  # share of held-out top customers in the top 25 % of held-out leads
    curve: LiftCurve


@dataclass(frozen=True)
class ChannelAudience:
    """The audience one channel brings: customers, top-group share with Wilson interval, score."""

    channel_id: int
    leads: int
    customers: int
    top_customers: int
    top_share: float | None
    top_interval: tuple[float, float] | None
    mean_score: float | None
