"""Per-customer projected values: their sum over a channel is the channel's projection."""

from datetime import timedelta

import numpy as np
import pytest
from sqlmodel import Session

from cohorts.aggregates import refresh_all
from cohorts.as_of import AsOf
from cohorts.ltv import bgnbd
from cohorts.ltv.channels import channel_ltvs
from cohorts.ltv.customers import customer_values
from cohorts.ltv.projection import CustomerSummaries, fit_channel, fit_pooled, project
from cohorts.ltv.summaries import lead_summaries
from tests import factories
from tests.ltv_support import MON, simulate, store_customers


def _two_channels() -> CustomerSummaries:
    a, b = simulate(300, seed=11, channel=1).customers, simulate(60, seed=12, channel=2).customers
    return CustomerSummaries(*(np.concatenate([getattr(a, n), getattr(b, n)])
                               for n in ("channel_id", "as_of_day", "first_day", "frequency",
                                         "recency_days", "observed_minor", "repeat_minor")))


def test_the_per_customer_values_sum_to_each_channels_projection() -> None:
    customers = _two_channels()
    pooled = fit_pooled(customers)
    assert not isinstance(pooled, str)
    models = {c: fit_channel(customers.only(customers.channel_id == c), pooled) for c in (1, 2)}
    values = customer_values(models, customers, customers.weeks_left(52), margin=0.4)
    assert np.isfinite(values).all()
    for channel in (1, 2):
        own = customers.channel_id == channel
        projection = project(models[channel], customers.only(own),
                             customers.only(own).weeks_left(52), interval=False)
        assert values[own].sum() == pytest.approx(projection.revenue_minor * 0.4, rel=1e-10)
        # Observed revenue × margin is each customer's floor.
        assert (values[own] >= customers.observed_minor[own] * 0.4 - 1e-9).all()


def test_one_customer_by_hand() -> None:
    """A customer without repeat purchases: observed + E[purchases] × p γ / (q − 1)."""
    customers = _two_channels()
    pooled = fit_pooled(customers)
    assert not isinstance(pooled, str)
    one = CustomerSummaries(*(np.array([v]) for v in (1, 20, 6, 0, 0, 5000, 0)))
    weeks = np.array([10.0])
    found = customer_values({1: pooled}, one, weeks, margin=0.5)
    p, q, gamma = pooled.spend.params
    purchases = bgnbd.expected_purchases(pooled.purchases.params,
                                         bgnbd.Triples(np.array([0.0]), np.array([0.0]),
                                                       np.array([2.0]), np.array([1.0])), weeks)
    assert found[0] == pytest.approx((5000 + purchases[0] * p * gamma / (q - 1)) * 0.5)
    # No weeks left: the observed revenue only; a channel without a model: the fallback,
    # else NaN (undefined, never 0).
    assert customer_values({1: pooled}, one, np.array([0.0]))[0] == 5000
    assert customer_values({}, one, weeks, margin=0.5, fallback=pooled)[0] == found[0]
    assert np.isnan(customer_values({}, one, weeks)[0])


def test_the_stored_projection_is_the_sum_of_its_customers_values(db: Session) -> None:
    big, small = factories.channel(db), factories.channel(db)
    store_customers(db, big.id, 200, seed=5)
    store_customers(db, small.id, 30, seed=6)
    refresh_all(db.connection())
    as_of = AsOf(MON + timedelta(days=146))
    found = channel_ltvs(session=db, as_of=as_of, horizon_weeks=52, margin=0.5)
    assert found.reason is None and found.pooled is not None
    lead_ids, customers = lead_summaries(session=db, as_of=as_of, horizon_weeks=52)
    assert len(lead_ids) == 230 and (np.diff(lead_ids) > 0).all()
    values = customer_values(found.models, customers, customers.weeks_left(52), margin=0.5)
    for channel in (big.id, small.id):
        row = found.channels[channel]
        own = customers.channel_id == channel
        assert values[own].sum() == pytest.approx(row.ltv_minor * row.customers, rel=1e-10)
