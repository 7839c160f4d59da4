"""Per-customer summaries read in SQL, checked by hand on SQLite and PostgreSQL."""

from datetime import date, timedelta

import numpy as np
from numpy.testing import assert_array_equal
from sqlmodel import Session

from cohorts.as_of import AsOf
from cohorts.ltv.summaries import customer_summaries, revenue_since
from tests import factories

MON = date(2026, 1, 5)  # a Monday


def test_summaries_count_repeat_days_net_refunds_and_respect_the_as_of_date(db: Session) -> None:
    ch = factories.channel(db)
    other = factories.channel(db)
    a = factories.lead(db, ch, MON + timedelta(1))  # cohort week MON
    factories.purchase(db, a, MON + timedelta(2), 5000)  # first day: 2
    factories.purchase(db, a, MON + timedelta(2), 1000)  # same day: not a repeat
    factories.purchase(db, a, MON + timedelta(9), 3000)  # repeat day 9
    factories.purchase(db, a, MON + timedelta(9), -500)  # refund that day
    factories.purchase(db, a, MON + timedelta(16), 0)  # zero value: not a repeat day
    factories.purchase(db, a, MON + timedelta(20), -2000)  # refund alone: not a repeat day
    factories.purchase(db, a, MON + timedelta(23), 4000)  # repeat day 23, age 3 ≥ horizon 3
    factories.purchase(db, a, MON + timedelta(40), 9999)  # after the as-of date
    b = factories.lead(db, other, MON + timedelta(8))  # cohort week MON + 7, one purchase
    factories.purchase(db, b, MON + timedelta(12), 700)
    factories.lead(db, ch, MON)  # never buys: not a customer

    found = customer_summaries(session=db, as_of=AsOf(MON + timedelta(30)), horizon_weeks=3)
    order = np.argsort(found.channel_id)
    assert_array_equal(found.channel_id[order], [ch.id, other.id])
    assert_array_equal(found.as_of_day[order], [30, 23])
    assert_array_equal(found.first_day[order], [2, 5])
    assert_array_equal(found.frequency[order], [2, 0])
    assert_array_equal(found.recency_days[order], [21, 0])
    # a: 5000 + 1000 + 3000 − 500 + 0 − 2000 (ages 0–2); b: 700
    assert_array_equal(found.observed_minor[order], [6500, 700])
    # a, after its first day: 3000 − 500 + 0 − 2000 + 4000
    assert_array_equal(found.repeat_minor[order], [4500, 0])
    assert found.age[order][0] == 28 / 7 and found.recency[order][0] == 3.0

    only_other = customer_summaries(session=db, as_of=AsOf(MON + timedelta(30)),
                                    horizon_weeks=3, channel_ids=[other.id])
    assert_array_equal(only_other.channel_id, [other.id])
    assert len(customer_summaries(session=db, as_of=AsOf(MON), horizon_weeks=3).channel_id) == 0

    # Backtest outcome: customers by day 10 (a and none else), their revenue in days 11–30.
    assert revenue_since(session=db, as_of=AsOf(MON + timedelta(31)), weeks=3) == {
        ch.id: 0 - 2000 + 4000}
