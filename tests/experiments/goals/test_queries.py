"""The daily goal series read from the database, in local days of a non-UTC time zone."""

from datetime import UTC, date, datetime

import numpy as np
from sqlmodel import Session

from app.models import LeadStageChange
from cohorts.as_of import AsOf
from experiments.goals.queries import daily_series
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
