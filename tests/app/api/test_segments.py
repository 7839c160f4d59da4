"""GET /api/v1/segments on hand-made leads: pooled rows, skipped attributes, tests named."""

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from scipy import stats
from sqlmodel import Session

from app.models import Lead, User
from kernel.weeks import week_of
from tests import factories
from tests.api_support import bearer
from tests.openapi_check import assert_matches_openapi

CREATED = datetime(2026, 1, 5, 9, tzinfo=UTC)


@pytest.fixture
def headers(app: Flask, db: Session, viewer: User) -> dict[str, str]:
    """Six leads: plan a, a, a, b, b, c (a0 buys 5.00, c buys 2.00), each a unique email."""
    app.config.update(SEGMENT_TOP_VALUES=1, SEGMENT_MAX_VALUES=3, SEGMENT_MAX_ATTRIBUTES=2)
    ads = factories.channel(db, name="Ads")
    assert ads.id is not None
    for i, plan in enumerate("aaabbc"):
        attributes = {"plan": plan, "email": f"{i}@example.com"} | ({"x": "1"} if i == 1 else {})
        lead = Lead(external_id=f"l{i}", channel_id=ads.id, created_at=CREATED,
                    cohort_week=week_of(CREATED.date()), attributes=attributes)
        db.add(lead)
        db.flush()
        if i in (0, 5):
            factories.purchase(db, lead, date(2026, 2, 1), 500 if i == 0 else 200)
    db.commit()
    return bearer(db, viewer)


def test_segments_api_reports_pooled_and_skipped(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = client.get("/api/v1/segments?as_of=2026-03-01&method=bh", headers=headers)
    body = response.get_json()
    assert response.status_code == 200, body
    assert_matches_openapi(client.get("/api/v1/openapi.json").get_json(), "get", "/segments",
                           200, body)
    assert body["skipped_attributes"] == [{
        "attribute": "email", "leads": 6, "distinct_values": 6,
        "reason": "email: 6 distinct values, skipped — too many to compare"}]
    assert body["attributes_not_looked_at"] == 1  # x: on one lead, beyond the two most used
    assert body["limits"] == {"top_values": 1, "max_distinct_values": 3, "max_attributes": 2}
    rows = {(r["attribute"], r["value"]): r for r in body["insights"]}
    assert set(rows) == {("plan", "a"), ("plan", None)}
    other = rows[("plan", None)]
    assert other["pooled_values"] == 2  # b and c: 2 + 1 leads, c bought for 2.00
    assert other["segment"] == {"leads": 3, "customers": 1, "conversion": pytest.approx(1 / 3),
                                "revenue_per_lead": pytest.approx(2.00 / 3)}
    assert other["rest"]["leads"] == 3 and other["rest"]["revenue_per_lead"] == pytest.approx(
        5.00 / 3)
    # 1 of 3 against 1 of 3: expected customers 1 < 5, a (4 × 4)-table: Boschloo's test.
    p = stats.boschloo_exact([[1, 1], [2, 2]]).pvalue
    for row in rows.values():
        assert row["conversion_test"] == "boschloo_exact" and row["revenue_test"] == "welch_t"
        assert row["conversion_p"] == pytest.approx(min(1.0, p), rel=1e-9)


@pytest.mark.parametrize("text", ["abc", "²", "-1", "1.0"])
def test_segments_api_names_a_bad_channel(
    client: FlaskClient, headers: dict[str, str], text: str
) -> None:
    bad = client.get(f"/api/v1/segments?channel_id={text}", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["details"] == {
        "parameter": "channel_id"}


@pytest.mark.parametrize("number", ["999", "99999999999999999999"])
def test_segments_api_unknown_channel_is_404(
    client: FlaskClient, headers: dict[str, str], number: str
) -> None:
    missing = client.get(f"/api/v1/segments?channel_id={number}", headers=headers)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["message"] == f"There is no channel with id {number}."
