"""Extreme dates, generated: year 1, 1900, 9999, offsets of ±14:00 and the window's edges.

Every API write, the spend grid (full form and htmx) and every as_of accept exactly the
dates inside the window and answer 4xx (never 5xx) for the others, naming the field.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from app.models import Channel, User
from kernel.weeks import date_window, week_of
from tests import factories
from tests.api_support import bearer
from tests.conftest import sign_in

WINDOW = date_window(date.today())
EDGES = [date(1, 1, 1), date(202, 11, 2), date(1900, 1, 1), date(1999, 12, 31), date(2000, 1, 1),
         WINDOW.latest, WINDOW.latest + timedelta(days=1), date(9999, 12, 31)]  # fmt: skip
DAYS = st.one_of(st.sampled_from(EDGES), st.dates())
OFFSETS = st.sampled_from(["", "Z", "+00:00", "+14:00", "-14:00", "-12:00", "+05:45"])
MOMENTS = st.one_of(
    DAYS.map(date.isoformat),
    st.tuples(DAYS, st.times(), OFFSETS).map(lambda t: f"{t[0]}T{t[1].isoformat()}{t[2]}"),
    st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]),
)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck),
                database=None)  # fmt: skip


def _utc_day(text: str) -> date | None:
    """Return the UTC date of an ISO date or time (naive: UTC, the test install's zone)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC).date()
    except OverflowError:
        return None


@pytest.fixture
def ads(db: Session) -> Channel:
    channel = factories.channel(db, name="Google Ads")
    factories.lead(db, channel, datetime(2000, 1, 1, tzinfo=UTC), external_id="first")
    return channel


@FUZZ
@given(moment=MOMENTS)
def test_lead_created_at_is_accepted_exactly_inside_the_window(
    client: FlaskClient, db: Session, owner: User, ads: Channel, moment: str
) -> None:
    item = {"external_id": "fuzz", "channel_id": ads.id, "created_at": moment}
    response = client.post("/api/v1/leads", json=[item], headers=bearer(db, owner))
    inside = _utc_day(moment) in WINDOW
    assert response.status_code == (200 if inside else 422), (moment, response.get_json())
    if not inside:
        assert [e["field"] for e in response.get_json()["errors"]] == ["created_at"]


@FUZZ
@given(moment=MOMENTS)
def test_purchase_times_outside_the_window_are_refused(
    client: FlaskClient, db: Session, owner: User, ads: Channel, moment: str
) -> None:
    item = {"external_id": "p", "lead_external_id": "first", "purchased_at": moment, "amount": 1}
    response = client.post("/api/v1/purchases", json=[item], headers=bearer(db, owner))
    assert response.status_code in (200, 422), (moment, response.get_json())
    if _utc_day(moment) not in WINDOW:
        assert response.status_code == 422
        assert [e["field"] for e in response.get_json()["errors"]] == ["purchased_at"]


@FUZZ
@given(day=DAYS, htmx=st.booleans())
def test_spend_weeks_api_and_grid_accept_exactly_the_weeks_inside(
    client: FlaskClient, db: Session, owner: User, ads: Channel, day: date, htmx: bool
) -> None:
    response = client.put(f"/api/v1/channels/{ads.id}/spend", headers=bearer(db, owner),
                          json=[{"week": day.isoformat(), "amount": 1}])  # fmt: skip
    assert response.status_code == (200 if day in WINDOW else 422), day
    try:
        week = week_of(day)
    except OverflowError:  # no Monday on or before 0001-01-01's week: not a grid URL
        return
    sign_in(client, owner)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(f"/channels/{ads.id}/spend/{week}", data={"amount": "1"},
                           headers=headers)  # fmt: skip
    inside = week <= WINDOW.latest and week + timedelta(days=6) >= WINDOW.earliest
    assert response.status_code == ((200 if htmx else 302) if inside else 422), week


@FUZZ
@given(day=DAYS)
def test_as_of_inside_the_window_up_to_today_is_taken(
    client: FlaskClient, db: Session, owner: User, ads: Channel, day: date
) -> None:
    response = client.get(f"/api/v1/metrics/channels?as_of={day}", headers=bearer(db, owner))
    assert response.status_code == (200 if WINDOW.earliest <= day <= date.today() else 400), day
    sign_in(client, owner)
    assert client.get(f"/?as_of={day}").status_code == 200
