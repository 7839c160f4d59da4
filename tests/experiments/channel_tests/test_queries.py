"""A test's data read from storage, and decisions moving channels (SQLite and PostgreSQL)."""

from datetime import date, timedelta

import numpy as np
from flask import Flask
from sqlmodel import Session, select

from app.models import Channel, ChannelHistory
from channels.queries import channel_history
from cohorts.queries import AsOf
from experiments.channel_tests import queries
from experiments.models import Experiment
from tests import factories

MON = date(2026, 3, 2)


def _test(db: Session, channel: Channel, **fields: object) -> Experiment:
    return factories.channel_test(db, name="Headline B", channel_id=channel.id or 0,
                                  start_date=MON + timedelta(days=2),
                                  end_date=MON + timedelta(days=15), **fields)


def test_data_counts_spend_of_the_covered_weeks_and_the_tests_leads(app: Flask,
                                                                     db: Session) -> None:
    ads = factories.channel(db, name="Ads")
    test = _test(db, ads)
    for week, amount in ((-7, 1_000), (0, 2_000), (7, 3_000), (14, 5_000), (21, 7_000)):
        factories.spend(db, ads, MON + timedelta(days=week), amount)
    assert test.id is not None
    ours = [factories.lead(db, ads, MON + timedelta(days=d), experiment_id=test.id)
            for d in (3, 4, 10)]
    factories.lead(db, ads, MON + timedelta(days=3))  # not in the test
    factories.purchase(db, ours[0], MON + timedelta(days=5), 2_500)
    factories.purchase(db, ours[0], MON + timedelta(days=12), 1_000)
    factories.purchase(db, ours[2], MON + timedelta(days=30), 9_000)  # after as-of
    as_of = AsOf(MON + timedelta(days=20))
    data = queries.data_of_test(session=db, test=test, as_of=as_of)
    # Weeks of 2, 9 and 16 March overlap 4–17 March: 2,000 + 3,000 + 5,000.
    assert data.spend_minor == 10_000
    assert (data.leads, data.customers) == (3, 1)
    assert sorted(data.revenue_per_lead.tolist()) == [0.0, 0.0, 3_500.0]
    assert data.purchases == ((MON + timedelta(days=5), 2_500),
                              (MON + timedelta(days=12), 1_000))
    early = queries.data_of_test(session=db, test=test, as_of=AsOf(MON + timedelta(days=8)))
    assert early.spend_minor == 5_000 and early.leads == 2  # weeks of 2 and 9 March
    assert np.isclose(early.revenue_per_lead.sum(), 2_500)


def test_scale_moves_the_channel_inner_and_writes_history(app: Flask, db: Session) -> None:
    owner = factories.user(db, role="owner")
    ads = factories.channel(db, name="Ads", ring="middle", status="testing")
    test = _test(db, ads)
    follow = queries.decide(session=db, test=test, decision="scale", note="CAC 12.00",
                            day=MON + timedelta(days=20), user_id=owner.id)
    db.commit()
    assert follow is None
    db.refresh(ads)
    assert (ads.ring, ads.status) == ("inner", "focus")
    assert (test.status, test.decision, test.decided_by_id) == ("completed", "scale", owner.id)
    rows = db.exec(select(ChannelHistory).where(ChannelHistory.channel_id == ads.id)).all()
    assert [(r.ring, r.status, r.experiment_id, r.decision, r.user_id) for r in rows] == [
        ("inner", "focus", test.id, "scale", owner.id)]
    entry = channel_history(session=db, channel_id=ads.id or 0)[0]
    assert (entry.test_name, entry.decision, entry.user_email) == ("Headline B", "scale",
                                                                   owner.email)


def test_kill_drops_the_channel_and_iterate_creates_a_linked_follow_up(app: Flask,
                                                                       db: Session) -> None:
    ads = factories.channel(db, name="Ads", ring="middle", status="testing")
    mail = factories.channel(db, name="Mail", ring="middle", status="testing")
    killed = _test(db, ads)
    queries.decide(session=db, test=killed, decision="kill", note="", day=MON, user_id=None)
    iterated = _test(db, mail, budget_cap_minor=50_000, min_leads=40, audience="CFOs")
    follow = queries.decide(session=db, test=iterated, decision="iterate", note="try B",
                            day=MON + timedelta(days=30), user_id=None)
    db.commit()
    db.refresh(ads)
    db.refresh(mail)
    assert (ads.ring, ads.status) == ("middle", "dropped")
    assert (mail.ring, mail.status) == ("middle", "testing")
    assert follow is not None and follow.parent_id == iterated.id
    assert (follow.status, follow.budget_cap_minor, follow.min_leads, follow.audience) == (
        "planned", 50_000, 40, "CFOs")
    assert (follow.start_date, follow.end_date) == (MON + timedelta(days=30),
                                                    MON + timedelta(days=43))
    history = db.exec(select(ChannelHistory)).all()
    assert [(h.channel_id, h.status, h.decision) for h in history] == [
        (ads.id, "dropped", "kill")]  # iterate moves nothing
    assert queries.iterations_without_follow_up(session=db) == []
    db.delete(follow)
    db.commit()
    assert [t.id for t, _ in queries.iterations_without_follow_up(session=db)] == [iterated.id]
