"""Two-group comparisons: guard, metrics and the verdict sentence (SPEC §4)."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from experiments.means import leads_needed_for_means, mean_interval, welch_interval
from experiments.stats import Group, Guard, compare
from experiments.verdict import about
from kernel.numbers import format_p


def group(name: str, leads: int, customers: int, value: float = 100.0,
          spend: float | None = None) -> Group:
    converted = np.zeros(leads)
    converted[:customers] = 1.0
    return Group(name, converted, converted * value, spend)


def test_conversion_comparison_matches_references() -> None:
    a, b = group("LinkedIn ads", 400, 38), group("Referrals", 410, 49)
    result = compare("conversion", a, b)
    _, p = proportions_ztest([49, 38], [410, 400])
    assert result.test == "z_test"
    np.testing.assert_allclose(result.p_value, p, rtol=1e-10)
    np.testing.assert_allclose(result.a.ci, proportion_confint(38, 400, method="wilson"))
    assert result.difference == pytest.approx(49 / 410 - 38 / 400)
    assert result.enough_data and not result.significant
    assert result.verdict == (
        f"Referrals converts better than LinkedIn ads (12.0 % vs 9.5 %), but the difference "
        f"is not significant yet ({format_p(p)}); about {about(result.leads_needed or 0)} "
        "more leads per group would settle it."
    )


def test_significant_winner_sentence() -> None:
    result = compare("conversion", group("SEO", 500, 100), group("Ads", 500, 40))
    assert result.significant
    assert result.verdict.startswith("SEO converts better than Ads (20.0 % vs 8.0 %), and the "
                                     "difference is significant (p < 0.001)")


def test_small_groups_never_get_a_winner() -> None:
    result = compare("conversion", group("A", 20, 0), group("B", 20, 15))
    assert result.p_value is not None and result.p_value < 0.001
    assert not result.enough_data and not result.significant
    assert ("not enough data to call a winner (A has 20 leads; B has 20 leads; a fair call "
            "needs at least 30 leads per group and 5 customers in total)") in result.verdict
    custom = compare("conversion", group("A", 20, 1), group("B", 20, 15), Guard(10, 1))
    assert custom.significant


def test_an_obvious_loser_with_no_customers_can_be_called() -> None:
    # Issue 13: "5 customers per group" meant 0 of 100 against 20 of 100 was never called.
    result = compare("conversion", group("A", 100, 0), group("B", 100, 20))
    _, p = proportions_ztest([20, 0], [100, 100])
    np.testing.assert_allclose(result.p_value, p, rtol=1e-10)
    assert result.enough_data and result.significant


def test_too_few_customers_in_total_blocks_the_call() -> None:
    result = compare("conversion", group("A", 400, 0), group("B", 400, 4))
    assert not result.enough_data and not result.significant
    assert "the groups have 4 customers in total" in result.verdict


def test_identical_groups_have_no_winner() -> None:
    result = compare("conversion", group("A", 300, 30), group("B", 300, 30))
    assert result.p_value == 1.0 and not result.significant
    assert result.leads_needed is None
    assert result.verdict == "A and B perform the same (10.0 % vs 10.0 %); there is no winner."


def test_revenue_comparison_uses_welch_and_mann_whitney() -> None:
    rng = np.random.default_rng(5)
    ra = np.where(rng.random(300) < 0.1, rng.lognormal(4, 1.2, 300), 0.0)
    rb = np.where(rng.random(320) < 0.15, rng.lognormal(4, 1.2, 320), 0.0)
    a = Group("A", (ra > 0).astype(float), ra)
    b = Group("B", (rb > 0).astype(float), rb)
    result = compare("revenue_per_lead", a, b)
    np.testing.assert_allclose(result.p_value, stats.ttest_ind(rb, ra, equal_var=False).pvalue)
    assert result.robustness is not None
    np.testing.assert_allclose(result.robustness.p_value, stats.mannwhitneyu(rb, ra).pvalue)
    lo, hi = result.difference_ci  # type: ignore[misc]
    assert lo < rb.mean() - ra.mean() < hi
    assert result.prob_b_beats_a is None
    assert result.leads_needed == leads_needed_for_means(ra, rb) and result.leads_needed > 0
    assert (result.a.ci, result.b.ci) == (mean_interval(ra), mean_interval(rb))
    # The difference's interval is Welch's: it agrees with the test shown beside it.
    ci = stats.ttest_ind(rb, ra, equal_var=False).confidence_interval(0.95)
    np.testing.assert_allclose(result.difference_ci, (ci.low, ci.high), rtol=1e-10)
    assert result.a.ci[0] < ra.mean() < result.a.ci[1]  # type: ignore[index]


def test_cac_comparison_uses_exact_poisson_intervals() -> None:
    result = compare("cac", group("A", 200, 10, spend=5000.0), group("B", 200, 25, spend=5000.0))
    assert result.a.value == 500.0 and result.b.value == 200.0
    lo, hi = result.a.ci  # type: ignore[misc]
    assert lo == pytest.approx(5000 / (stats.chi2.ppf(0.975, 22) / 2))
    assert hi == pytest.approx(5000 / (stats.chi2.ppf(0.025, 20) / 2))
    np.testing.assert_allclose(result.p_value, stats.binomtest(25, 35, 0.5).pvalue)
    assert result.verdict.startswith("B acquires customers more cheaply than A (200.00 vs 500.00)")


def test_roi_without_spend_is_undefined() -> None:
    result = compare("roi", group("A", 50, 5), group("B", 50, 8))
    assert result.a.value is None and result.p_value is None and not result.significant
    assert result.verdict == "A and B cannot be compared on this metric yet."


def test_roi_comparison_scales_revenue_by_spend() -> None:
    a, b = group("A", 100, 10, 300.0, 2000.0), group("B", 100, 20, 300.0, 2000.0)
    result = compare("roi", a, b)
    assert result.a.value == pytest.approx(3000 / 2000 - 1)
    assert result.b.value == pytest.approx(6000 / 2000 - 1)
    ra, rb = a.revenue * 100 / 2000, b.revenue * 100 / 2000
    np.testing.assert_allclose(result.p_value, stats.ttest_ind(rb, ra, equal_var=False).pvalue)
    # Per-lead ROI contributions are 15 for a buyer, else 0: means 1.5 and 3, sample
    # variances 2025/99 and 3600/99; (z.975 + z.8)² · (5625/99) / 1.5² = 198.2 → 199 per group.
    assert result.leads_needed == 199 - 100
    # Each group's ROI interval is its weighted revenue interval, less the spend (1).
    low, high = mean_interval(a.revenue, 100 / 2000)  # type: ignore[misc]
    assert result.a.ci == pytest.approx((low - 1, high - 1))
    assert result.difference_ci == welch_interval(ra, rb)
    assert result.b.ci[0] < result.b.value < result.b.ci[1]  # type: ignore[index,operator]


def test_cac_has_no_leads_needed() -> None:
    result = compare("cac", group("A", 200, 10, spend=5000.0), group("B", 200, 25, spend=5000.0))
    assert result.leads_needed is None  # CAC's sampling unit is spend, not leads


def test_unknown_metric_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        compare("ltv", group("A", 1, 0), group("B", 1, 0))


@pytest.mark.parametrize(("n", "text"), [(7, "7"), (1436, "1,400"), (98765, "99,000")])
def test_about_rounds_to_two_significant_digits(n: int, text: str) -> None:
    assert about(n) == text
