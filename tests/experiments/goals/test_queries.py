"""The daily goal series read from the database, in local days of a non-UTC time zone."""

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlmodel import Session

from app.models import LeadStageChange
from cohorts.as_of import AsOf
from experiments.goals.progress import DailySeries
from experiments.goals.queries import daily_series, daily_series_by_scope, scope_series
from tests import factories as f


def test_daily_series_counts_each_metric_on_its_local_day(db: Session) -> None:
    ch, other = f.channel(db), f.channel(db)
    f.spend(db, ch, date(2026, 3, 2), 7000)
    one = f.lead(db, ch, datetime(2026, 3, 2, 20, tzinfo=UTC), stage="sales_ready")  # 3 March
    assert one.id is not None
    for at, stage in ((None, "inquiry"), (datetime(2026, 3, 4, 10, tzinfo=UTC), "lead"),
                      (datetime(2026, 3, 6, tzinfo=UTC), "sales_ready")):
        db.add(LeadStageChange(lead_id=one.id, changed_at=at, stage=stage))
    db.commit()
    two = f.lead(db, ch, datetime(2026, 3, 3, 5, tzinfo=UTC))  # "lead" since creation
    f.purchase(db, two, date(2026, 3, 5), 5000)
    f.purchase(db, two, date(2026, 3, 7), 1000)
    f.lead(db, other, datetime(2026, 3, 3, 5, tzinfo=UTC))
    f.lead(db, ch, datetime(2026, 3, 8, 19, tzinfo=UTC))  # 9 March in Kolkata: after as-of
    as_of = AsOf(date(2026, 3, 8), timezone="Asia/Kolkata")
    s = daily_series(session=db, first=date(2026, 3, 1), as_of=as_of, channel_ids=[ch.id or 0])
    #                      1  2  3  4  5  6  7  8 March
    assert s.inquiries.tolist() == [0, 0, 2, 0, 0, 0, 0, 0]
    assert s.leads.tolist() == [0, 0, 1, 1, 0, 0, 0, 0]
    # a first purchase reaches every earlier stage (as in the funnel): two on 5 March
    assert s.sales_ready_leads.tolist() == [0, 0, 0, 0, 1, 1, 0, 0]
    assert s.new_customers.tolist() == [0, 0, 0, 0, 1, 0, 0, 0]
    assert s.revenue_minor.tolist() == [0, 0, 0, 0, 5000, 0, 1000, 0]
    np.testing.assert_allclose(s.spend_minor, [0] + [1000] * 7)
    overall = daily_series(session=db, first=date(2026, 3, 1), as_of=as_of)
    assert overall.inquiries.tolist() == [0, 0, 3, 0, 0, 0, 0, 0]
    assert s.last == date(2026, 3, 8)


def _seeded(db: Session, seed: int) -> list[int]:
    """Three channels of random leads (stage changes, purchases, late creations) and spend,
    around a non-UTC as-of date; returns the channel ids."""
    rng = np.random.default_rng(seed)
    channels = [f.channel(db) for _ in range(3)]
    for k, ch in enumerate(channels[:2]):  # the third channel has leads but no spend
        for week in (date(2026, 2, 2), date(2026, 2, 23), date(2026, 3, 2)):
            f.spend(db, ch, week, int(rng.integers(1, 10_000)) * (k + 1) + 3)
    for _ in range(60):
        ch = channels[int(rng.integers(0, 3))]
        created = datetime(2026, 2, 1, tzinfo=UTC) + timedelta(minutes=int(rng.integers(0, 56_000)))
        one = f.lead(db, ch, created, stage=str(rng.choice(["inquiry", "lead", "sales_ready"])))
        assert one.id is not None
        for step, stage in enumerate(("lead", "sales_ready")[: int(rng.integers(0, 3))]):
            at = created + timedelta(hours=int(rng.integers(1, 200)) * (step + 1))
            db.add(LeadStageChange(lead_id=one.id, changed_at=at, stage=stage))
        db.commit()
        for _ in range(int(rng.integers(0, 3))):
            f.purchase(db, one, created + timedelta(hours=int(rng.integers(-20, 600))),
                       int(rng.integers(100, 90_000)))  # fmt: skip
    return [ch.id or 0 for ch in channels]


def _equal(one: DailySeries, other: DailySeries) -> None:
    assert one.first == other.first
    for name in ("inquiries", "leads", "sales_ready_leads", "new_customers", "revenue_minor",
                 "spend_minor"):  # fmt: skip
        np.testing.assert_array_equal(getattr(one, name), getattr(other, name), err_msg=name)


def test_one_pass_gives_each_scope_the_series_of_its_own_queries(db: Session) -> None:
    ids = _seeded(db, seed=11)
    idle = f.channel(db)  # no data at all: zeros
    as_of = AsOf(date(2026, 3, 10), timezone="America/St_Johns")  # a half-hour offset
    start = date(2026, 2, 1)
    by_scope = daily_series_by_scope(session=db, first=start, as_of=as_of)
    assert set(by_scope) == {None, *ids}
    assert by_scope[None].leads.sum() > 0 and by_scope[None].revenue_minor.sum() > 0
    for first in (start, date(2026, 2, 20)):  # scopes needing a later first day: a slice
        for channel_id in (None, *ids, idle.id):
            scope = None if channel_id is None else [channel_id]
            old = daily_series(session=db, first=first, as_of=as_of, channel_ids=scope)
            _equal(scope_series(by_scope, channel_id, first), old)
    # a pass from 20 February leaves out leads with no event since (older leads that move
    # or buy later are in): still each scope's own series
    later = daily_series_by_scope(session=db, first=date(2026, 2, 20), as_of=as_of)
    for channel_id in (None, *ids):
        scope = None if channel_id is None else [channel_id]
        old = daily_series(session=db, first=date(2026, 2, 20), as_of=as_of, channel_ids=scope)
        _equal(later[channel_id], old)
    # overall is every channel: counts and revenue sum exactly; spend is each week's total
    # (in minor units) spread over its days, so a seventh of it differs only in rounding
    for name in ("inquiries", "leads", "sales_ready_leads", "new_customers", "revenue_minor"):
        total = sum(getattr(by_scope[c], name) for c in ids)
        np.testing.assert_array_equal(total, getattr(by_scope[None], name))
    weekly = np.round(sum(by_scope[c].spend_minor for c in ids) * 7)
    np.testing.assert_array_equal(weekly, np.round(by_scope[None].spend_minor * 7))
    assert weekly.sum() > 0
    with pytest.raises(ValueError, match="after"):
        scope_series(by_scope, None, date(2026, 1, 31))
