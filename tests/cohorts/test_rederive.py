"""Re-deriving weeks after a week-start or time-zone change equals a fresh import under it."""

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session

from app.db import get_engine
from app.models import Settings, WeeklySpend
from cohorts.rederive import STEPS, rederive_weeks
from ingest.importer import import_file
from kernel.weeks import DateWindow
from tests import factories

WINDOW = DateWindow(date(2000, 1, 1), date(2027, 12, 31))
SPEND = """channel,week,amount,impressions,clicks
Ads,2026-03-02,100.00,1000,10
Ads,2026-03-09,250.00,,
Ads,2026-03-16,75.50,500,
Blog,2026-03-09,40.00,,
"""
# Times near midnight and around the US and EU daylight-saving changes of March 2026, with
# explicit offsets: the instant is what is stored, whatever the install's zone.
LEADS = """external_id,channel,created_at
l1,Ads,2026-03-02T00:30:00Z
l2,Ads,2026-03-08T23:30:00Z
l3,Ads,2026-03-08T03:30:00Z
l4,Ads,2026-03-15T04:59:00Z
l5,Blog,2026-03-14T23:59:59-05:00
l6,Blog,2026-03-29T00:30:00+01:00
l7,Ads,2026-03-21T12:00:00Z
"""
PURCHASES = """external_id,lead_external_id,purchased_at,amount
p1,l1,2026-03-08T23:45:00Z,50.00
p2,l1,2026-03-22T02:00:00Z,20.00
p3,l2,2026-03-09T00:10:00Z,99.99
p4,l3,2026-03-15T03:00:00Z,10.00
p5,l5,2026-03-15T06:00:00Z,30.00
p6,l6,2026-04-05T01:30:00+02:00,-5.00
p7,l4,2026-03-29T00:59:00Z,12.00
"""


def _import_all(app: Flask) -> None:
    with app.app_context():
        for kind, text in (("spend", SPEND), ("leads", LEADS), ("purchases", PURCHASES)):
            result = import_file(get_engine(), kind, io.BytesIO(text.encode()), window=WINDOW)
            assert not result.report.errors, result.report.errors


def _snapshot(db: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Return every derived value and aggregate, by external id or channel name."""
    queries = {
        "leads": "SELECT l.external_id, l.cohort_week FROM lead l",
        "purchases": "SELECT external_id, purchased_on FROM purchase",
        "spend": "SELECT c.name, s.week, s.amount_minor, s.impressions, s.clicks "
                 "FROM weekly_spend s JOIN channel c ON c.id = s.channel_id",
        "sizes": "SELECT c.name, a.cohort_week, a.leads FROM cohort_size a "
                 "JOIN channel c ON c.id = a.channel_id",
        "purchase_ages": "SELECT c.name, a.cohort_week, a.age, a.new_customers, a.purchases, "
                         "a.revenue_minor FROM cohort_purchases a "
                         "JOIN channel c ON c.id = a.channel_id",
        "first_days": "SELECT c.name, a.first_purchase_week, a.days, a.customers "
                      "FROM first_purchase_days a JOIN channel c ON c.id = a.channel_id",
    }
    db.expire_all()
    return {name: sorted(tuple(str(v) for v in row) for row in db.connection().execute(
        sa.text(sql))) for name, sql in queries.items()}


def _set(db: Session, **values: Any) -> None:
    settings = db.get(Settings, 1)
    assert settings is not None
    for name, value in values.items():
        setattr(settings, name, value)
    db.add(settings)
    db.commit()


def _rederive(db: Session, week_start: int, timezone: str) -> list[tuple[int, str]]:
    steps: list[tuple[int, str]] = []
    _set(db, week_start=week_start, timezone=timezone)
    rederive_weeks(db.connection(), week_start=week_start, timezone=timezone, window=WINDOW,
                   progress=lambda done, step: steps.append((done, step)))
    db.commit()
    return steps


def _fresh_import(app: Flask, db: Session) -> dict[str, list[tuple[Any, ...]]]:
    for table in ("purchase", "lead", "weekly_spend"):
        db.connection().execute(sa.text(f"DELETE FROM {table}"))
    db.commit()
    _import_all(app)
    return _snapshot(db)


@pytest.mark.parametrize(("week_start", "timezone"), [
    (6, "UTC"),  # week start only
    (0, "America/New_York"),  # time zone only
    (3, "Europe/Berlin"),  # both
    (6, "Pacific/Kiritimati"),  # UTC+14: many dates move forward
])
def test_rederived_weeks_equal_a_fresh_import_under_the_new_settings(
    app: Flask, db: Session, week_start: int, timezone: str
) -> None:
    factories.channel(db, name="Ads")
    factories.channel(db, name="Blog")
    _import_all(app)
    before = _snapshot(db)
    steps = _rederive(db, week_start, timezone)
    rederived = _snapshot(db)
    assert rederived != before  # every case moves some week or date
    assert steps == [(i, step) for i, step in enumerate(STEPS)] + [(len(STEPS), "")]
    assert rederived == _fresh_import(app, db)


def test_new_york_and_sunday_weeks_give_the_dates_worked_out_by_hand(
    app: Flask, db: Session
) -> None:
    factories.channel(db, name="Ads")
    factories.channel(db, name="Blog")
    _import_all(app)
    _rederive(db, 6, "America/New_York")
    after = _snapshot(db)
    leads = dict(after["leads"])
    # l1: 2026-03-02 00:30Z is Sunday 1 March 19:30 in New York (EST, −5) → week of Sun 1 March.
    assert leads["l1"] == "2026-03-01"
    # l2: Sunday 8 March 23:30Z is 19:30 EDT (DST began 07:00Z that day) → Sunday 8 March.
    assert leads["l2"] == "2026-03-08"
    # l3: 8 March 03:30Z is 7 March 22:30 EST (a Saturday) → week of Sunday 1 March.
    assert leads["l3"] == "2026-03-01"
    # l4: 15 March 04:59Z is 00:59 EDT on Sunday 15 March (under EST it would still be the
    # 14th) → week of Sunday 15 March.
    assert leads["l4"] == "2026-03-15"
    purchases = dict(after["purchases"])
    assert purchases["p3"] == "2026-03-08"  # 9 March 00:10Z is 8 March 20:10 EDT
    assert purchases["p7"] == "2026-03-28"  # 29 March 00:59Z is 28 March 20:59 EDT
    # Spend weeks named by their Monday move to the Sunday before; amounts stay whole.
    assert ("Ads", "2026-03-01", "10000", "1000", "10") in after["spend"]
    assert ("Blog", "2026-03-08", "4000", "None", "None") in after["spend"]
    # l1 and l3 share the cohort of Sunday 1 March.
    assert ("Ads", "2026-03-01", "2") in after["sizes"]


def test_spend_rows_off_the_week_start_that_meet_are_added_together(
    app: Flask, db: Session
) -> None:
    ads = factories.channel(db, name="Ads")
    assert ads.id is not None
    # Stored around the checks: Monday and Tuesday of one week (Sunday weeks: the same week).
    db.add(WeeklySpend(channel_id=ads.id, week=date(2026, 3, 2), amount_minor=100,
                       impressions=5))
    db.add(WeeklySpend(channel_id=ads.id, week=date(2026, 3, 3), amount_minor=250, clicks=7))
    db.add(WeeklySpend(channel_id=ads.id, week=date(2026, 3, 1), amount_minor=1))
    db.commit()
    _rederive(db, 6, "UTC")
    assert _snapshot(db)["spend"] == [("Ads", "2026-03-01", "351", "5", "7")]


def test_a_failed_rederive_leaves_the_old_weeks(app: Flask, db: Session) -> None:
    factories.channel(db, name="Ads")
    factories.channel(db, name="Blog")
    _import_all(app)
    before = _snapshot(db)

    def fail(done: int, _step: str) -> None:
        if done == 3:
            raise RuntimeError("stopped")

    _set(db, week_start=6, timezone="Asia/Tokyo")
    with pytest.raises(RuntimeError):
        rederive_weeks(db.connection(), week_start=6, timezone="Asia/Tokyo", window=WINDOW,
                       progress=fail)
    db.rollback()
    assert _snapshot(db) == before


def test_a_lead_created_at_midnight_utc_keeps_its_week_under_utc(app: Flask, db: Session) -> None:
    ads = factories.channel(db, name="Ads")
    lead = factories.lead(db, ads, datetime(2026, 3, 8, 23, 0, tzinfo=UTC))
    _rederive(db, 0, "UTC")
    db.refresh(lead)
    assert lead.cohort_week == date(2026, 3, 2)


def test_readers_see_the_old_weeks_until_the_change_commits_then_the_new(
    app: Flask, db: Session
) -> None:
    factories.channel(db, name="Ads")
    factories.channel(db, name="Blog")
    _import_all(app)
    before = _snapshot(db)
    engine = db.get_bind()
    assert isinstance(engine, sa.Engine)

    def read() -> tuple[Any, dict[str, list[tuple[Any, ...]]]]:
        with Session(engine) as reader:
            week_start = reader.connection().execute(
                sa.text("SELECT week_start FROM settings")).scalar()
            return week_start, _snapshot(reader)

    with engine.connect() as writer:
        writer.execute(sa.text("UPDATE settings SET week_start = 6, timezone = 'Asia/Tokyo'"))
        rederive_weeks(writer, week_start=6, timezone="Asia/Tokyo", window=WINDOW)
        assert read() == (0, before)  # the change is under way: readers see the old state
        writer.commit()
    week_start, after = read()
    assert week_start == 6 and after != before
    assert after == _fresh_import(app, db)
