"""Cohort facts read from the maintained aggregates, checked by hand and by brute force."""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from numpy.testing import assert_array_equal
from sqlmodel import Session, select

from app.models import Channel, Lead, Purchase
from cohorts.aggregates import refresh_all
from cohorts.economics import channel_economics
from cohorts.events import EventArrays, all_cohorts
from cohorts.queries import (
    AsOf,
    cohort_counts,
    customer_values,
    load_aggregates,
    sales_cycles,
)
from cohorts.triangle import build_triangle
from demo.generator import generate
from demo.loader import write_dataset
from kernel.weeks import week_of
from tests import factories

MON = date(2026, 1, 5)  # a Monday


def test_hand_checked_channel(db: Session) -> None:
    ch = factories.channel(db)
    factories.spend(db, ch, MON, 10000)
    factories.spend(db, ch, MON + timedelta(7), 5000)
    a = factories.lead(db, ch, MON)  # buys 60.00 in week 0, 30.00 in week 2, refund 10.00
    b = factories.lead(db, ch, MON + timedelta(3))  # buys 40.00 in week 1
    factories.lead(db, ch, MON + timedelta(6))  # never buys
    c = factories.lead(db, ch, MON + timedelta(8))  # second cohort: buys 20.00 in its week 0
    factories.purchase(db, a, MON + timedelta(1), 6000)
    factories.purchase(db, a, MON + timedelta(15), 3000)
    factories.purchase(db, a, MON + timedelta(16), -1000)
    factories.purchase(db, b, MON + timedelta(9), 4000)
    factories.purchase(db, c, MON + timedelta(10), 2000)

    counts = cohort_counts(session=db, as_of=AsOf(MON + timedelta(20)))[ch.id]
    assert_array_equal(counts.weeks, np.array([MON, MON + timedelta(7), MON + timedelta(14)],
                                              dtype="datetime64[D]"))
    assert_array_equal(counts.current_age, [2, 1, 0])
    assert_array_equal(counts.spend_minor, [10000, 5000, 0])
    assert_array_equal(counts.leads, [3, 1, 0])
    assert_array_equal(counts.new_customers, [[1, 1, 0], [1, 0, 0], [0, 0, 0]])
    assert_array_equal(counts.revenue_minor, [[6000, 4000, 2000], [2000, 0, 0], [0, 0, 0]])

    e = channel_economics(build_triangle(counts))
    assert (e.spend_minor, e.leads, e.customers, e.revenue_minor) == (15000, 4, 3, 14000)
    assert e.cac_minor == 5000 and e.ltv_minor == pytest.approx(14000 / 3)

    cycles = sales_cycles(session=db, as_of=AsOf(MON + timedelta(20)))[ch.id]
    # a: day 0 → 1 (1.5 days: noon purchase), b: day 3 → 9, c: day 8 → 10
    assert cycles.customers == 3 and cycles.median_days == 2 and cycles.p75_days == 4


def test_mid_week_as_of_ignores_later_events(db: Session) -> None:
    ch = factories.channel(db)
    factories.spend(db, ch, MON, 10000)
    early = factories.lead(db, ch, MON)
    factories.lead(db, ch, MON + timedelta(4))  # Friday lead: after a Wednesday as-of
    factories.purchase(db, early, MON + timedelta(1), 1000)  # Tuesday
    factories.purchase(db, early, MON + timedelta(3), 500)  # Thursday

    counts = cohort_counts(session=db, as_of=AsOf(MON + timedelta(2)))[ch.id]
    assert_array_equal(counts.leads, [1])
    assert_array_equal(counts.revenue_minor, [[1000]])
    later = cohort_counts(session=db, as_of=AsOf(MON + timedelta(6)))[ch.id]
    assert_array_equal(later.leads, [2])
    assert_array_equal(later.revenue_minor, [[1500]])
    assert cohort_counts(session=db, as_of=AsOf(MON - timedelta(1))) == {}


def test_aggregates_follow_updates_and_deletes(db: Session) -> None:
    ch, other = factories.channel(db), factories.channel(db)
    lead = factories.lead(db, ch, MON)
    sale = factories.purchase(db, lead, MON + timedelta(8), 2500)
    as_of = AsOf(MON + timedelta(13))

    def revenue(channel_id: int | None) -> list[list[int]]:
        return cohort_counts(session=db, as_of=as_of)[channel_id].revenue_minor.tolist()

    assert revenue(ch.id) == [[0, 2500], [0, 0]]

    sale.amount_minor = 3000
    db.add(sale)
    db.commit()
    assert revenue(ch.id) == [[0, 3000], [0, 0]]

    lead.channel_id = other.id  # the lead moves: both channels' cohorts are refreshed
    db.add(lead)
    db.commit()
    moved = cohort_counts(session=db, as_of=as_of)
    assert ch.id not in moved
    assert moved[other.id].revenue_minor.tolist() == [[0, 3000], [0, 0]]

    db.delete(sale)
    db.commit()
    assert cohort_counts(session=db, as_of=as_of)[other.id].new_customers.sum() == 0


def _brute_force(leads: list[Lead], purchases: list[Purchase], day: date) -> dict:  # type: ignore[type-arg]
    """Recompute per-channel cohort totals by looping over raw rows (the reference)."""
    end = datetime.combine(day + timedelta(1), datetime.min.time(), tzinfo=UTC)
    by_lead = defaultdict(list)
    for p in purchases:
        if p.purchased_on <= day:
            by_lead[p.lead_id].append(p)
    out: dict = defaultdict(lambda: defaultdict(lambda: [0, 0, defaultdict(int), defaultdict(int)]))  # type: ignore[type-arg]
    for lead in leads:
        if lead.created_at >= end:
            continue
        cell = out[lead.channel_id][lead.cohort_week]
        cell[0] += 1
        bought = sorted(by_lead[lead.id], key=lambda p: p.purchased_on)
        if bought:
            cell[1] += 1
            cell[2][(bought[0].purchased_on - lead.cohort_week).days // 7] += 1
        for p in bought:
            cell[3][(p.purchased_on - lead.cohort_week).days // 7] += p.amount_minor
    return out


def test_matches_brute_force_on_random_data(db: Session) -> None:
    rnd = random.Random(11)
    channels = [factories.channel(db) for _ in range(3)]
    for ch in channels:
        for w in range(6):
            factories.spend(db, ch, MON + timedelta(7 * w), rnd.randint(0, 9000))
    for i in range(70):
        created = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(hours=rnd.randint(0, 24 * 40))
        lead = factories.lead(db, rnd.choice(channels), created, external_id=f"L{i}")
        for _ in range(rnd.choice([0, 0, 1, 2, 3])):
            at = created + timedelta(hours=rnd.randint(0, 24 * 30))
            factories.purchase(db, lead, at, rnd.randint(-500, 8000))
    leads, purchases = db.exec(select(Lead)).all(), db.exec(select(Purchase)).all()
    preloaded = load_aggregates(session=db)  # one read serves every as-of date
    for i, day in enumerate([MON + timedelta(d) for d in (0, 3, 9, 20, 26, 41, 60)]):
        expected = _brute_force(list(leads), list(purchases), day)
        got = cohort_counts(session=db, as_of=AsOf(day), aggregates=preloaded if i % 2 else None)
        for ch in channels:
            assert ch.id is not None
            cells = expected.get(ch.id, {})
            counts = got[ch.id]
            weeks = [date.fromisoformat(str(w)) for w in counts.weeks]
            ages = range(len(weeks))
            for i, week in enumerate(weeks):
                leads_n, customers, new, revenue = cells.get(week, [0, 0, {}, {}])
                assert counts.leads[i] == leads_n
                assert counts.new_customers[i].sum() == customers
                assert counts.new_customers[i].tolist() == [new.get(a, 0) for a in ages]
                assert counts.revenue_minor[i].tolist() == [revenue.get(a, 0) for a in ages]
            assert set(cells) <= set(weeks)


def test_customer_values_as_of(db: Session) -> None:
    ch = factories.channel(db)
    a, b = factories.lead(db, ch, MON), factories.lead(db, ch, MON)
    factories.lead(db, ch, MON)  # no purchase: not a customer
    factories.purchase(db, a, MON, 1000)
    factories.purchase(db, a, MON + timedelta(3), -200)
    factories.purchase(db, b, MON + timedelta(5), 700)
    values = customer_values(session=db, as_of=AsOf(MON + timedelta(3)))
    assert values.channel_id.tolist() == [ch.id]
    assert values.revenue_minor.tolist() == [800] and values.purchases.tolist() == [2]
    later = customer_values(session=db, as_of=AsOf(MON + timedelta(9)))
    assert sorted(later.revenue_minor.tolist()) == [700, 800]


def test_bulk_loaded_aggregates_match_the_event_engine(db: Session) -> None:
    """After a bulk demo load, SQL aggregates equal the in-memory engine on the same events."""
    data = generate(leads=2500, seed=3, weeks=20, end=date(2026, 5, 31))
    write_dataset(db.connection(), data)
    db.commit()
    first = np.datetime64(data.first_week, "D")
    week = np.timedelta64(7, "D")
    spend = np.zeros((len(data.channels), 20), dtype=np.int64)
    np.add.at(spend, (data.spend_channel, (data.spend_week - first) // week),
              data.spend_amount_minor)
    engine = all_cohorts(EventArrays(
        lead_channel=data.lead_channel, lead_week=(data.lead_cohort_week - first) // week,
        purchase_lead=data.purchase_lead,
        purchase_week=(data.purchased_on.astype("datetime64[D]") - first) // week,
        purchase_amount_minor=data.purchase_amount_minor, spend_minor=spend,
    ))  # fmt: skip
    got = cohort_counts(session=db, as_of=AsOf(date(2026, 5, 31)))
    ids = {name: i for i, name in enumerate(c.name for c in data.channels)}
    for channel in db.exec(select(Channel)).all():
        i = ids[channel.name]
        if channel.id not in got:
            assert engine.leads[i].sum() == 0 and spend[i].sum() == 0
            continue
        counts = got[channel.id]
        start = 20 - len(counts.weeks)
        assert_array_equal(counts.leads, engine.leads[i, start:])
        assert_array_equal(counts.spend_minor, engine.spend_minor[i, start:])
        assert_array_equal(counts.new_customers, engine.new_customers[i, start:, : 20 - start])
        assert_array_equal(counts.revenue_minor, engine.revenue_minor[i, start:, : 20 - start])


def test_purchases_dated_before_their_lead_never_count(db: Session) -> None:
    ch = factories.channel(db)
    lead = factories.lead(db, ch, datetime(2026, 1, 7, 12, tzinfo=UTC))  # Wednesday noon
    factories.purchase(db, lead, datetime(2026, 1, 6, 9, tzinfo=UTC), 5000)  # the day before
    factories.purchase(db, lead, datetime(2026, 1, 7, 8, tzinfo=UTC), 700)  # same day, earlier
    for day in (MON + timedelta(6), MON + timedelta(13)):  # in the as-of week and after it
        counts = cohort_counts(session=db, as_of=AsOf(day))[ch.id]
        assert counts.new_customers.sum() == 0 and counts.revenue_minor.sum() == 0
        assert customer_values(session=db, as_of=AsOf(day)).revenue_minor.size == 0
        assert ch.id not in sales_cycles(session=db, as_of=AsOf(day))
    factories.purchase(db, lead, datetime(2026, 1, 8, 8, tzinfo=UTC), 900)  # a real one
    counts = cohort_counts(session=db, as_of=AsOf(MON + timedelta(13)))[ch.id]
    assert counts.new_customers.tolist() == [[1, 0], [0, 0]]
    assert counts.revenue_minor.tolist() == [[900, 0], [0, 0]]


def test_aggregates_kept_on_each_write_equal_a_full_rebuild(db: Session) -> None:
    """Writes refresh only their cohorts (reading only their leads' purchases); the tables
    they leave are those a full rebuild computes."""
    rnd = random.Random(5)
    channels = [factories.channel(db) for _ in range(3)]
    leads = []
    for i in range(40):
        created = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(hours=rnd.randint(0, 24 * 30))
        leads.append(factories.lead(db, rnd.choice(channels), created, external_id=f"L{i}"))
        for _ in range(rnd.choice([0, 1, 2])):
            factories.purchase(db, leads[-1], created + timedelta(days=rnd.randint(0, 40)), 900)
    for lead in rnd.sample(leads, 8):  # move leads to other channels and weeks
        lead.channel_id = rnd.choice(channels).id
        lead.created_at += timedelta(days=rnd.choice([-9, 3, 15]))
        lead.cohort_week = week_of(lead.created_at.date())
        db.add(lead)
    db.commit()
    for purchase in db.exec(select(Purchase)).all()[::3]:
        db.delete(purchase)
    db.commit()
    tables = ("cohort_size", "cohort_purchases", "first_purchase_days")
    conn = db.connection()

    def snapshot() -> dict[str, list[tuple[object, ...]]]:
        return {t: sorted(map(tuple, conn.execute(sa.text(f"SELECT * FROM {t}")))) for t in tables}

    kept = snapshot()
    assert all(kept.values())
    refresh_all(conn)
    assert snapshot() == kept
