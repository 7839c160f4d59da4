"""Segment insights (SPEC §6): each lead attribute value against the rest of the leads.

Inputs are per-value sufficient statistics aggregated in SQL (leads, customers, Σx and Σx²
of revenue per lead), so nothing here loops over leads. Money is in minor units in the
inputs and major units in the results. p-values are corrected across all values shown.
"""

import math
from dataclasses import dataclass
from typing import NamedTuple

from experiments.families import adjust_p_values
from experiments.proportions import TestResult, exact_test, expected_cells_ok, z_test
from kernel.money import MINOR_PER_UNIT
from kernel.numbers import format_p


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of a group: leads, customers, Σ revenue and Σ revenue² per lead."""

    leads: int
    customers: int
    revenue_sum: float
    revenue_sq_sum: float

    def __sub__(self, other: "Moments") -> "Moments":
        """Return the moments of the leads in self but not in other (the 'rest')."""
        return Moments(self.leads - other.leads, self.customers - other.customers,
                       self.revenue_sum - other.revenue_sum,
                       self.revenue_sq_sum - other.revenue_sq_sum)

    @property
    def mean(self) -> float | None:
        """Return mean revenue per lead; None without leads."""
        return self.revenue_sum / self.leads if self.leads else None

    @property
    def variance(self) -> float | None:
        """Return the sample variance (ddof=1) of revenue per lead; None below 2 leads."""
        if self.leads < 2:
            return None
        centred = self.revenue_sq_sum - self.revenue_sum**2 / self.leads
        return max(0.0, centred) / (self.leads - 1)

    @property
    def conversion(self) -> float | None:
        """Return customers / leads; None without leads."""
        return self.customers / self.leads if self.leads else None


def welch_from_stats(mean_a: float, var_a: float, n_a: int,
                     mean_b: float, var_b: float, n_b: int) -> TestResult | None:
    """Return Welch's t-test of mean_b − mean_a from means, sample variances and sizes.

    None when a group has fewer than 2 values. With zero variance in both groups p is 1
    for equal means and 0 otherwise (as experiments.means.welch_test).
    """
    from scipy import stats
    if n_a < 2 or n_b < 2:
        return None
    se_a, se_b = var_a / n_a, var_b / n_b
    diff = mean_b - mean_a
    if se_a + se_b == 0:
        return TestResult("welch_t", None, 1.0 if diff == 0 else 0.0)
    t = diff / math.sqrt(se_a + se_b)
    df = (se_a + se_b) ** 2 / (se_a**2 / (n_a - 1) + se_b**2 / (n_b - 1))
    return TestResult("welch_t", t, float(min(1.0, 2 * stats.t.sf(abs(t), df))))


def welch_moments(rest: Moments, segment: Moments) -> TestResult | None:
    """Return Welch's test of the segment's revenue per lead against the rest's."""
    if rest.mean is None or segment.mean is None:
        return None
    if rest.variance is None or segment.variance is None:
        return None
    return welch_from_stats(rest.mean, rest.variance, rest.leads,
                            segment.mean, segment.variance, segment.leads)


def fisher_test(x_a: int, n_a: int, x_b: int, n_b: int) -> TestResult:
    """Return Fisher's two-sided exact test of the 2×2 table (cost grows with n, not n²)."""
    from scipy import stats
    p = float(stats.fisher_exact([[x_a, x_b], [n_a - x_a, n_b - x_b]]).pvalue)
    return TestResult("fisher_exact", None, 1.0 if math.isnan(p) else min(1.0, max(0.0, p)))


def segment_conversion_test(x_a: int, n_a: int, x_b: int, n_b: int,
                            exact_max_table: int) -> TestResult | None:
    """Return a conversion test whose cost is bounded; None when a group has no leads.

    The z-test when every expected cell is ≥ 5 (SPEC §4). Otherwise an exact test: Boschloo's
    when its table of outcomes, (n_a + 1)·(n_b + 1), is at most exact_max_table (its cost
    grows with that product: ~0.1 s at 1,000, ~7 s for one lead against 20,000), else
    Fisher's, which is exact too (conditional, so conservative) and takes milliseconds.
    """
    if n_a <= 0 or n_b <= 0:
        return None
    if expected_cells_ok(x_a, n_a, x_b, n_b):
        return z_test(x_a, n_a, x_b, n_b)
    if (n_a + 1) * (n_b + 1) <= exact_max_table:
        return exact_test(x_a, n_a, x_b, n_b)
    return fisher_test(x_a, n_a, x_b, n_b)


class SegmentValue(NamedTuple):
    """One row to compare: an attribute value (or, with pooled > 0, its pooled other values)."""

    attribute: str
    value: str
    moments: Moments
    pooled: int = 0


@dataclass(frozen=True)
class SegmentInsight:
    """One attribute value against the rest: sizes, rates, revenue, corrected p-values.

    pooled > 0 marks the "other" row of an attribute: its less frequent values pooled.
    """

    attribute: str
    value: str
    segment: Moments
    rest: Moments
    conversion_test: str | None
    conversion_p: float | None
    revenue_p: float | None
    enough_data: bool
    significant: bool
    pooled: int = 0

    @property
    def label(self) -> str:
        """Return the value as shown: itself, or 'other (N values)' for the pooled row."""
        if not self.pooled:
            return self.value
        return f"other ({self.pooled:,} value{'s' if self.pooled != 1 else ''})"

    @property
    def difference(self) -> float | None:
        """Return segment conversion − rest conversion; None when either is undefined."""
        a, b = self.rest.conversion, self.segment.conversion
        return None if a is None or b is None else b - a

    @property
    def revenue_per_lead(self) -> tuple[float | None, float | None]:
        """Return (segment, rest) revenue per lead in major units (None without leads)."""
        return _major(self.segment.mean), _major(self.rest.mean)


def _major(minor: float | None) -> float | None:
    return None if minor is None else minor / MINOR_PER_UNIT


@dataclass(frozen=True)
class SegmentRule:
    """Minimum leads on each side and customers on both sides together (SPEC §4), the
    significance level and the correction."""

    min_leads: int = 30
    min_customers: int = 5
    alpha: float = 0.05
    method: str = "holm"
    exact_max_table: int = 2500
    exact_budget: int = 20000

    def exact_allowance(self, spent: int) -> int:
        """Return the largest Boschloo table still allowed after `spent` table cells."""
        return min(self.exact_max_table, self.exact_budget - spent)

    def enough(self, segment: Moments, rest: Moments) -> bool:
        """Return True when a value and the rest together reach the minimum sample."""
        return (segment.leads >= self.min_leads and rest.leads >= self.min_leads
                and segment.customers + rest.customers >= self.min_customers)


def segment_insights(values: list[SegmentValue], totals: Moments,
                     rule: SegmentRule = SegmentRule()) -> list[SegmentInsight]:
    """Return every attribute value (or pooled row) against the rest, ranked by effect.

    One conversion test (segment_conversion_test) and one Welch test per row. Boschloo's
    tests of a page share a budget of rule.exact_budget table cells, spent in row order, so
    the page's cost is bounded; beyond it Fisher's exact test is used. Conversion and
    revenue p-values are each corrected across all rows (rule.method). Rows with enough data
    on both sides come first, by largest absolute difference in conversion.
    """
    rests = [totals - v.moments for v in values]
    conv, spent = [], 0
    for v, r in zip(values, rests, strict=True):
        test = segment_conversion_test(r.customers, r.leads, v.moments.customers,
                                       v.moments.leads, rule.exact_allowance(spent))
        spent += (r.leads + 1) * (v.moments.leads + 1) if _is_boschloo(test) else 0
        conv.append(test)
    welch = [welch_moments(r, v.moments) for v, r in zip(values, rests, strict=True)]
    conv_p = _corrected([None if t is None else t.p_value for t in conv], rule.method)
    rev_p = _corrected([None if t is None else t.p_value for t in welch], rule.method)
    found = []
    for v, r, test, cp, rp in zip(values, rests, conv, conv_p, rev_p, strict=True):
        m = v.moments
        enough = rule.enough(m, r)
        significant = enough and cp is not None and cp < rule.alpha and m.conversion != r.conversion
        found.append(SegmentInsight(v.attribute, v.value, m, r,
                                    None if test is None else test.name, cp, rp, enough,
                                    significant, v.pooled))
    return sorted(found, key=_rank)


def _is_boschloo(test: TestResult | None) -> bool:
    return test is not None and test.name == "boschloo_exact"


def _rank(insight: SegmentInsight) -> tuple[bool, float, str, int, str]:
    effect = abs(insight.difference) if insight.difference is not None else -1.0
    return (not insight.enough_data, -effect, insight.attribute, insight.pooled, insight.value)


def _corrected(p_values: list[float | None], method: str) -> list[float | None]:
    """Return p-values adjusted across the defined ones; None stays None."""
    known = [p for p in p_values if p is not None]
    adjusted = iter(adjust_p_values(known, method).tolist())
    return [None if p is None else next(adjusted) for p in p_values]


def top_finding(insights: list[SegmentInsight], rule: SegmentRule = SegmentRule()) -> str:
    """Return one plain sentence about the highest-ranked value (insights as ranked)."""
    top = insights[0] if insights else None
    if top is None or not top.enough_data or top.conversion_p is None:
        return ("No attribute value has enough data to judge yet: each value and the rest need "
                f"at least {rule.min_leads} leads, and {rule.min_customers} customers between "
                "them.")
    seg, rest = top.segment.conversion or 0.0, top.rest.conversion or 0.0
    if seg == rest:
        return f"No attribute value changes conversion; {top.attribute} = {top.label} included."
    who = (f"{top.value} leads ({top.attribute})" if not top.pooled else
           f"Leads with one of the {top.pooled:,} less common {top.attribute} values")
    lead = f"{who} convert at {seg * 100:.1f} % vs {rest * 100:.1f} % for the rest"
    p = f"{format_p(top.conversion_p)} after correction"
    if top.significant:
        return f"{lead} ({p})."
    return f"{lead}, but the difference is not significant yet ({p})."
