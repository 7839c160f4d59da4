"""The weekly email arrives at a real SMTP server with the dashboard's numbers."""

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlmodel import Session, select

from app.db import get_session
from app.digest.content import load_digest
from app.digest.delivery import deliver_week
from app.models import Channel, Goal
from app.results.decisions import dashboard_health
from app.results.goals import goals_progress
from app.results.health import health_state
from app.results.metrics import economics_settings, parse_as_of, reports
from app.settings import load_settings
from cohorts.report import all_channels
from kernel.money import format_money
from tests import factories
from tests.digest_support import AS_OF, RECIPIENTS, WEEK, SmtpServer, parts, scenario
from tests.fits_support import compute_fits

SUBJECT = "Bullseye weekly — week of 2026-10-05: {n} decision{s}, CAC 183 (+63 %)"


def _send(app: Flask) -> str:
    with app.app_context():
        outcome = deliver_week(WEEK, trigger="test", sleep=lambda _s: None)
    assert outcome.status == "sent", outcome
    return outcome.message


def test_email_arrives_with_both_parts_subject_and_recipients(
        app: Flask, db: Session, smtp: SmtpServer) -> None:
    scenario(db)
    _send(app)
    [(envelope_to, message)] = smtp.inbox.received
    assert sorted(envelope_to) == sorted(RECIPIENTS)
    assert message["To"] == ", ".join(RECIPIENTS)
    assert message["From"] == "bullseye@example.com"
    assert message.get_content_type() == "multipart/alternative"
    with app.app_context():
        count = len(load_digest(WEEK).decisions)
    assert message["Subject"] == SUBJECT.format(n=count, s="" if count == 1 else "s")
    text, html = parts(message)
    for body in (text, html):
        assert "Week of 2026-10-05".lower() in body.lower()
        # Headline numbers of the week (hand-computed in tests.digest_support.scenario).
        assert "550.00 USD" in body and "900.00 USD" in body and "183.33 USD" in body
        assert "112.50 USD" in body and "150.00 USD" in body  # previous week, 4-week mean
        assert "262.50 USD" in body and "11.25" in body and "1.75" in body and "= 0 %" in body
        assert "+63 %".replace("-", "−") in body
        assert "http://127.0.0.1:8000/?as_of=2026-10-11" in body


def test_numbers_equal_the_dashboards_for_that_week(app: Flask, db: Session) -> None:
    scenario(db)
    ads = db.exec(select(Channel).where(Channel.name == "Ads")).one()
    db.add(Goal(month=date(2026, 10, 1), channel_id=ads.id, leads=4, max_cac_minor=4_000))
    db.commit()
    compute_fits(app, AS_OF)
    with app.app_context():
        digest = load_digest(WEEK)
        as_of = parse_as_of(AS_OF.isoformat())
        rows = reports(as_of)
        settings = load_settings()
        dashboard = dashboard_health(rows, as_of, settings)
        totals = all_channels(rows, economics_settings(settings))
        page_goals = goals_progress(session=get_session(), as_of=as_of)
    assert [c.name for c in digest.channels] == [r.channel.name for r in rows]
    for line, row in zip(digest.channels, rows, strict=True):
        assert line.economics == row.economics
        assert line.rules == row.rules
        assert line.health == dashboard.health[row.channel.id or 0].health.status
    assert digest.decisions == dashboard.decisions
    week = {h.key: h for h in digest.headlines}
    # The dashboard's all-channels sparklines end with the same week.
    assert week["spend_minor"].week == totals.weekly_spend_minor[-1] == 55_000
    assert week["customers"].week == totals.weekly_customers[-1] == 3
    assert week["leads"].week == 15 and week["revenue_minor"].week == 90_000
    assert week["cac"].week == pytest.approx(55_000 / 3)
    assert week["cac"].previous == pytest.approx(45_000 / 4)
    assert week["cac"].average == pytest.approx((10_000 + 20_000 + 30_000 + 45_000) / 7)
    assert week["cac"].change == pytest.approx((55_000 / 3) / (45_000 / 4) - 1)
    # The goals are the goals page's for the as-of month (tests/app/digest/test_goals.py).
    assert digest.goals == page_goals
    goal, ads_goal = digest.goals
    assert (goal.channel_id, ads_goal.channel_name) == (None, "Ads")
    # Ads, 2026-10-01 to 10-11: 5 leads, 2 customers (buying on 10-01 and 10-08) for 78.57
    # of spend (4/7 of the week of 09-28's 50.00 and all of 10-05's: a week's spend is spread
    # evenly over its days).
    ads = {p.kind.key: p for p in ads_goal.progress}
    assert ads["leads"].actual == 5 and ads["leads"].status == "on_track"
    assert ads["max_cac"].actual == pytest.approx((5_000 * 4 / 7 + 5_000) / 2)
    assert ads["max_cac"].status in ("at_risk", "off_track")


def test_channel_table_shows_the_dashboards_money(app: Flask, db: Session,
                                                  smtp: SmtpServer) -> None:
    scenario(db)
    _send(app)
    [(_to, message)] = smtp.inbox.received
    text, html = parts(message)
    with app.app_context():
        rows = reports(parse_as_of(AS_OF.isoformat()))
    for row in rows:
        spend = format_money(row.economics.spend_minor, "USD")
        assert f"{row.channel.name}: spend {spend}" in text
        assert re.search(rf">{re.escape(row.channel.name)}<", html)
        assert spend.removesuffix(" USD").removesuffix(".00") in html


def test_no_recipients_claims_nothing(app: Flask, db: Session) -> None:
    app.config["DIGEST_RECIPIENTS"] = ""
    with app.app_context():
        outcome = deliver_week(WEEK, trigger="test")
    assert outcome.status == "no_recipients" and not outcome.ok


def test_new_flags_are_the_health_changes_the_dashboard_lists(app: Flask, db: Session) -> None:
    """A focus channel whose conversion decays is flagged in the email of the week its
    status changed, as the dashboard's health alerts date it, and in no other week."""
    burning = factories.channel(db, name="Burning ads", ring="inner", status="focus")
    start = date(2025, 9, 1)
    factories.weekly_cohorts(db, burning, start, [round(16 * 0.85**w) for w in range(14)], 80,
                             spend_by_week=[50_000] * 14)
    weeks = [start + timedelta(weeks=w) for w in range(8, 19)]
    flagged = {}
    with app.app_context():
        for week in weeks:
            digest = load_digest(week)
            flagged[week] = [(f.channel_id, f.status, f.on) for f in digest.flags]
    last = weeks[-1] + timedelta(days=6)
    compute_fits(app, last)  # what the dashboard's alerts read for that day
    with app.app_context():
        state = health_state(parse_as_of(last.isoformat()))
    changes = [c for h in state.reports for c in h.changes]
    expected = {week: [(burning.id, c.status, c.on) for c in changes
                       if c.status in ("watch", "burned_out")
                       and week <= c.on <= week + timedelta(days=6)] for week in weeks}
    assert any(expected.values()), changes  # the scenario does flag the channel
    assert flagged == expected
