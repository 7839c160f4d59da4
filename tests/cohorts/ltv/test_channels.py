"""Per-channel projections and the backtest read from the database (both backends)."""

from datetime import timedelta

import pytest
from sqlmodel import Session

from cohorts.aggregates import refresh_all
from cohorts.as_of import AsOf
from cohorts.ltv.channels import backtest, channel_ltvs
from cohorts.ltv.projection import PRIOR_CUSTOMERS, fit_channel, fit_pooled, project
from cohorts.ltv.summaries import customer_summaries
from tests import factories
from tests.ltv_support import MON, store_customers


def test_channels_are_projected_from_the_database_as_from_their_summaries(db: Session) -> None:
    big, small = factories.channel(db), factories.channel(db)
    store_customers(db, big.id, 400, seed=3)
    store_customers(db, small.id, 30, seed=4)
    refresh_all(db.connection())
    as_of = AsOf(MON + timedelta(days=146))
    found = channel_ltvs(session=db, as_of=as_of, horizon_weeks=52, margin=0.5)
    assert found.reason is None and found.pooled_customers == 430
    customers = customer_summaries(session=db, as_of=as_of, horizon_weeks=52)
    pooled = fit_pooled(customers)
    assert not isinstance(pooled, str)
    own = customers.only(customers.channel_id == small.id)
    by_hand = project(fit_channel(own, pooled), own, own.weeks_left(52))
    row = found.channels[small.id]
    assert row.ltv_minor == pytest.approx(by_hand.revenue_minor * 0.5 / 30)
    assert row.low_minor is not None and row.high_minor is not None
    assert row.low_minor < row.ltv_minor < row.high_minor
    assert row.weight == pytest.approx(30 / (30 + PRIOR_CUSTOMERS))
    assert row.basis == ("projected to 52 weeks by a repeat-purchase model from 430 customers; "
                         "this channel's 30 customers weigh 23 %")
    # Observed revenue is a floor of the projection.
    assert row.ltv_minor >= int(own.observed_minor.sum()) * 0.5 / 30

    past = backtest(session=db, as_of=as_of, weeks=8)
    assert set(past.channels) == {big.id, small.id}
    assert past.mape is not None and past.mape >= 0
    assert all(r.projected_minor > 0 for r in past.channels.values())


def test_no_customers_is_not_enough_data(db: Session) -> None:
    factories.channel(db)
    found = channel_ltvs(session=db, as_of=AsOf(MON), horizon_weeks=52)
    assert found.channels == {} and found.reason == "fewer than 20 customers"
    assert backtest(session=db, as_of=AsOf(MON)).mape is None


@pytest.mark.parametrize("weeks", [0, -3, 105])
def test_a_holdout_outside_1_to_104_weeks_is_refused_with_its_range(db: Session,
                                                                    weeks: int) -> None:
    with pytest.raises(ValueError, match=rf"^the backtest's holdout must be 1 to 104 weeks, "
                                         rf"not {weeks}$"):
        backtest(session=db, as_of=AsOf(MON + timedelta(days=146)), weeks=weeks)
