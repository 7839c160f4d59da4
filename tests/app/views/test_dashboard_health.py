"""The dashboard's health badges, its "Decisions this week" panel and the as-of date of the
health parts of the dashboard and the channel page (full page and htmx partial)."""

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


def _row(html: str, name: str) -> str:
    row = re.search(rf'<tr data-channel="{re.escape(name)}">.*?</tr>', html, re.S)
    assert row, f"no row for {name}"
    return row.group(0)


def _decisions(html: str) -> list[tuple[str, str]]:
    """Return (kind, channel id) of each item of the decisions panel, in order."""
    panel = re.search(r'<section id="decisions".*?</section>', html, re.S)
    assert panel, "no decisions panel"
    return re.findall(r'data-kind="(\w+)" data-channel-id="(\d+)"', panel.group(0))


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_rows_show_each_channels_health_with_its_reason(
    viewer_client: FlaskClient, channels: dict[str, int], headers: dict[str, str]
) -> None:
    html = viewer_client.get(f"/?as_of={AS_OF}", headers=headers).get_data(as_text=True)
    burning = _row(html, "Burning ads")
    badge = re.search(r'<span class="badge health status-burned_out" title="Health: '
                      r'(conversion fell from [^"]+)">Burned out</span>', burning)
    assert badge, burning
    assert f"<details class=\"health-why\"><summary>Why?</summary>C{badge.group(1)[1:]}." in burning
    assert 'class="badge health status-healthy" title="Health: ' in _row(html, "Good referrals")


def test_rows_say_being_computed_before_the_worker_ran(
    viewer_client: FlaskClient, db: Session
) -> None:
    new = factories.channel(db, name="Fresh", ring="inner", status="focus")
    _cohorts(db, new, [1, 1], 10, 10_000)
    html = viewer_client.get("/", headers=HX).get_data(as_text=True)
    assert "health being computed" in _row(html, "Fresh")
    assert "Health of 1 channel is being computed" in html


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_decisions_list_the_burned_out_and_the_failing_focus_channels_first(
    viewer_client: FlaskClient, channels: dict[str, int], headers: dict[str, str]
) -> None:
    html = viewer_client.get(f"/?as_of={AS_OF}", headers=headers).get_data(as_text=True)
    assert html.index('id="decisions"') < html.index("<table")
    burning, thin = str(channels["burning"]), str(channels["thin"])
    items = _decisions(html)
    assert items[0] == ("burned_out_in_focus", burning)
    assert ("fails_ltv_to_cac", thin) in items
    assert str(channels["good"]) not in {cid for _, cid in items}
    assert "Burning ads is burned out but still in the inner ring with status focus: " \
           "conversion fell from " in html
    # the same numbers the row shows: LTV 100.00, CAC 7,000.00 / 168 = 41.67, 2.40×
    assert "Thin margins fails LTV ≥ 3 × CAC: LTV 100.00 USD is 2.40 × CAC 41.67 USD " \
           "(168 customers)." in html
    assert re.search(r'<td class="num rule-cell">2\.40×<div><span class="rule rule-fail"',
                     _row(html, "Thin margins"))
    assert f'href="/channels/{burning}?as_of={AS_OF}">Open Burning ads</a>' in html


def test_decisions_say_so_when_nothing_needs_deciding(
    viewer_client: FlaskClient, app: Flask, db: Session
) -> None:
    good = factories.channel(db, name="Good referrals", ring="inner", status="focus")
    _cohorts(db, good, STEADY, 80, 50_000)
    compute_fits(app, date.fromisoformat(AS_OF))
    html = viewer_client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
    assert _decisions(html) == []
    assert f"Nothing to decide as of {AS_OF}" in html


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
