"""Two-group comparisons that judge channel tests (SPEC §4); the entry point of the pure core.

The tests live in sibling modules (proportions, means, costs, families, verdict) and are
re-exported here. Group A is the baseline, B the challenger; differences are B − A.
Money is in major currency units (floats) from here on.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from experiments.costs import cac, cac_interval, cac_test, poisson_interval, roi_weight
from experiments.families import (
    ADJUSTMENTS,
    PairwiseResult,
    adjust_p_values,
    chi_square_homogeneity,
    pairwise_conversion,
)
from experiments.means import (
    bca_difference_interval,
    bca_intervals,
    leads_needed_for_means,
    mann_whitney,
    welch_test,
)
from experiments.proportions import (
    TestResult,
    conversion_test,
    leads_needed,
    newcombe_interval,
    prob_b_beats_a,
    wilson_interval,
)
from experiments.verdict import VerdictFacts, verdict

__all__ = [
    "ADJUSTMENTS", "METRICS", "Comparison", "Group", "GroupResult", "Guard", "PairwiseResult",
    "TestResult", "adjust_p_values", "cac", "cac_interval", "cac_test", "chi_square_homogeneity",
    "compare", "conversion_test", "leads_needed", "mann_whitney", "newcombe_interval",
    "pairwise_conversion", "poisson_interval", "prob_b_beats_a", "welch_test", "wilson_interval",
    "bca_difference_interval",
]

METRICS: tuple[str, ...] = ("conversion", "revenue_per_lead", "cac", "roi")
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Group:
    """A group of leads: per-lead conversion (0/1) and revenue arrays (shape (n,)), spend."""

    name: str
    converted: FloatArray
    revenue: FloatArray
    spend: float | None = None

    @property
    def n(self) -> int:
        """Return the number of leads."""
        return int(self.converted.size)

    @property
    def customers(self) -> int:
        """Return the number of converted leads."""
        return int(self.converted.sum())


@dataclass(frozen=True)
class Guard:
    """Minimum sample per group before a winner may be called, and the significance level."""

    min_leads: int = 30
    min_customers: int = 5
    alpha: float = 0.05


@dataclass(frozen=True)
class GroupResult:
    """One group's size, customers, metric value and 95 % interval (None when undefined)."""

    n: int
    successes: int
    value: float | None
    ci: tuple[float, float] | None


@dataclass(frozen=True)
class Comparison:
    """A two-group comparison on one metric, as the API and the compare view show it."""

    metric: str
    test: str | None
    a: GroupResult
    b: GroupResult
    difference: float | None
    difference_ci: tuple[float, float] | None
    p_value: float | None
    prob_b_beats_a: float | None
    significant: bool
    enough_data: bool
    leads_needed: int | None
    verdict: str
    robustness: TestResult | None = None


@dataclass(frozen=True)
class _Parts:
    """A metric's per-group results and tests, before the guard and the verdict."""

    a: GroupResult
    b: GroupResult
    test: TestResult | None = None
    difference_ci: tuple[float, float] | None = None
    prob_b_beats_a: float | None = None
    robustness: TestResult | None = None


def _mean(values: FloatArray) -> float | None:
    return float(values.mean()) if values.size else None


def _conversion(a: Group, b: Group) -> _Parts:
    return _Parts(
        a=GroupResult(a.n, a.customers, _ratio(a.customers, a.n),
                      wilson_interval(a.customers, a.n)),
        b=GroupResult(b.n, b.customers, _ratio(b.customers, b.n),
                      wilson_interval(b.customers, b.n)),
        test=conversion_test(a.customers, a.n, b.customers, b.n),
        difference_ci=newcombe_interval(a.customers, a.n, b.customers, b.n),
        prob_b_beats_a=prob_b_beats_a(a.customers, a.n, b.customers, b.n),
    )


def _revenue(a: Group, b: Group) -> _Parts:
    intervals = bca_intervals(a.revenue, b.revenue)
    return _Parts(
        a=GroupResult(a.n, a.customers, _mean(a.revenue), intervals.a),
        b=GroupResult(b.n, b.customers, _mean(b.revenue), intervals.b),
        test=welch_test(a.revenue, b.revenue),
        difference_ci=intervals.difference,
        robustness=mann_whitney(a.revenue, b.revenue),
    )


def _cac(a: Group, b: Group) -> _Parts:
    def result(g: Group) -> GroupResult:
        spend = g.spend or 0.0
        return GroupResult(g.n, g.customers, cac(spend, g.customers) if spend else None,
                           cac_interval(spend, g.customers))

    return _Parts(result(a), result(b), cac_test(a.spend or 0, a.customers, b.spend or 0,
                                                 b.customers))


def _roi(a: Group, b: Group) -> _Parts:
    wa = roi_weight(a.spend or 0.0, a.n)
    wb = roi_weight(b.spend or 0.0, b.n)

    def value(g: Group, w: float | None) -> float | None:
        return None if w is None or g.n == 0 else w * float(g.revenue.mean()) - 1

    if wa is None or wb is None:
        return _Parts(GroupResult(a.n, a.customers, value(a, wa), None),
                      GroupResult(b.n, b.customers, value(b, wb), None))
    # ROI = w·mean(revenue per lead) − 1 with spend fixed: test and resample scaled values.
    intervals = bca_intervals(a.revenue, b.revenue, (wa, wb))

    def less_one(ci: tuple[float, float] | None) -> tuple[float, float] | None:
        return None if ci is None else (ci[0] - 1, ci[1] - 1)

    return _Parts(GroupResult(a.n, a.customers, value(a, wa), less_one(intervals.a)),
                  GroupResult(b.n, b.customers, value(b, wb), less_one(intervals.b)),
                  welch_test(wa * a.revenue, wb * b.revenue), intervals.difference)


def _leads_needed(metric: str, a: Group, b: Group, alpha: float) -> int | None:
    """Return more leads per group for 80 % power on `metric`; None for CAC, whose sampling
    unit is spend, not leads."""
    if metric == "conversion":
        return leads_needed(a.customers, a.n, b.customers, b.n, alpha)
    if metric == "revenue_per_lead":
        return leads_needed_for_means(a.revenue, b.revenue, alpha)
    if metric == "roi":  # per-lead ROI contributions w·revenue, spend per lead held fixed
        wa, wb = roi_weight(a.spend or 0.0, a.n), roi_weight(b.spend or 0.0, b.n)
        if wa is None or wb is None:
            return None
        return leads_needed_for_means(wa * a.revenue, wb * b.revenue, alpha)
    return None


def _ratio(x: int, n: int) -> float | None:
    return x / n if n else None


_METRIC_PARTS = {"conversion": _conversion, "revenue_per_lead": _revenue, "cac": _cac,
                 "roi": _roi}


def compare(metric: str, a: Group, b: Group, guard: Guard = Guard()) -> Comparison:
    """Return the comparison of B against A on one metric (see METRICS); raise on unknown."""
    if metric not in _METRIC_PARTS:
        raise ValueError(f"unknown metric {metric!r}; use one of {METRICS}")
    parts = _METRIC_PARTS[metric](a, b)
    ra, rb, test = parts.a, parts.b, parts.test
    enough = all(g.n >= guard.min_leads and g.customers >= guard.min_customers for g in (a, b))
    p = None if test is None else test.p_value
    significant = enough and p is not None and p < guard.alpha and ra.value != rb.value
    needed = _leads_needed(metric, a, b, guard.alpha)
    difference = None if ra.value is None or rb.value is None else rb.value - ra.value
    facts = VerdictFacts(
        metric=metric, name_a=a.name, name_b=b.name,
        shown_a=show(metric, ra.value), shown_b=show(metric, rb.value),
        b_is_better=_b_is_better(metric, ra.value, rb.value), p_value=p,
        significant=significant, enough_data=enough,
        leads_needed=needed,
        shortfall=_shortfall(a, b, guard),
    )
    return Comparison(
        metric=metric, test=None if test is None else test.name, a=ra, b=rb,
        difference=difference, difference_ci=parts.difference_ci,
        p_value=p, prob_b_beats_a=parts.prob_b_beats_a,
        significant=significant, enough_data=enough,
        leads_needed=needed,
        verdict=verdict(facts), robustness=parts.robustness,
    )


def _b_is_better(metric: str, value_a: float | None, value_b: float | None) -> bool | None:
    """Return whether B is better, or None when equal or undefined."""
    if value_a is None or value_b is None or value_a == value_b:
        return None
    return (value_b < value_a) if metric == "cac" else (value_b > value_a)


def _shortfall(a: Group, b: Group, guard: Guard) -> str:
    """Return ' (X has N leads and K customers; …)' naming the groups below the minimum."""
    short = [f"{g.name} has {g.n:,} leads and {g.customers:,} customers"
             for g in (a, b) if g.n < guard.min_leads or g.customers < guard.min_customers]
    if not short:
        return ""
    need = f"at least {guard.min_leads} leads and {guard.min_customers} customers per group"
    return f" ({'; '.join(short)}; a fair call needs {need})"


def show(metric: str, value: float | None) -> str:
    """Return a metric value as the verdict prints it: '12.0 %', '1,234.50', '+35 %', '—'."""
    if value is None:
        return "—"
    if metric == "conversion":
        return f"{value * 100:.1f} %"
    if metric == "roi":
        return f"{value * 100:+.0f} %"
    return f"{value:,.2f}"
