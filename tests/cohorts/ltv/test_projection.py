"""Projected revenue from the pooled and shrunk models: recovery, shrinkage, degenerate data."""

import numpy as np
import pytest

from cohorts.ltv import projection
from cohorts.ltv.projection import CustomerSummaries, fit_channel, fit_pooled, project
from tests.ltv_support import simulate


def test_52_week_revenue_of_5000_customers_is_recovered_within_5_percent() -> None:
    synthetic = simulate(5000, seed=1)
    model = fit_pooled(synthetic.customers)
    assert isinstance(model, projection.Model)
    found = project(model, synthetic.customers, synthetic.weeks_left)
    assert found.revenue_minor == pytest.approx(synthetic.truth_minor, rel=0.05)
    assert found.low_minor is not None and found.high_minor is not None
    assert found.low_minor < found.revenue_minor < found.high_minor
    # Observed revenue is a floor: the projection only adds expected future purchases.
    assert found.observed_minor == int(synthetic.customers.observed_minor.sum())
    assert found.observed_minor < found.low_minor


def test_the_80_percent_interval_covers_the_truth_about_as_often_as_it_says() -> None:
    # Seeded, bounded calibration: 12 independent samples of 2,000 customers.
    covered = 0
    for seed in range(100, 112):
        synthetic = simulate(2000, seed=seed)
        model = fit_pooled(synthetic.customers)
        assert isinstance(model, projection.Model)
        found = project(model, synthetic.customers, synthetic.weeks_left)
        assert found.low_minor is not None and found.high_minor is not None
        covered += found.low_minor <= synthetic.truth_minor <= found.high_minor
    assert 6 <= covered <= 12


def _joined(*parts: CustomerSummaries) -> CustomerSummaries:
    return CustomerSummaries(*(np.concatenate([getattr(p, name) for p in parts])
                               for name in projection.SUMMARY_FIELDS))


def _per_customer(customers: CustomerSummaries, model: projection.Model) -> float:
    found = project(model, customers, customers.weeks_left(52), interval=False)
    return found.revenue_minor / found.customers


@pytest.mark.parametrize(("size", "lands_near"), [(10, "pooled"), (5000, "own")])
def test_a_channel_is_shrunk_toward_the_pool_by_its_size(size: int, lands_near: str) -> None:
    # The pool: 5,000 customers like CDNOW's. The channel's customers buy 4 × as often.
    pool = simulate(5000, seed=7, channel=1)
    channel = simulate(size, seed=8, channel=2, purchases=(0.243 * 4, 4.414, 0.793, 2.426))
    everyone = _joined(pool.customers, channel.customers)
    pooled = fit_pooled(everyone)
    assert isinstance(pooled, projection.Model)
    own = fit_pooled(simulate(5000, seed=8, channel=2,
                              purchases=(0.243 * 4, 4.414, 0.793, 2.426)).customers)
    assert isinstance(own, projection.Model)
    shrunk = fit_channel(channel.customers, pooled)
    # Compare the models on a customer who has just bought for the first time.
    reference = _customers([(2, 0, 0, 0, 0, 0, 0)])
    by_pooled = _per_customer(reference, pooled)
    by_own = _per_customer(reference, own)
    by_shrunk = _per_customer(reference, shrunk)
    share_of_the_way = (by_shrunk - by_pooled) / (by_own - by_pooled)
    assert by_own > 1.5 * by_pooled  # the channel really differs
    if lands_near == "pooled":
        assert abs(share_of_the_way) < 0.2
    else:
        assert share_of_the_way > 0.8
    assert projection.weight(size) == size / (size + projection.PRIOR_CUSTOMERS)


def _customers(rows: list[tuple[int, ...]]) -> CustomerSummaries:
    table = np.array(rows, dtype=np.int64).reshape(-1, 7)
    return CustomerSummaries(*(table[:, k] for k in range(7)))


@pytest.mark.parametrize(("rows", "reason"), [
    # channel, as-of day, first day, frequency, recency days, observed, repeat revenue
    ([(1, 100, 3, 0, 0, 5000, 0)] * 50, "no customer has bought again"),
    ([(1, 100, 3, 4, 60, 5000, 3000)], "fewer than 20 customers"),
    ([(1, 100, 3, 0, 0, 5000, 0)] * 30, "no customer has bought again"),  # all on one day
    ([(1, 100, 3, 2, 50 + k, -400, -900) for k in range(30)], "worth more than refunds"),
    ([(1, 100, 3, 2, 50 + k, 400, 900) for k in range(30)], "every repeat customer spent the same"),
])
def test_degenerate_data_is_not_enough_data(rows: list[tuple[int, ...]], reason: str) -> None:
    found = fit_pooled(_customers(rows))
    assert isinstance(found, str) and reason in found


@pytest.mark.parametrize(("low", "high", "rule"), [
    (3.0, 4.0, "pass"), (2.0, 2.9, "fail"), (2.5, 3.5, "undecided"), (None, 4.0, None)])
def test_the_rule_reads_the_interval(low: float | None, high: float | None,
                                     rule: str | None) -> None:
    assert projection.interval_rule(low, high, 3.0) == rule


def test_projected_payback_adds_the_projection_to_the_observed_triangle() -> None:
    # Cohort 0 is 2 weeks old (cumulative 100, 150, 170), cohort 1 is 1 week old (50, 80).
    revenue = np.array([[100.0, 150.0, 170.0], [50.0, 80.0, np.nan]])
    ages = np.array([2, 1])
    future = np.array([0.0, 0.0, 30.0, 60.0, 90.0])
    # Through age k: 150, 230, 250 + 30, 250 + 60, 250 + 90; × margin 0.5: 75, 115, 140, 155, 170.
    assert projection.projected_payback_week(revenue, ages, 150, 0.5, future) == 3
    assert projection.projected_payback_week(revenue, ages, 115, 0.5, future) == 1
    assert projection.projected_payback_week(revenue, ages, 200, 0.5, future) is None
    assert projection.projected_payback_week(revenue, ages, 0, 0.5, future) is None
