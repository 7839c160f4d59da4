"""Criteria evaluation on hand-made scenarios; intervals checked against scipy directly."""

import math
from datetime import date

import numpy as np
import pytest
from scipy import stats

from experiments.channel_tests.criteria import ChannelTestData, Criteria, Rules
from experiments.channel_tests.evaluation import evaluate, needs_decision

START, END = date(2026, 3, 2), date(2026, 3, 29)
MID = date(2026, 3, 16)


def _data(criteria: Criteria, *, spend: int = 100_000, leads: int = 100, customers: int = 10,
          revenue: list[float] | None = None, cap: int | None = 200_000,
          status: str = "running", purchases: tuple[tuple[date, int], ...] = ()) -> ChannelTestData:
    values = np.array(revenue if revenue is not None else
                      [10_000.0] * customers + [0.0] * (leads - customers))
    return ChannelTestData(status, START, END, cap, criteria, spend, leads, customers, values,
                           purchases)


def _judgements(data: ChannelTestData, as_of: date = MID) -> dict[str, str]:
    return {c.key: c.judgement for c in evaluate(data, as_of).criteria}


def _garwood(k: int) -> tuple[float, float]:
    """Garwood's exact Poisson interval through the gamma quantiles (not chi²)."""
    low = 0.0 if k == 0 else float(stats.gamma.ppf(0.025, k))
    return low, float(stats.gamma.ppf(0.975, k + 1))


def test_cac_met_when_whole_interval_is_below_the_maximum() -> None:
    # $1,000 for 40 customers: CAC $25, exact interval $18.36–$34.99 ≤ $40.
    data = _data(Criteria(max_cac_minor=4_000), leads=400, customers=40)
    result = evaluate(data, MID)
    low, high = _garwood(40)
    assert result.cac_minor == 2_500
    assert result.cac_interval == pytest.approx((100_000 / high, 100_000 / low))
    assert round(result.cac_interval[1]) == 3_499
    assert _judgements(data) == {"max_cac": "met"}


def test_cac_not_met_when_whole_interval_is_above_the_maximum() -> None:
    # 40 customers for $1,000: the interval's lower end $18.36 is above a $15 cap on CAC.
    assert _judgements(_data(Criteria(max_cac_minor=1_500), leads=400, customers=40)) == {
        "max_cac": "not_met"}


def test_point_estimate_alone_does_not_decide() -> None:
    # 6 customers for $300: CAC $50 < $60, but the interval reaches $136.
    data = _data(Criteria(max_cac_minor=6_000), spend=30_000, customers=6)
    result = evaluate(data, MID)
    assert result.cac_minor == 5_000 < 6_000
    assert result.cac_interval[1] == pytest.approx(30_000 / _garwood(6)[0])
    assert result.cac_interval[1] > 6_000
    assert _judgements(data) == {"max_cac": "not_enough_data"}


def test_conversion_not_met_by_its_wilson_interval() -> None:
    # 2 of 100 convert: Wilson 95 % upper bound 7.0 % < 10 %.
    data = _data(Criteria(min_conversion=0.10), leads=100, customers=2)
    result = evaluate(data, MID)
    z = stats.norm.ppf(0.975)
    p, n = 0.02, 100
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert result.conversion_interval == pytest.approx((centre - half, centre + half))
    assert _judgements(data) == {"min_conversion": "not_met"}


def test_rates_wait_for_the_minimum_sample() -> None:
    # 20 leads < 30 per group: no call on conversion even at 0 %; 3 customers < 5 on CAC.
    data = _data(Criteria(min_conversion=0.5, max_cac_minor=10**9), leads=20, customers=3)
    assert _judgements(data) == {"min_conversion": "not_enough_data",
                                 "max_cac": "not_enough_data"}
    lenient = Rules(min_leads=10, min_customers=3)
    judged = {c.key: c.judgement for c in evaluate(data, MID, lenient).criteria}
    assert judged == {"min_conversion": "not_met", "max_cac": "met"}


def test_counts_are_met_when_reached_and_not_met_only_once_ended() -> None:
    data = _data(Criteria(min_leads=150, min_customers=10), leads=100, customers=10)
    assert _judgements(data) == {"min_leads": "not_enough_data", "min_customers": "met"}
    past = evaluate(data, date(2026, 4, 1))
    assert {c.key: c.judgement for c in past.criteria} == {"min_leads": "not_met",
                                                           "min_customers": "met"}
    assert past.past_end and past.days_left == -3
    assert needs_decision("running", None, past) == "past its end date"
    assert "past its end date" in past.verdict


def test_ltv_to_cac_uses_observed_ltv_and_its_interval() -> None:
    # 10 of 100 leads buy $100 each, $250 spent: LTV $100, CAC $25, LTV:CAC 4.
    data = _data(Criteria(min_ltv_to_cac=3.0), spend=25_000)
    result = evaluate(data, MID)
    assert result.ltv_minor == 10_000 and result.ltv_to_cac == pytest.approx(4.0)
    values = np.array([10_000.0] * 10 + [0.0] * 90)
    t = stats.t(df=99, loc=values.mean(), scale=values.std(ddof=1) / 10)
    low, high = t.ppf(0.025), t.ppf(0.975)
    assert result.ltv_to_cac_interval == pytest.approx((4 * low / 1_000, 4 * high / 1_000))
    # 4 is above 3, but the interval (1.6–6.4) straddles it.
    assert _judgements(data) == {"min_ltv_to_cac": "not_enough_data"}
    margin = Rules(margin=0.5)
    assert evaluate(data, MID, margin).ltv_to_cac == pytest.approx(2.0)


def test_payback_within_weeks() -> None:
    bought = ((date(2026, 3, 10), 60_000), (date(2026, 3, 20), 50_000))
    data = _data(Criteria(payback_weeks=3), purchases=bought)
    assert evaluate(data, MID).paid_back_on == date(2026, 3, 20)
    assert _judgements(data) == {"payback_weeks": "met"}
    late = _data(Criteria(payback_weeks=2), purchases=bought)
    assert _judgements(late) == {"payback_weeks": "not_met"}
    unpaid = _data(Criteria(payback_weeks=3), purchases=bought[:1])
    assert _judgements(unpaid) == {"payback_weeks": "not_enough_data"}
    assert _judgements(unpaid, date(2026, 3, 24)) == {"payback_weeks": "not_met"}


def test_over_budget_needs_a_decision() -> None:
    data = _data(Criteria(min_leads=1_000), spend=250_000, cap=200_000)
    result = evaluate(data, MID)
    assert result.over_budget and result.budget_share == pytest.approx(1.25)
    assert result.days_left == 13
    assert needs_decision("running", None, result) == "over budget"
    assert needs_decision("running", "kill", result) is None
    assert result.verdict == (
        "0 of 1 criteria met, 1 without enough data yet: 2,500.00 USD spent of a 2,000.00 USD cap "
        "(over budget), 100 leads, 10 customers, CAC 250.00 USD; 13 days left.")


def test_every_criterion_decided_needs_a_decision() -> None:
    data = _data(Criteria(min_customers=5, min_leads=50))
    result = evaluate(data, MID)
    assert result.all_decided and not result.over_budget
    assert needs_decision("running", None, result) == "every criterion is decided"
    assert result.verdict.startswith("All 2 criteria met: 1,000.00 USD spent of a 2,000.00 USD cap")
    within = evaluate(_data(Criteria(min_customers=50)), MID)
    assert needs_decision("running", None, within) is None
    assert needs_decision("planned", None, within) is None


def test_no_customers_leaves_ratios_undefined() -> None:
    result = evaluate(_data(Criteria(), customers=0, leads=0, revenue=[]), MID)
    assert result.cac_minor is None and result.cac_interval is None
    assert result.conversion is None and result.ltv_to_cac is None
    assert "no customer yet" in result.verdict


def test_a_projected_ltv_replaces_the_observed_one_with_its_interval() -> None:
    """With the channel's projection (issue 16), LTV:CAC and its criterion read it: value and
    80 % interval ÷ CAC, worked by hand: CAC = 100,000 ÷ 10 = 10,000; 45,000 / 10,000 = 4.5,
    interval (32,000, 61,000) / 10,000 = (3.2, 6.1), wholly above 3, so met."""
    data = ChannelTestData(
        status="running", start_date=date(2026, 1, 5), end_date=None, budget_cap_minor=None,
        criteria=Criteria(min_ltv_to_cac=3.0), spend_minor=100_000, leads=40, customers=10,
        revenue_per_lead=np.array([1000.0] * 10 + [0.0] * 30), channel_id=7)
    observed = evaluate(data, date(2026, 2, 1), Rules(min_leads=30, min_customers=5))
    assert observed.ltv_minor == 1000.0 and not observed.ltv_projected
    rules = Rules(min_leads=30, min_customers=5, projected_ltv={7: (45_000.0, 32_000.0, 61_000.0)})
    projected = evaluate(data, date(2026, 2, 1), rules)
    assert projected.ltv_projected and projected.ltv_minor == 45_000.0
    assert projected.ltv_to_cac == pytest.approx(4.5)
    assert projected.ltv_to_cac_interval == pytest.approx((3.2, 6.1))
    [criterion] = [c for c in projected.criteria if c.key == "min_ltv_to_cac"]
    assert criterion.judgement == "met"
    other = evaluate(data, date(2026, 2, 1), Rules(projected_ltv={8: (1.0, 0.5, 2.0)}))
    assert not other.ltv_projected  # another channel's projection is not used
