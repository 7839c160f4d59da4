"""Burnout status and capacity on simulated channels and on the demo dataset."""

import re
from datetime import date

import numpy as np
import pytest

from channels.capacity import economic_capacity_spend, fit_saturation, marginal_cac
from channels.health import HealthSeries, HealthSettings, assess, maturity_weeks
from cohorts.health_series import health_series, status_changes, status_history
from demo.generator import BURNOUT_CHANNEL, CHANNELS, SATURATION_CHANNEL, generate
from tests.demo_facts import demo_facts

SETTINGS = HealthSettings()


def simulated(rate: np.ndarray, rng: np.random.Generator, leads: int = 300) -> HealthSeries:
    """Return a channel whose weekly conversion follows `rate`, with random spend."""
    weeks = rate.size
    n = rng.poisson(leads, weeks).astype(np.int64)
    return HealthSeries(
        weeks=np.datetime64("2025-01-06") + 7 * np.arange(weeks),
        spend_minor=rng.integers(50_000, 200_000, weeks).astype(np.int64), leads=n,
        customers=rng.binomial(n, rate).astype(np.int64), mature=np.ones(weeks, dtype=bool),
        impressions=np.full(weeks, -1, np.int64), clicks=np.full(weeks, -1, np.int64),
        maturity=4,
    )


def test_healthy_channels_rarely_burn_out() -> None:
    rng = np.random.default_rng(20240601)
    statuses = [assess(simulated(np.full(16, 0.05), rng), SETTINGS, with_capacity=False).status
                for _ in range(500)]
    assert statuses.count("burned_out") / 500 < 0.05
    assert statuses.count("healthy") / 500 > 0.8


@pytest.mark.parametrize(("rate", "status"), [
    (np.full(16, 0.05), "healthy"),
    (0.05 * np.exp(np.log(0.2) * np.arange(16) / 15), "burned_out"),
    (np.where(np.arange(16) < 12, 0.05, 0.015), "burned_out"),
])
def test_status_follows_the_shape_of_conversion(rate: np.ndarray, status: str) -> None:
    health = assess(simulated(rate, np.random.default_rng(3), leads=600), SETTINGS)
    assert health.status == status, health.reason


def test_noisy_flat_conversion_does_not_flag() -> None:
    rng = np.random.default_rng(11)
    health = assess(simulated(0.05 * rng.lognormal(0, 0.4, 20), rng), SETTINGS)
    assert health.status == "healthy", health.reason
    assert health.conversion.trend is not None and health.conversion.trend.scale > 1


def test_burned_out_reason_names_rates_span_and_p_value() -> None:
    rate = 0.041 * np.exp(np.log(0.3) * np.arange(12) / 11)
    health = assess(simulated(rate, np.random.default_rng(2), leads=2000), SETTINGS)
    assert health.status == "burned_out"
    assert re.match(r"conversion fell from \d\.\d % to 1\.\d % over 12 weeks, p < 0\.001",
                    health.reason), health.reason
    assert re.search(r"the last 4 weeks \(1\.\d %\) are at \d+ % of the best 4 weeks",
                     health.reason), health.reason


def test_fewer_than_six_mature_weeks_is_not_enough_data() -> None:
    health = assess(simulated(np.full(5, 0.05), np.random.default_rng(1)), SETTINGS)
    assert health.status == "not_enough_data"
    assert health.reason == "only 5 mature weeks with conversion data (6 needed)"


def test_maturity_is_the_longer_of_the_setting_and_the_p75_sales_cycle() -> None:
    assert maturity_weeks(4, None) == 4
    assert maturity_weeks(4, 20.0) == 4
    assert maturity_weeks(4, 36.0) == 6


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_saturation_fit_recovers_b_and_c(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b, c = 40.0, 5_000.0  # customers per week at saturation, CAC (minor units) at low spend
    spend = rng.uniform(20_000, 500_000, 20)
    leads = 2_000
    customers = rng.binomial(leads, b * np.tanh(spend / (b * c)) / leads)
    fit = fit_saturation(spend, customers)
    assert fit is not None and fit.b is not None
    assert fit.b == pytest.approx(b, rel=0.15)
    assert fit.c == pytest.approx(c, rel=0.15)


def test_linear_channel_shows_no_saturation_and_never_explodes() -> None:
    rng = np.random.default_rng(4)
    spend = rng.uniform(10_000, 40_000, 20)
    fit = fit_saturation(spend, rng.poisson(spend / 2_000))
    assert fit is not None and fit.b is None
    assert fit.c == pytest.approx(2_000, rel=0.15)
    assert marginal_cac(fit, 30_000) == fit.c
    assert economic_capacity_spend(fit, 10_000) is None
    assert fit_saturation([1000] * 10, [3] * 10) is None  # spend does not vary
    assert fit_saturation([1000, 2000, 500], [1, 2, 1]) is None  # too few weeks


def test_economic_capacity_is_where_marginal_cac_reaches_the_target() -> None:
    rng = np.random.default_rng(1)
    spend = rng.uniform(20_000, 500_000, 20)
    fit = fit_saturation(spend, rng.poisson(40 * np.tanh(spend / 200_000)))
    assert fit is not None and fit.b is not None
    spend_at = economic_capacity_spend(fit, 3 * fit.c)
    assert spend_at is not None and marginal_cac(fit, spend_at) == pytest.approx(3 * fit.c)
    assert economic_capacity_spend(fit, fit.c / 2) == 0.0


@pytest.fixture(scope="module")
def demo() -> dict[str, object]:
    data = generate(leads=20_000, seed=7, weeks=52, end=date(2026, 3, 29))
    return {name: assess(health_series(f, SETTINGS), SETTINGS)
            for name, f in demo_facts(data).items()}


ORDINARY = [p.name for p in CHANNELS if p.shape in ("steady", "growing") and p.share > 0
            and p.name not in (BURNOUT_CHANNEL, SATURATION_CHANNEL)]


def test_demo_burnout_channel_is_burned_out(demo: dict) -> None:
    assert demo[BURNOUT_CHANNEL].status == "burned_out"


def test_demo_saturating_channel_costs_far_more_at_the_margin(demo: dict) -> None:
    capacity = demo[SATURATION_CHANNEL].capacity
    assert capacity.modelled_per_month is not None
    assert capacity.marginal_cac_minor > 3 * capacity.average_cac_minor
    assert demo[SATURATION_CHANNEL].status == "healthy"
    assert capacity.model == "saturating" and capacity.saturation_p_value < 0.001
    low, high = capacity.modelled_interval_per_month
    assert low < capacity.modelled_per_month < high


def test_demo_channels_with_varying_spend_but_no_bend_show_no_limit(demo: dict) -> None:
    fitted = {name: h.capacity for name, h in demo.items()
              if name != SATURATION_CHANNEL and h.capacity.model != "not_enough_data"}
    assert fitted  # the launch channel's spend varies with its leads
    for capacity in fitted.values():
        assert capacity.model == "no_limit_seen" and capacity.modelled_per_month is None
        assert capacity.no_limit_up_to_weekly_spend_minor == capacity.fit.max_spend


def test_demo_ordinary_channels_are_not_flagged_burned_out_and_rarely_watched(demo: dict) -> None:
    """Steady and growing channels are never burned out. *Watch* rests on a trend test at 5 %
    per channel, so on the demo's steady channels a borderline false alarm can happen for a
    given seed (Google Ads — long tail: p = 0.047 once the demo planted its audience and
    stopped the coupon channel, which moved the random stream); more than one would mean the
    rule flags noise."""
    statuses = {name: demo[name].status for name in ORDINARY}
    assert len(ORDINARY) >= 8
    assert "burned_out" not in statuses.values(), statuses
    watched = [name for name, status in statuses.items() if status == "watch"]
    assert len(watched) <= 1, {name: demo[name].reason for name in watched}
    assert all(status in ("healthy", "watch") for status in statuses.values()), statuses


def test_status_history_records_the_change_to_burned_out() -> None:
    data = generate(leads=20_000, seed=7, weeks=52, end=date(2026, 3, 29))
    facts = demo_facts(data)[BURNOUT_CHANNEL]
    points = status_history(facts, SETTINGS, weeks=40)
    changes = status_changes(points)
    assert points[-1][1].status == "burned_out"
    assert changes and changes[0].status == "burned_out"
    assert [c.on for c in changes] == sorted((c.on for c in changes), reverse=True)
