"""The in-memory event engine against a loop-by-loop reference."""

import numpy as np
from numpy.testing import assert_array_equal

from cohorts.events import EventArrays, all_cohorts, first_purchase_week


def random_events(seed: int, n_leads: int = 300, n_purchases: int = 400) -> EventArrays:
    rng = np.random.default_rng(seed)
    channels, weeks = 3, 8
    lead_week = rng.integers(0, weeks, n_leads)
    purchase_lead = rng.integers(0, n_leads, n_purchases)
    lag = rng.integers(-1, 4, n_purchases)  # −1: a purchase dated before its cohort (dropped)
    purchase_week = np.minimum(lead_week[purchase_lead] + lag, weeks - 1)
    return EventArrays(
        lead_channel=rng.integers(0, channels, n_leads),
        lead_week=lead_week,
        purchase_lead=purchase_lead,
        purchase_week=purchase_week,
        purchase_amount_minor=rng.integers(-300, 5000, n_purchases),
        spend_minor=rng.integers(0, 10000, (channels, weeks)),
    )


def test_first_purchase_week_per_lead() -> None:
    first = first_purchase_week(5, np.array([2, 1, 2, 1, 3]), np.array([5, 4, 3, 4, 0]))
    assert_array_equal(first, [-1, 4, 3, 0, -1])


def test_all_cohorts_matches_loops() -> None:
    for seed in range(5):
        ev = random_events(seed)
        got = all_cohorts(ev)
        c, w = ev.spend_minor.shape
        leads = np.zeros((c, w), int)
        new = np.zeros((c, w, w), int)
        revenue = np.zeros((c, w, w), int)
        for i in range(ev.lead_channel.size):
            leads[ev.lead_channel[i], ev.lead_week[i]] += 1
        first_week: dict[int, int] = {}
        for j in range(ev.purchase_lead.size):
            lead = int(ev.purchase_lead[j])
            first_week[lead] = min(first_week.get(lead, 99), int(ev.purchase_week[j]))
            channel, cohort = ev.lead_channel[lead], ev.lead_week[lead]
            age = ev.purchase_week[j] - cohort
            if age >= 0:
                revenue[channel, cohort, age] += ev.purchase_amount_minor[j]
        for lead, week in first_week.items():
            age = week - ev.lead_week[lead]
            if age >= 0:
                new[ev.lead_channel[lead], ev.lead_week[lead], age] += 1
        assert_array_equal(got.leads, leads)
        assert_array_equal(got.new_customers, new)
        assert_array_equal(got.revenue_minor, revenue)
