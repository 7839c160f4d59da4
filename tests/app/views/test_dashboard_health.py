"""The as-of date of the health parts of the dashboard and the channel page (full page and
htmx partial)."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.models import Channel, Lead, Purchase
from tests import factories
from tests.fits_support import compute_fits

HX = {"HX-Request": "true"}
MON = date(2025, 9, 1)
WEEKS = 14
AS_OF = "2026-01-04"  # a Sunday 4 weeks after the last cohort week ends
EARLIER = "2025-06-01"  # before any data: no status changes to list


def _cohorts(db: Session, channel: Channel, customers_by_week: list[int], leads: int,
             amount_minor: int) -> None:
    """Add `leads` leads and 500.00 spend per week from MON; the first k of week w buy
    `amount_minor` 3 days later."""
    for w, buyers in enumerate(customers_by_week):
        week = MON + timedelta(weeks=w)
        factories.spend(db, channel, week, 50_000)
        rows = [Lead(external_id=f"{channel.name}-{w}-{i}", channel_id=channel.id or 0,
                     created_at=datetime(week.year, week.month, week.day, 9, tzinfo=UTC),
                     cohort_week=week) for i in range(leads)]
        db.add_all(rows)
        db.flush()
        db.add_all([Purchase(external_id=f"p-{lead.external_id}", lead_id=lead.id or 0,
                             purchased_at=lead.created_at + timedelta(days=3),
                             purchased_on=week + timedelta(days=3), amount_minor=amount_minor)
                    for lead in rows[:buyers]])
    db.commit()


STEADY = [12, 11, 13, 12, 12, 11, 12, 13, 12, 12, 11, 12, 13, 12]  # 168 customers


@pytest.fixture
def channels(app: Flask, db: Session) -> dict[str, int]:
    """Three inner-ring channels on focus: burning out, steady but thin, steady and viable."""
    made = {
        "burning": factories.channel(db, name="Burning ads", ring="inner", status="focus"),
        "thin": factories.channel(db, name="Thin margins", ring="inner", status="focus"),
        "good": factories.channel(db, name="Good referrals", ring="inner", status="focus"),
    }
    _cohorts(db, made["burning"], [round(80 * 0.2 * 0.85**w) for w in range(WEEKS)], 80, 30_000)
    # 7,000.00 spend over 168 customers: CAC 41.67; LTV 100.00 (2.40×) or 500.00 (12.00×)
    _cohorts(db, made["thin"], STEADY, 80, 10_000)
    _cohorts(db, made["good"], STEADY, 80, 50_000)
    compute_fits(app, date.fromisoformat(AS_OF))
    return {name: c.id or 0 for name, c in made.items()}


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_a_new_as_of_date_reloads_the_dashboards_health_alerts_of_that_date(
    viewer_client: FlaskClient, channels: dict[str, int], headers: dict[str, str]
) -> None:
    """Regression: the alerts loader sat outside the swapped table, so changing the date
    through htmx kept the alerts of the first page load ("up to <today>")."""
    html = viewer_client.get(f"/?as_of={EARLIER}", headers=headers).get_data(as_text=True)
    loaders = re.findall(r'hx-get="(/health/alerts[^"]*)"', html)
    assert loaders == [f"/health/alerts?as_of={EARLIER}"]
    alerts = viewer_client.get(loaders[0], headers=HX).get_data(as_text=True)
    assert f"No channel changed health status in the last 12 weeks up to {EARLIER}." in alerts


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_a_new_as_of_date_reloads_the_channel_pages_health_of_that_date(
    viewer_client: FlaskClient, channels: dict[str, int], headers: dict[str, str]
) -> None:
    burning = channels["burning"]
    html = viewer_client.get(f"/channels/{burning}?as_of={EARLIER}",
                             headers=headers).get_data(as_text=True)
    loaders = re.findall(r'hx-get="(/health/channels/\d+[^"]*)"', html)
    assert loaders == [f"/health/channels/{burning}?as_of={EARLIER}"]
