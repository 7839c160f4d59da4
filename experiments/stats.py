"""Two-group comparisons that judge channel tests (SPEC §4); the entry point of the pure core.

The tests live in sibling modules (proportions, means, costs, families, verdict) and are
re-exported here. Group A is the baseline, B the challenger; differences are B − A.
Money is in major currency units (floats) from here on.
"""

from dataclasses import dataclass, replace
from datetime import date

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
from experiments.lift import Lift, relative_lift
from experiments.means import (
    leads_needed_for_means,
    mann_whitney,
    mean_interval,
    welch_interval,
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
from experiments.sequential import (
    Summary,
    sequential_difference,
    sequential_lift,
)
from experiments.verdict import VerdictFacts, b_is_better, show, verdict

__all__ = [
    "ADJUSTMENTS", "METRICS", "Comparison", "Group", "GroupResult", "Guard", "PairwiseResult",
    "TestResult", "adjust_p_values", "cac", "cac_interval", "cac_test", "chi_square_homogeneity",
    "compare", "conversion_test", "leads_needed", "mann_whitney", "newcombe_interval",
    "pairwise_conversion", "poisson_interval", "prob_b_beats_a", "welch_test", "wilson_interval",
    "welch_interval", "mean_interval", "SEQUENTIAL_METRICS", "Lift", "show",
]

METRICS: tuple[str, ...] = ("conversion", "revenue_per_lead", "cac", "roi")
# Metrics with an always-valid (sequential) test and a relative lift: differences of means.
SEQUENTIAL_METRICS: tuple[str, ...] = ("conversion", "revenue_per_lead")
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
    """Minimum sample before a winner may be called, and the significance level.

    Each group needs min_leads leads; the two groups together min_customers customers.
    """

    min_leads: int = 30
    min_customers: int = 5
    alpha: float = 0.05

    def enough(self, a: "Group", b: "Group") -> bool:
        """Return True when both groups have the leads and together the customers needed."""
        return (min(a.n, b.n) >= self.min_leads
                and a.customers + b.customers >= self.min_customers)


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
    kind: str = "fixed_horizon"  # or "sequential": always-valid p-value and interval
    lift: Lift | None = None  # (B − A)/A, conversion and revenue per lead only
    since: date | None = None  # sequential: the first week the groups were looked at
    name_a: str = "A"  # the groups' names, as the verdict says them
    name_b: str = "B"


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
    return _Parts(
        a=GroupResult(a.n, a.customers, _mean(a.revenue), mean_interval(a.revenue)),
        b=GroupResult(b.n, b.customers, _mean(b.revenue), mean_interval(b.revenue)),
        test=welch_test(a.revenue, b.revenue),
        difference_ci=welch_interval(a.revenue, b.revenue),
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
    # ROI = w·mean(revenue per lead) − 1 with spend fixed: test the scaled per-lead values.
    def less_one(ci: tuple[float, float] | None) -> tuple[float, float] | None:
        return None if ci is None else (ci[0] - 1, ci[1] - 1)

    def result(g: Group, w: float) -> GroupResult:
        return GroupResult(g.n, g.customers, value(g, w), less_one(mean_interval(g.revenue, w)))

    return _Parts(result(a, wa), result(b, wb), welch_test(wa * a.revenue, wb * b.revenue),
                  welch_interval(wa * a.revenue, wb * b.revenue))


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


def _summaries(metric: str, a: Group, b: Group) -> tuple[Summary, Summary]:
    """Return both groups' per-lead values (0/1 or revenue) as sufficient statistics."""
    field = "converted" if metric == "conversion" else "revenue"
    return Summary.of(getattr(a, field)), Summary.of(getattr(b, field))


def _lift(metric: str, a: Group, b: Group, sequential_leads: int | None,
          alpha: float) -> Lift | None:
    """Return the relative lift: delta-method interval, or its confidence sequence."""
    if metric not in SEQUENTIAL_METRICS:
        return None
    sa, sb = _summaries(metric, a, b)
    proportion = metric == "conversion"
    if sequential_leads is None:
        return relative_lift(sa, sb, proportion, 1 - alpha)
    found = sequential_lift(sa, sb, proportion, sequential_leads, alpha)
    return None if found is None else Lift(found.estimate, found.ci)


def _sequential(metric: str, a: Group, b: Group, parts: _Parts, expected_leads: int,
                alpha: float) -> _Parts:
    """Return `parts` with the always-valid p-value and confidence sequence of B − A."""
    sa, sb = _summaries(metric, a, b)
    found = sequential_difference(sa, sb, metric == "conversion", expected_leads, alpha)
    test = None if found is None or found.p_value is None else TestResult(
        "confidence_sequence", None, found.p_value)
    return replace(parts, test=test, difference_ci=None if found is None else found.ci)


def compare(metric: str, a: Group, b: Group, guard: Guard = Guard(),
            sequential_leads: int | None = None) -> Comparison:
    """Return the comparison of B against A on one metric (see METRICS); raise on unknown.

    With `sequential_leads` (the expected total leads that tune the mixture) conversion and
    revenue per lead get an always-valid p-value and confidence sequence (experiments.
    sequential) instead of a fixed-horizon test; other metrics raise ValueError.
    """
    if metric not in _METRIC_PARTS:
        raise ValueError(f"unknown metric {metric!r}; use one of {METRICS}")
    parts = _METRIC_PARTS[metric](a, b)
    if sequential_leads is not None:
        if metric not in SEQUENTIAL_METRICS:
            raise ValueError(f"no sequential test for {metric!r}; use {SEQUENTIAL_METRICS}")
        parts = _sequential(metric, a, b, parts, sequential_leads, guard.alpha)
    ra, rb, test = parts.a, parts.b, parts.test
    enough = guard.enough(a, b)
    p = None if test is None else test.p_value
    significant = enough and p is not None and p < guard.alpha and ra.value != rb.value
    # The fixed-horizon power formula does not describe a sequential test: no estimate.
    needed = None if sequential_leads else _leads_needed(metric, a, b, guard.alpha)
    difference = None if ra.value is None or rb.value is None else rb.value - ra.value
    facts = VerdictFacts(
        metric=metric, name_a=a.name, name_b=b.name,
        shown_a=show(metric, ra.value), shown_b=show(metric, rb.value),
        b_is_better=b_is_better(metric, ra.value, rb.value), p_value=p,
        significant=significant, enough_data=enough, leads_needed=needed,
        shortfall=_shortfall(a, b, guard),
    )
    return Comparison(
        metric=metric, test=None if test is None else test.name, a=ra, b=rb,
        difference=difference, difference_ci=parts.difference_ci,
        p_value=p, prob_b_beats_a=parts.prob_b_beats_a,
        significant=significant, enough_data=enough, leads_needed=needed,
        verdict=verdict(facts), robustness=parts.robustness,
        kind="fixed_horizon" if sequential_leads is None else "sequential",
        lift=_lift(metric, a, b, sequential_leads, guard.alpha), name_a=a.name, name_b=b.name,
    )


def _shortfall(a: Group, b: Group, guard: Guard) -> str:
    """Return ' (X has N leads; …)' naming what is below the minimum sample."""
    short = [f"{g.name} has {g.n:,} leads" for g in (a, b) if g.n < guard.min_leads]
    customers = a.customers + b.customers
    if customers < guard.min_customers:
        short.append(f"the groups have {customers:,} customer{'' if customers == 1 else 's'} "
                     "in total")
    if not short:
        return ""
    need = (f"at least {guard.min_leads} leads per group and {guard.min_customers} customers "
            "in total")
    return f" ({'; '.join(short)}; a fair call needs {need})"
