"""Rows an older version stored outside the date window never make a page fail: metrics leave
them out and the metric pages say how many there are and how to fix them."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlmodel import Session

from app.models import Channel, Lead, Purchase, User, WeeklySpend
from cohorts.aggregates import refresh_all
from cohorts.queries import AsOf, cohort_counts
from kernel.weeks import week_of
from tests import factories
from tests.api_support import bearer
from tests.conftest import sign_in
from tests.edit_forms import posted_state

PAGES = ["/", "/cohorts/", "/segments/", "/compare/matrix", "/imports/export/metrics.csv",
         "/imports/export/cohorts.csv", "/imports/export/leads.csv",
         "/imports/export/purchases.csv", "/imports/export/spend.csv"]  # fmt: skip
API = ["/metrics/channels", "/health", "/metrics/cohorts?channel_id={id}"]


def _insert_outside_rows(db: Session, ch: Channel, lead_id: int) -> None:
    """Store, with SQL as an older version did, a spend week and a lead in year 1, a purchase
    of that lead in 2024 and a purchase in 9999; then rebuild the cohort aggregates."""
    with db.get_bind().connect() as conn:  # type: ignore[union-attr]
        conn.execute(sa.insert(WeeklySpend.__table__).values(  # type: ignore[arg-type]
            channel_id=ch.id, week=date(1, 1, 1), amount_minor=10**9))
        old = conn.execute(sa.insert(Lead.__table__).values(  # type: ignore[arg-type]
            external_id="old-1", channel_id=ch.id, created_at=datetime(1, 1, 1, tzinfo=UTC),
            cohort_week=date(1, 1, 1), stage="lead", attributes={})).inserted_primary_key[0]
        for external_id, lead, at in [("p-old", old, datetime(2024, 3, 5, tzinfo=UTC)),
                                      ("p-far", lead_id, datetime(9999, 12, 31, tzinfo=UTC))]:
            conn.execute(sa.insert(Purchase.__table__).values(  # type: ignore[arg-type]
                external_id=external_id, lead_id=lead, purchased_at=at,
                purchased_on=at.date(), amount_minor=10**8))
        refresh_all(conn)
        conn.commit()


@pytest.fixture
def channel_with_old_rows(db: Session) -> Channel:
    ch = factories.channel(db, name="Google Ads")
    factories.spend(db, ch, date(2024, 3, 4), 100_00)
    lead = factories.lead(db, ch, datetime(2024, 3, 4, 9, tzinfo=UTC), external_id="new-1")
    factories.purchase(db, lead, date(2024, 3, 6), 300_00)
    assert lead.id is not None
    _insert_outside_rows(db, ch, lead.id)
    return ch


def test_every_page_renders_and_metrics_leave_the_rows_out(
    client: FlaskClient, db: Session, owner: User, channel_with_old_rows: Channel
) -> None:
    ch = channel_with_old_rows
    headers = bearer(db, owner)
    sign_in(client, owner)
    for url in [*PAGES, f"/channels/{ch.id}", f"/channels/{ch.id}/triangle"]:
        assert client.get(url).status_code == 200, url
    for url in API:
        response = client.get("/api/v1" + url.format(id=ch.id), headers=headers)
        assert response.status_code == 200, (url, response.get_json())
    body: Any = client.get("/api/v1/metrics/channels?as_of=2024-06-30", headers=headers).get_json()
    numbers = body["channels"][0]
    assert (numbers["spend"], numbers["leads"], numbers["customers"], numbers["revenue"]) == (
        100, 1, 1, 300)
    assert body["left_out"] == {"spend_weeks": 1, "leads": 1, "purchases": 1}


def test_the_metric_pages_name_the_rows_left_out(
    client: FlaskClient, db: Session, owner: User, channel_with_old_rows: Channel
) -> None:
    sign_in(client, owner)
    ch = channel_with_old_rows
    for url in ["/", "/cohorts/", f"/channels/{ch.id}"]:
        page = client.get(url).get_data(as_text=True)
        assert "3 stored rows are dated outside the dates Bullseye accepts" in page, url
        assert "1 spend week," in page and "1 lead," in page and "1 purchase." in page
        assert "<code>old-1</code> (0001-01-01)" in page and "<code>p-far</code>" in page
    action = f"/channels/{ch.id}/spend/0001-01-01"
    clear = f'action="{action}"'
    state = posted_state(client.get("/").get_data(as_text=True), action)
    response = client.post(action, data={"amount": "", **state})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "2 stored rows are dated outside" in page and clear not in page


def test_a_clean_database_shows_no_notice(client: FlaskClient, db: Session, owner: User) -> None:
    sign_in(client, owner)
    factories.channel(db)
    assert "dated outside" not in client.get("/").get_data(as_text=True)
    body: Any = client.get("/api/v1/metrics/channels", headers=bearer(db, owner)).get_json()
    assert body["left_out"] == {"spend_weeks": 0, "leads": 0, "purchases": 0}


def test_as_of_before_the_window_is_refused(client: FlaskClient, db: Session,
                                            owner: User) -> None:  # fmt: skip
    response = client.get("/api/v1/metrics/channels?as_of=1999-12-31", headers=bearer(db, owner))
    assert response.status_code == 400
    assert "between 2000-01-01 and today" in response.get_json()["error"]["message"]


def test_a_lead_at_the_window_start_sizes_only_its_own_channel(
    client: FlaskClient, db: Session, owner: User
) -> None:
    """Arrays span each channel's own weeks; every page renders the right totals."""
    old, new = factories.channel(db, name="Old"), factories.channel(db, name="New")
    today = date.today()
    monday = week_of(today)
    first = factories.lead(db, old, datetime(2000, 1, 3, 9, tzinfo=UTC))
    factories.purchase(db, first, date(2000, 1, 5), 40_00)
    factories.purchase(db, first, monday, 10_00)
    recent = factories.lead(db, new, monday - timedelta(weeks=3))
    factories.purchase(db, recent, monday - timedelta(weeks=2), 25_00)
    factories.spend(db, new, monday - timedelta(weeks=3), 50_00)
    as_of = AsOf(day=today)
    counts = cohort_counts(session=db, as_of=as_of)
    weeks_since_2000 = (monday - date(2000, 1, 3)).days // 7 + 1
    assert counts[old.id or 0].new_customers.shape == (weeks_since_2000, weeks_since_2000)
    assert counts[new.id or 0].new_customers.shape == (4, 4)
    assert counts[old.id or 0].revenue_minor[0, 0] == 40_00
    assert counts[old.id or 0].revenue_minor[0, weeks_since_2000 - 1] == 10_00
    sign_in(client, owner)
    for url in ["/", f"/channels/{old.id}", f"/channels/{new.id}", "/cohorts/",
                "/imports/export/metrics.csv", "/imports/export/cohorts.csv"]:  # fmt: skip
        assert client.get(url).status_code == 200, url
    body: Any = client.get("/api/v1/metrics/channels", headers=bearer(db, owner)).get_json()
    totals = {c["name"]: (c["spend"], c["leads"], c["customers"], c["revenue"])
              for c in body["channels"]}  # fmt: skip
    assert totals == {"New": (50, 1, 1, 25), "Old": (0, 1, 1, 50)}
