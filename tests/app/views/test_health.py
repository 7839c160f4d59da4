"""Channel health through the database: GET /api/v1/health and the htmx partials."""

from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.models import Channel, User
from tests import factories
from tests.api_support import bearer
from tests.fits_support import compute_fits
from tests.openapi_check import assert_matches_openapi

MON = date(2025, 9, 1)
WEEKS = 14
AS_OF = "2026-01-04"  # a Sunday 4 weeks after the last cohort week ends


def _cohorts(db: Session, channel: Channel, customers_by_week: list[int], leads: int,
             spend_by_week: list[int] | None = None) -> None:
    """Weekly cohorts from MON with spend of 500.00 a week unless given."""
    spend = spend_by_week or [50_000] * len(customers_by_week)
    factories.weekly_cohorts(db, channel, MON, customers_by_week, leads, spend_by_week=spend)


@pytest.fixture
def channels(app: Flask, db: Session) -> dict[str, int]:
    """Two channels with 14 weeks of cohorts, their fits computed by the worker."""
    burning = factories.channel(db, name="Burning ads")
    steady = factories.channel(db, name="Steady referrals", kind="business_development")
    _cohorts(db, burning, [round(80 * 0.2 * 0.85**w) for w in range(WEEKS)], 80)
    _cohorts(db, steady, [12, 11, 13, 12, 12, 11, 12, 13, 12, 12, 11, 12, 13, 12], 80)
    compute_fits(app, date.fromisoformat(AS_OF))
    return {"burning": burning.id or 0, "steady": steady.id or 0}


def test_api_reports_status_trends_and_capacity(
    client: FlaskClient, db: Session, viewer: User, channels: dict[str, int]
) -> None:
    response = client.get(f"/api/v1/health?as_of={AS_OF}", headers=bearer(db, viewer))
    assert response.status_code == 200
    body: list[dict[str, Any]] = response.get_json()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert_matches_openapi(spec, "get", "/health", 200, body)
    burning, steady = body  # ordered by name
    assert burning["channel_id"] == channels["burning"]
    assert burning["status"] == "burned_out"
    assert burning["reason"].startswith("conversion fell from ")
    assert burning["conversion_trend"]["slope_per_week"] < 0
    assert burning["conversion_trend"]["p_value"] < 0.001
    assert burning["cac_trend"]["slope_per_week"] > 0
    assert steady["status"] == "healthy", steady["reason"]
    # spend never varies, so there is no capacity model; observed: best 4 weeks 12, 13, 12, 12
    assert steady["capacity_per_month_modelled"] is None
    assert steady["marginal_cac"] is None and steady["economic_capacity_spend"] is None
    assert steady["capacity_per_month_observed"] == pytest.approx(12.25 * 52 / 12)


# Spend doubling from 50.00 to 1,600.00 a week and back again; customers either in step with
# spend (1 per 50.00) or levelling off at 10 a week: round(10·tanh(spend / 200.00)).
VARIED_SPEND = [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 40_000] * 2
LINEAR = [s // 5_000 for s in VARIED_SPEND]
LEVELLING = [2, 5, 8, 10, 10, 10, 10] * 2


@pytest.fixture
def capacity_channels(app: Flask, db: Session) -> dict[str, int]:
    """A channel in step with spend and one levelling off, their fits computed by the worker."""
    linear = factories.channel(db, name="Linear search ads", kind="sem")
    levelling = factories.channel(db, name="Levelling ads", kind="sem")
    _cohorts(db, linear, LINEAR, 40, VARIED_SPEND)
    _cohorts(db, levelling, LEVELLING, 40, VARIED_SPEND)
    compute_fits(app, date.fromisoformat(AS_OF))
    return {"linear": linear.id or 0, "levelling": levelling.id or 0}


def test_api_reports_capacity_only_for_a_channel_that_levels_off(
    client: FlaskClient, db: Session, viewer: User, capacity_channels: dict[str, int]
) -> None:
    response = client.get(f"/api/v1/health?as_of={AS_OF}", headers=bearer(db, viewer))
    body = {row["channel_id"]: row for row in response.get_json()}
    assert_matches_openapi(client.get("/api/v1/openapi.json").get_json(), "get", "/health", 200,
                           list(body.values()))
    linear, levelling = body[capacity_channels["linear"]], body[capacity_channels["levelling"]]
    assert linear["capacity_model"] == "no_limit_seen"
    assert linear["capacity_per_month_modelled"] is None
    assert linear["capacity_per_month_interval"] is None
    assert linear["no_limit_up_to_weekly_spend"] == 1_600  # currency units
    assert linear["linear_cac"] == 50 and linear["marginal_cac"] == 50
    assert linear["capacity_p_value"] == 1.0  # exactly proportional: the line fits perfectly
    assert levelling["capacity_model"] == "saturating"
    low, high = levelling["capacity_per_month_interval"]
    assert low < levelling["capacity_per_month_modelled"] < high
    assert levelling["capacity_per_month_modelled"] == pytest.approx(10 * 52 / 12, rel=0.1)
    assert levelling["capacity_p_value"] < 0.001
    assert levelling["no_limit_up_to_weekly_spend"] is None


def test_channel_partial_says_no_limit_seen_yet_or_shows_the_capacity_interval(
    viewer_client: FlaskClient, capacity_channels: dict[str, int]
) -> None:
    linear = viewer_client.get(f"/health/channels/{capacity_channels['linear']}?as_of={AS_OF}")
    html = linear.get_data(as_text=True)
    assert "No limit seen yet up to a weekly spend of 1,600.00 USD: customers grew in step " in html
    assert "no limit seen yet up to 1,600.00 USD / week" in html  # the modelled capacity
    assert "Capacity 90 % interval" not in html
    levelling = viewer_client.get(
        f"/health/channels/{capacity_channels['levelling']}?as_of={AS_OF}")
    html = levelling.get_data(as_text=True)
    assert "Customers level off at about 4" in html and "per month (90 % interval " in html
    assert "Capacity 90 % interval</dt>" in html and "no limit seen" not in html.lower()


def test_api_rejects_a_malformed_as_of(client: FlaskClient, db: Session, viewer: User) -> None:
    response = client.get("/api/v1/health?as_of=soon", headers=bearer(db, viewer))
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {"parameter": "as_of"}


def test_alerts_panel_lists_status_changes_newest_first(
    viewer_client: FlaskClient, channels: dict[str, int]
) -> None:
    response = viewer_client.get(f"/health/alerts?as_of={AS_OF}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="health-alerts"' in html
    assert f'href="/channels/{channels["burning"]}"' in html
    assert "→ <strong>Burned out</strong>" in html
    assert "conversion fell from" in html
    assert html.index("Burning ads") < html.index("Steady referrals")  # later change first
    assert "Not enough data → <strong>Healthy</strong>" in html


def test_channel_partial_draws_accessible_svg_charts(
    viewer_client: FlaskClient, channels: dict[str, int]
) -> None:
    response = viewer_client.get(f"/health/channels/{channels['burning']}?as_of={AS_OF}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<svg") == 3  # conversion, CAC, spend vs customers (no CTR logged)
    assert html.count('role="img"') == 3 and "<title>Weekly conversion" in html
    assert "Burned out" in html and "<polyline" in html
    assert "cdn" not in html.lower() and "<script" not in html
    # constant spend: no capacity model, so its numbers are "—" with no unit after them
    assert 'Capacity (modelled)</dt><dd class="value">—</dd>' in html
    assert 'Economic capacity</dt><dd class="value">—</dd>' in html
    assert "Capacity (observed)</dt><dd class=\"value\">" in html and "customers / month" in html


def test_channel_partial_draws_the_charts_once_per_stored_fit(
    app: Flask, db: Session, viewer_client: FlaskClient, channels: dict[str, int],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.views import health

    drawn: list[int] = []
    original = health._charts
    monkeypatch.setattr(health, "_charts", lambda report: drawn.append(1) or original(report))
    url = f"/health/channels/{channels['burning']}?as_of={AS_OF}"
    first = viewer_client.get(url).get_data(as_text=True)
    assert viewer_client.get(url).get_data(as_text=True) == first and drawn == [1]
    factories.lead(db, db.get(Channel, channels["steady"]), MON)  # another channel's data
    compute_fits(app, date.fromisoformat(AS_OF))
    assert viewer_client.get(url).get_data(as_text=True) == first and drawn == [1]
    factories.lead(db, db.get(Channel, channels["burning"]), MON)  # this channel's: a new fit
    compute_fits(app, date.fromisoformat(AS_OF))
    assert viewer_client.get(url).status_code == 200 and drawn == [1, 1]


def test_channel_partial_says_not_enough_data_for_a_channel_without_data(
    app: Flask, viewer_client: FlaskClient, db: Session
) -> None:
    empty = factories.channel(db, name="Idea only")
    compute_fits(app)
    response = viewer_client.get(f"/health/channels/{empty.id}")
    assert response.status_code == 200
    assert "Not enough data" in response.get_data(as_text=True)


def test_partials_need_a_signed_in_user(client: FlaskClient) -> None:
    assert client.get("/health/alerts", headers={"HX-Request": "true"}).status_code == 401
