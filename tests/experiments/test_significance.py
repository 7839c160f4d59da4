"""Comparisons that became (or stopped being) significant since last week (SPEC §4, §7)."""

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from experiments.significance import (
    ChannelCount,
    LookRule,
    change_sentence,
    pairwise_looks,
    significance_changes,
)
from experiments.stats import Guard

# Three channels a week apart: Blog crosses the corrected threshold against Ads; Events,
# significant against Ads a week before, falls back as its recent leads convert worse.
BEFORE = [ChannelCount(1, "Ads", 1000, 100), ChannelCount(2, "Blog", 1000, 140),
          ChannelCount(3, "Events", 1000, 160)]
NOW = [ChannelCount(1, "Ads", 1200, 120), ChannelCount(2, "Blog", 1200, 190),
       ChannelCount(3, "Events", 1200, 170)]


def always_valid_p(x_a: int, n_a: int, x_b: int, n_b: int, expected: float = 5000,
                   alpha: float = 0.05) -> float:
    """The mixture boundary's always-valid p-value (Waudby-Smith et al. 2023, eq. 155),
    written out by hand for B − A of two proportions."""
    p_a, p_b = x_a / n_a, x_b / n_b
    variance = p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b
    n = n_a + n_b
    r2 = (-2 * math.log(alpha) + math.log(1 - 2 * math.log(alpha))) / expected
    grown = n * r2 + 1
    return min(1.0, math.sqrt(grown) * math.exp(-r2 * n * (p_b - p_a) ** 2
                                                 / (2 * variance * grown)))


def unpooled_z_p(x_a: int, n_a: int, x_b: int, n_b: int) -> float:
    """The fixed-horizon two-sided p-value of the same (unpooled) z statistic, by scipy."""
    p_a, p_b = x_a / n_a, x_b / n_b
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    return float(2 * stats.norm.sf(abs(p_b - p_a) / se))


@pytest.mark.parametrize("counts", [BEFORE, NOW])
def test_each_look_is_the_always_valid_p_holm_corrected_across_pairs(
    counts: list[ChannelCount]
) -> None:
    looks = pairwise_looks(counts)
    assert len(looks) == 3
    by_ids = {}
    for first in counts:
        for second in counts:
            if first.id < second.id:
                look = looks[frozenset((first.id, second.id))]
                expected = always_valid_p(look.a.customers, look.a.leads, look.b.customers,
                                          look.b.leads)
                assert look.p_value == pytest.approx(expected, rel=1e-9)
                # Always valid costs power: never below the one-look test of the same numbers.
                fixed = unpooled_z_p(look.a.customers, look.a.leads, look.b.customers,
                                     look.b.leads)
                assert look.p_value >= fixed
                assert look.b.conversion >= look.a.conversion  # type: ignore[operator]
                by_ids[(first.id, second.id)] = look
    raw = [by_ids[k].p_value for k in sorted(by_ids)]
    holm = multipletests(raw, alpha=0.05, method="holm")[1]
    assert [by_ids[k].adjusted_p for k in sorted(by_ids)] == pytest.approx(holm, rel=1e-12)
    for look in by_ids.values():
        assert look.significant == (look.adjusted_p < 0.05)  # type: ignore[operator]


def test_a_pair_crossing_the_threshold_is_listed_once_and_one_falling_back_too() -> None:
    changes = significance_changes(NOW, BEFORE)
    (became,) = changes.became
    assert (became.now.a.name, became.now.b.name) == ("Ads", "Blog")
    assert became.before is not None and not became.before.significant
    # By hand: Blog 190/1200 against Ads 120/1200; three pairs, Holm.
    p_now = always_valid_p(120, 1200, 190, 1200)
    assert p_now == pytest.approx(0.0015680, abs=1e-6)
    assert became.now.adjusted_p == pytest.approx(3 * p_now, rel=1e-9)  # the smallest of 3
    assert became.before.p_value == pytest.approx(always_valid_p(100, 1000, 140, 1000))
    # A week before, not even the uncorrected always-valid p was below 0.05.
    assert became.before.p_value == pytest.approx(0.113387, abs=1e-6)
    (stopped,) = changes.stopped
    assert (stopped.now.a.name, stopped.now.b.name) == ("Ads", "Events")
    assert stopped.before is not None and stopped.before.significant
    # Raw p = 0.044 < 0.05 now, but corrected for the week's three pairs it is 0.089.
    assert stopped.now.p_value == pytest.approx(always_valid_p(120, 1200, 170, 1200))
    assert stopped.now.p_value < 0.05 < stopped.now.adjusted_p  # type: ignore[operator]
    assert change_sentence(became) == (
        "Blog now converts better than Ads: 15.8 % vs 10.0 % (+5.8 pp); always-valid "
        "p = 0.0016, Holm-corrected p = 0.0047 (a week before: 0.23).")
    assert change_sentence(stopped) == (
        "Events no longer converts significantly better than Ads: 14.2 % vs 10.0 % (+4.2 pp); "
        "always-valid p = 0.044, Holm-corrected p = 0.089 (a week before: 0.014).")
    # Unchanged calls are not listed; nothing changes between a look and itself.
    assert significance_changes(NOW, NOW).became == []
    assert significance_changes(NOW, NOW).stopped == []


def test_the_minimum_sample_holds_back_a_call_and_bh_is_selectable() -> None:
    # Blog's 25 leads convert far better, but below 30 leads per group no winner is called.
    small_before = [ChannelCount(1, "Ads", 900, 45), ChannelCount(2, "Blog", 15, 12)]
    small_now = [ChannelCount(1, "Ads", 1000, 50), ChannelCount(2, "Blog", 25, 20)]
    look = pairwise_looks(small_now)[frozenset((1, 2))]
    assert look.adjusted_p is not None and look.adjusted_p < 0.05 and not look.enough_data
    assert significance_changes(small_now, small_before).became == []
    rule = LookRule(Guard(min_leads=20), method="bh")
    (became,) = significance_changes(small_now, small_before, rule).became
    assert (became.now.a.name, became.now.b.name) == ("Ads", "Blog")
    looks = pairwise_looks(NOW, rule)
    raw = [looks[k].p_value for k in sorted(looks, key=sorted)]
    bh = multipletests(raw, method="fdr_bh")[1]
    assert [looks[k].adjusted_p for k in sorted(looks, key=sorted)] == pytest.approx(bh)
    assert "Benjamini–Hochberg-corrected" in change_sentence(became, "bh")


def _weekly_calls(rng: np.random.Generator, rates: tuple[float, ...], weeks: int,
                  per_week: int) -> list[list[frozenset[int]]]:
    """Return, per week, the pairs that became significant, for channels of true `rates`."""
    leads = np.zeros(len(rates), dtype=int)
    customers = np.zeros(len(rates), dtype=int)
    previous: list[ChannelCount] = []
    calls = []
    for _ in range(weeks):
        leads += per_week
        customers += rng.binomial(per_week, rates)
        now = [ChannelCount(i, f"C{i}", int(n), int(x))
               for i, (n, x) in enumerate(zip(leads, customers, strict=True))]
        calls.append([c.now.key for c in significance_changes(now, previous).became])
        previous = now
    return calls


def test_weekly_looks_call_a_false_winner_at_most_five_percent_of_the_time() -> None:
    rng = np.random.default_rng(20261129)
    runs, weeks = 300, 16
    ever = sum(any(week for week in _weekly_calls(rng, (0.1, 0.1, 0.1), weeks, 60))
               for _ in range(runs))
    # P(any false call at any of 16 looks) ≤ 5 %; 3 standard errors of slack for 300 runs.
    assert ever / runs <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / runs)


def test_a_real_difference_becomes_significant_in_most_runs() -> None:
    rng = np.random.default_rng(7)
    runs = 100
    found = sum(any(frozenset((0, 1)) in week
                    for week in _weekly_calls(rng, (0.08, 0.16, 0.08), 16, 60))
                for _ in range(runs))
    assert found / runs >= 0.8


def test_the_same_weekly_looks_with_a_one_look_z_test_exceed_five_percent() -> None:
    """The contrast that makes the bound above mean something: Holm-corrected fixed-horizon
    z-tests (scipy), looked at every week, call a false winner in far more than 5 % of
    histories of the same size."""
    rng = np.random.default_rng(20261129)
    runs, weeks = 300, 16
    leads = 60 * np.arange(1, weeks + 1)[None, :, None]
    customers = np.cumsum(rng.binomial(60, 0.1, (runs, weeks, 3)), axis=1)
    rate = customers / leads
    pairs = ((0, 1), (0, 2), (1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.stack([np.abs(rate[..., j] - rate[..., i]) / np.sqrt(
            (rate[..., i] * (1 - rate[..., i]) + rate[..., j] * (1 - rate[..., j])) / leads[..., 0])
            for i, j in pairs], axis=-1)
    p = np.where(np.isfinite(z), 2 * stats.norm.sf(z), 1.0)
    # Holm at α: reject when the smallest p-value is below α/3 (the first step decides).
    called = (p.min(axis=-1) < 0.05 / 3).any(axis=1)
    assert called.mean() > 0.05 + 3 * math.sqrt(0.05 * 0.95 / runs)
