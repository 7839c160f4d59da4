"""Bounds of segment insights: attribute plans, pooling into "other" and cheap tests (issue 12)."""

from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

import experiments.segments.insights as segments
from experiments.proportions import TestResult as ConversionTest
from experiments.segments.insights import (
    Moments,
    SegmentRule,
    SegmentValue,
    segment_conversion_test,
    segment_insights,
    top_finding,
)
from experiments.segments.limits import (
    AttributeUse,
    AttributeValues,
    SegmentLimits,
    SkippedAttribute,
    plan_attributes,
    pooled_values,
)


def test_plan_keeps_the_most_used_attributes_and_skips_those_with_too_many_values() -> None:
    uses = [AttributeUse("region", 80, 3), AttributeUse("email", 90, 90),
            AttributeUse("industry", 95, 12), AttributeUse("role", 10, 2)]
    plan = plan_attributes(uses, total_attributes=7,
                           limits=SegmentLimits(max_distinct=12, max_attributes=3))
    # Ranked by leads: industry 95, email 90, region 80; role (10) is beyond the three.
    assert plan.compared == ("industry", "region")
    assert plan.skipped == (SkippedAttribute("email", 90, 90),)
    assert plan.not_looked_at == 7 - 3


def test_skipped_attribute_says_why_with_thousands_separator() -> None:
    assert SkippedAttribute("industry", 5000, 3120).reason == (
        "industry: 3,120 distinct values, skipped — too many to compare")


def test_pooled_other_row_is_the_sum_of_the_values_left_out() -> None:
    # Hand-made values of "plan": a (5 leads), b (4), and the pooled c (3), d (2), e (1).
    a, b = Moments(5, 2, 300.0, 50_000.0), Moments(4, 1, 100.0, 10_000.0)
    c, d, e = Moments(3, 1, 40.0, 1_600.0), Moments(2, 0, 0.0, 0.0), Moments(1, 1, 7.0, 49.0)
    total = Moments(15, 5, 447.0, 61_649.0)  # a + b + c + d + e, added by hand
    rows = pooled_values(AttributeValues("plan", (("a", a), ("b", b)), total, 5))
    assert rows[:2] == [SegmentValue("plan", "a", a), SegmentValue("plan", "b", b)]
    other = rows[2]
    assert (other.attribute, other.value, other.pooled) == ("plan", "", 3)
    assert other.moments == Moments(c.leads + d.leads + e.leads,
                                    c.customers + d.customers + e.customers,
                                    c.revenue_sum + d.revenue_sum + e.revenue_sum,
                                    c.revenue_sq_sum + d.revenue_sq_sum + e.revenue_sq_sum)
    assert other.moments == Moments(6, 2, 47.0, 1_649.0)  # the same sums, by hand


def test_no_other_row_when_every_value_is_shown() -> None:
    m = Moments(4, 1, 10.0, 100.0)
    rows = pooled_values(AttributeValues("plan", (("a", m),), m, 1))
    assert rows == [SegmentValue("plan", "a", m)]


def test_test_choice_z_boschloo_or_fisher_matches_scipy() -> None:
    z = segment_conversion_test(40, 400, 30, 100, exact_max_table=2500)
    assert z is not None and z.name == "z_test"
    assert z.p_value == pytest.approx(proportions_ztest([30, 40], [100, 400])[1], rel=1e-9)
    small = segment_conversion_test(2, 60, 3, 10, exact_max_table=2500)  # 61 · 11 = 671 tables
    assert small is not None and small.name == "boschloo_exact"
    assert small.p_value == pytest.approx(
        stats.boschloo_exact([[2, 3], [58, 7]]).pvalue, rel=1e-9)
    big = segment_conversion_test(2_000, 20_000, 2, 3, exact_max_table=2500)  # 80,004 tables
    assert big is not None and big.name == "fisher_exact"
    assert big.p_value == pytest.approx(
        stats.fisher_exact([[2_000, 2], [18_000, 1]]).pvalue, rel=1e-12)
    assert segment_conversion_test(0, 0, 1, 3, exact_max_table=2500) is None


def test_pooled_row_is_tested_named_and_explained() -> None:
    totals = Moments(1000, 100, 0.0, 0.0)
    values = [SegmentValue("industry", "saas", Moments(300, 30, 0.0, 0.0)),
              SegmentValue("industry", "", Moments(200, 60, 0.0, 0.0), 17)]
    found = segment_insights(values, totals)
    top = found[0]
    assert top.pooled == 17 and top.label == "other (17 values)" and top.significant
    expected = proportions_ztest([60, 40], [200, 800])[1]
    assert top.conversion_p == pytest.approx(min(1.0, 2 * expected), rel=1e-9)  # Holm, m = 2
    assert top_finding(found).startswith(
        "Leads with one of the 17 less common industry values convert at 30.0 % vs 5.0 %")


class CountingTests:
    """Counts every conversion test segment_insights runs, whatever kind it picks."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        for name in ("z_test", "exact_test", "fisher_test"):
            original = getattr(segments, name)
            monkeypatch.setattr(segments, name, self._counted(original))

    def _counted(self, original: Callable[..., ConversionTest]) -> Callable[..., ConversionTest]:
        def counted(*args: int) -> ConversionTest:
            self.calls += 1
            return original(*args)
        return counted


@pytest.mark.parametrize("distinct", [30, 3_000])
def test_tests_run_do_not_grow_with_distinct_values(
    monkeypatch: pytest.MonkeyPatch, distinct: int
) -> None:
    counter = CountingTests(monkeypatch)
    limits = SegmentLimits(top_values=20, max_distinct=10_000)
    # Only the top values come from SQL; the attribute's totals cover all `distinct` values.
    top = tuple((f"v{i}", Moments(50, 5 + i % 3, 0.0, 0.0)) for i in range(limits.top_values))
    total = Moments(50 * distinct, 6 * distinct, 0.0, 0.0)
    rows = pooled_values(AttributeValues("source", top, total, distinct))
    found = segment_insights(rows, Moments(60 * distinct, 7 * distinct, 0.0, 0.0),
                             SegmentRule())
    assert len(found) == limits.top_values + 1 and counter.calls == limits.top_values + 1


def test_boschloo_tests_of_a_page_share_one_budget() -> None:
    # 50 leads, 3 customers: every 10-lead value expects < 5 customers, so each needs an
    # exact test on a (41 × 11) = 451-cell table. A budget of 1,000 cells pays for two.
    totals = Moments(50, 3, 0.0, 0.0)
    values = [SegmentValue("plan", v, Moments(10, 1, 0.0, 0.0)) for v in ("a", "b", "c")]
    rule = SegmentRule(exact_max_table=1000, exact_budget=1000, method="bh")
    found = {s.value: s for s in segment_insights(values, totals, rule)}
    assert [found[v].conversion_test for v in "abc"] == [
        "boschloo_exact", "boschloo_exact", "fisher_exact"]
    raw = [stats.boschloo_exact([[2, 1], [38, 9]]).pvalue] * 2 + [
        stats.fisher_exact([[2, 1], [38, 9]]).pvalue]
    adjusted = multipletests(raw, method="fdr_bh")[1]
    for v, p in zip("abc", adjusted, strict=True):
        assert found[v].conversion_p == pytest.approx(p, rel=1e-9)


def test_the_cheap_choice_keeps_false_positives_at_most_alpha() -> None:
    # Seeded null simulation: a 4-lead value against 3,000 other leads, both converting at
    # 3 %. Expected customers < 5 and the table is too big for Boschloo: Fisher's test runs.
    rng = np.random.default_rng(12)
    n_rest, n_seg, rate, runs = 3_000, 4, 0.03, 2_000
    rejected, names = 0, set()
    for x_rest, x_seg in zip(rng.binomial(n_rest, rate, runs), rng.binomial(n_seg, rate, runs),
                             strict=True):
        test = segment_conversion_test(int(x_rest), n_rest, int(x_seg), n_seg, 2500)
        assert test is not None
        names.add(test.name)
        rejected += test.p_value < 0.05
    assert names == {"fisher_exact"}
    assert rejected / runs <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / runs)
