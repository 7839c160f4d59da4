"""Loading the audience data from the database: attributes, grade at creation, quality."""

from datetime import UTC, date, datetime

import numpy as np
import pytest
from sqlmodel import Session

from cohorts.models import LeadStageChange
from cohorts.queries import AsOf
from experiments.audience.data import MISSING
from experiments.audience.queries import load_audience
from tests import factories

AS_OF = AsOf(day=date(2026, 6, 30))


def _stage(db: Session, lead_id: int, at: datetime | None, stage: str, grade: str | None) -> None:
    db.add(LeadStageChange(lead_id=lead_id, changed_at=at, stage=stage, grade=grade))
    db.commit()


def test_attributes_grade_at_creation_and_quality(db: Session) -> None:
    ch = factories.channel(db)
    other = factories.channel(db, name="Other")
    # Sales upgraded this lead to "hot" after it bought: the fit must see "future", its grade
    # at creation, never the current grade (leakage).
    upgraded = factories.lead(db, ch, date(2026, 3, 2), grade="hot",
                              attributes={"industry": "SaaS", "size": 120})
    _stage(db, upgraded.id or 0, None, "lead", "future")
    _stage(db, upgraded.id or 0, datetime(2026, 4, 1, tzinfo=UTC), "sales_ready", "hot")
    plain = factories.lead(db, other, date(2026, 3, 3), attributes={"industry": "Agency"})
    refunded = factories.lead(db, ch, date(2026, 3, 4), attributes={})
    factories.lead(db, ch, date(2026, 7, 2), attributes={"industry": "SaaS"})  # after as-of
    factories.purchase(db, upgraded, date(2026, 3, 20), 10_000)
    factories.purchase(db, upgraded, date(2026, 4, 20), 5_050)
    factories.purchase(db, upgraded, date(2026, 7, 20), 99_900)  # after the as-of date
    factories.purchase(db, refunded, date(2026, 3, 20), 4_000)
    factories.purchase(db, refunded, date(2026, 3, 21), -4_000)

    data = load_audience(db, AS_OF, margin=0.4)

    assert data.lead_ids.tolist() == [upgraded.id, plain.id, refunded.id]
    assert data.channel_ids.tolist() == [ch.id, other.id, ch.id]
    assert data.cohort_weeks.tolist() == [date(2026, 3, 2)] * 3
    assert data.attributes["industry"].tolist() == ["SaaS", "Agency", MISSING]
    assert data.attributes["size"].tolist() == ["120", MISSING, MISSING]
    assert data.attributes["grade"].tolist() == ["future", MISSING, MISSING]
    assert data.converted.tolist() == [True, False, True]
    # (100.00 + 50.50) × 40 % = 60.20 in major units; a full refund nets 0; no purchase: NaN
    assert data.quality[0] == 60.2
    assert data.quality[2] == 0.0
    assert np.isnan(data.quality[1])
    assert data.post_creation == frozenset()


def test_no_leads(db: Session) -> None:
    data = load_audience(db, AS_OF, margin=1.0)
    assert data.n == 0
    assert data.attributes["grade"].size == 0


def test_quality_by_projected_ltv_sums_to_each_channels_projection(db: Session) -> None:
    """Under the projected-LTV choice a customer's quality is its projected value (major
    units, margin applied): summed over a channel it is the channel's projected LTV × its
    customers; leads without a purchase stay NaN."""
    from datetime import timedelta

    from cohorts.aggregates import refresh_all
    from cohorts.ltv.channels import channel_ltvs
    from tests.ltv_support import MON, store_customers

    big, small = factories.channel(db), factories.channel(db)
    store_customers(db, big.id, 120, seed=8)
    store_customers(db, small.id, 25, seed=9)
    idle = factories.lead(db, small, MON + timedelta(days=7))
    refresh_all(db.connection())
    as_of = AsOf(day=MON + timedelta(days=146))
    projections = channel_ltvs(session=db, as_of=as_of, horizon_weeks=30, margin=0.5)
    assert projections.reason is None

    data = load_audience(db, as_of, margin=0.5, projections=projections, horizon_weeks=30)
    plain = load_audience(db, as_of, margin=0.5)

    assert np.isnan(data.quality[data.lead_ids == idle.id]).all()
    assert (data.converted == ~np.isnan(data.quality)).all()
    for channel in (big.id, small.id):
        own = (data.channel_ids == channel) & data.converted
        row = projections.channels[channel]
        assert own.sum() == row.customers
        assert data.quality[own].sum() * 100 == pytest.approx(row.ltv_minor * row.customers,
                                                              rel=1e-10)
    # Not revenue × margin to date: the model's expected future revenue is added.
    assert not np.allclose(data.quality[data.converted], plain.quality[plain.converted])
