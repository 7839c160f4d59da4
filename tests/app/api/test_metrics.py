"""GET /api/v1/metrics/channels and /metrics/cohorts on a hand-checked scenario."""

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from app.models import User
from tests import factories
from tests.api_support import bearer
from tests.openapi_check import assert_matches_openapi

MON = date(2026, 1, 5)


@pytest.fixture
def scenario(db: Session) -> dict[str, Any]:
    """Two weekly cohorts of one channel, a refund, and an empty second channel.

    Week 0: spend 100.00, leads a, b, c; a buys 60.00 (age 0), 30.00 (age 2), refund 10.00
    (age 2); b buys 40.00 (age 1). Week 1: spend 50.00, lead d buys 20.00 (age 0).
    """
    ch = factories.channel(db, name="Referrals", kind="business_development")
    empty = factories.channel(db, name="Podcast ads", kind="offline_ads")
    factories.referrals_history(db, ch, MON)
    return {"channel": ch.id, "empty": empty.id}


def get(client: FlaskClient, db: Session, user: User, url: str) -> Any:
    response = client.get(url, headers=bearer(db, user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_channel_metrics(
    client: FlaskClient, db: Session, viewer: User, scenario: dict[str, Any]
) -> None:
    body = get(client, db, viewer, "/api/v1/metrics/channels?as_of=2026-01-25")
    assert body["as_of"] == "2026-01-25" and body["currency"] == "USD"
    empty, referrals = body["channels"]  # ordered by name
    assert referrals == {
        "channel_id": scenario["channel"], "name": "Referrals", "kind": "business_development",
        "spend": 150, "leads": 4, "customers": 3, "cpl": 37.5, "cac": 50,
        "conversion_rate": 0.75, "revenue": 140, "ltv": 46.67,
        # chain-ladder: revenue factors 12000/8000, 12000/10000 → 120 + 20 × 1.2 = 144;
        # customer factors 3/2, 2/2 → 2 + 1 = 3 customers; 144 / 3 = 48
        "ltv_projected": 48,
        # The repeat-purchase model has not been fitted (no worker pass): the chain-ladder,
        # labelled as such.
        "ltv_projected_interval": None, "ltv_to_cac_projected": None,
        "ltv_to_cac_projected_interval": None,
        "ltv_projection": {"method": "chain_ladder", "status": "computing", "reason": None,
                           "basis": None, "horizon_weeks": 2, "supporting_cohorts": 1,
                           "chain_ladder": {"ltv": 48, "horizon_weeks": 2,
                                            "supporting_cohorts": 1},
                           "payback_weeks_projected": None},
        "roi": pytest.approx(-10 / 150), "payback_weeks": 2,
        "ltv_to_cac": pytest.approx((14000 / 3) / 5000),
        "program_cost_share": pytest.approx(150 / 140),
        # days to first purchase: a 1.5 → 1, b 6 → 6, d 2 → 2: median 2, p75 4
        "sales_cycle_days": {"median": 2.0, "p75": 4.0},
        "rules": {"ltv_to_cac": "not_enough_data", "payback": "not_enough_data"},
    }  # fmt: skip
    assert empty["spend"] == 0 and empty["cac"] is None and empty["roi"] is None
    assert empty["payback_weeks"] is None and empty["sales_cycle_days"]["median"] is None


def test_cohort_metrics_lists_grow_with_age(
    client: FlaskClient, db: Session, viewer: User, scenario: dict[str, Any]
) -> None:
    url = f"/api/v1/metrics/cohorts?channel_id={scenario['channel']}&as_of=2026-01-21"
    body = get(client, db, viewer, url)
    assert body["channel_id"] == scenario["channel"] and body["as_of"] == "2026-01-21"
    first, second = body["cohorts"]
    assert first == {
        "week": "2026-01-05", "spend": 100, "leads": 3,
        "customers_by_age": [1, 2, 2], "revenue_by_age": [60, 100, 120],
        "roi_by_age": [-0.4, 0.0, 0.2], "payback_weeks": 1,
    }  # fmt: skip
    # Wednesday 21 Jan: the refund (22 Jan) has not happened yet.
    assert second == {
        "week": "2026-01-12", "spend": 50, "leads": 1, "customers_by_age": [1, 1],
        "revenue_by_age": [20, 20], "roi_by_age": [-0.6, -0.6], "payback_weeks": None,
    }  # fmt: skip


def test_metrics_validate_against_the_openapi_document(
    client: FlaskClient, db: Session, viewer: User, scenario: dict[str, Any]
) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    body = get(client, db, viewer, "/api/v1/metrics/channels?as_of=2026-01-25")
    assert_matches_openapi(spec, "get", "/metrics/channels", 200, body)
    url = f"/api/v1/metrics/cohorts?channel_id={scenario['channel']}"
    assert_matches_openapi(spec, "get", "/metrics/cohorts", 200, get(client, db, viewer, url))


@pytest.mark.parametrize(
    ("url", "status", "parameter"),
    [
        ("/api/v1/metrics/channels?as_of=2026-13-01", 400, "as_of"),
        ("/api/v1/metrics/channels?as_of=9999-12-31", 400, "as_of"),
        ("/api/v1/metrics/cohorts", 400, "channel_id"),
        ("/api/v1/metrics/cohorts?channel_id=-1", 400, "channel_id"),
    ],
)
def test_bad_parameters_are_named(
    client: FlaskClient, db: Session, viewer: User, url: str, status: int, parameter: str
) -> None:
    response = client.get(url, headers=bearer(db, viewer))
    assert response.status_code == status
    assert response.get_json()["error"]["details"]["parameter"] == parameter
