"""GET and PATCH /api/v1/settings: owners change, others read; bad values store nothing."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from app.models import User
from tests import factories
from tests.api_support import bearer
from tests.factories import stored_settings
from tests.openapi_check import assert_matches_openapi

DEFAULTS: dict[str, Any] = {
    "currency": "USD", "week_start": 0, "timezone": "UTC", "gross_margin": 1.0,
    "ltv_to_cac_min": 3.0, "payback_max_months": 6.0, "projection_horizon_weeks": 52,
    "ltv_backtest_weeks": 26, "mature_weeks": 4, "burnout_p": 0.05, "burnout_level": 0.5,
    "watch_p": 0.1,
    "watch_level": 0.7, "min_leads_per_group": 30, "min_customers_total": 5,
    "sequential_expected_leads": 5000, "digest_enabled": True, "digest_weekday": 0,
    "digest_time": "08:00", "digest_recipients": "", "account_quality": "revenue_margin",
}



def _spec(client: FlaskClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return spec


def test_anyone_with_a_token_reads_the_settings(
    client: FlaskClient, db: Session, viewer: User
) -> None:
    response = client.get("/api/v1/settings", headers=bearer(db, viewer))
    assert response.status_code == 200
    assert response.get_json() == {"settings": DEFAULTS}
    assert_matches_openapi(_spec(client), "get", "/settings", 200, response.get_json())


def test_an_owner_changes_only_the_fields_sent(
    client: FlaskClient, db: Session, owner: User
) -> None:
    body = {"gross_margin": 0.8, "currency": "eur", "digest_recipients": [
        "Ops@Example.com", "ceo@example.org"], "digest_enabled": False, "mature_weeks": 6}
    response = client.patch("/api/v1/settings", json=body, headers=bearer(db, owner))
    assert response.status_code == 200, response.get_json()
    expected = DEFAULTS | {"gross_margin": 0.8, "currency": "EUR", "digest_enabled": False,
                           "digest_recipients": "Ops@example.com, ceo@example.org",
                           "mature_weeks": 6}
    assert response.get_json() == {"settings": expected, "changed": [
        "currency", "gross_margin", "mature_weeks", "digest_enabled", "digest_recipients"]}
    assert stored_settings(db) == expected
    assert_matches_openapi(_spec(client), "patch", "/settings", 200, response.get_json())


def test_editors_and_viewers_cannot_change_the_settings(
    client: FlaskClient, db: Session, editor: User, viewer: User
) -> None:
    for user in (editor, viewer):
        response = client.patch("/api/v1/settings", json={"gross_margin": 0.5},
                                headers=bearer(db, user))
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
        assert_matches_openapi(_spec(client), "patch", "/settings", 403, response.get_json())
    assert stored_settings(db) == DEFAULTS


@pytest.mark.parametrize(("body", "fields"), [
    ({"gross_margin": 80}, {"gross_margin": "must be more than 0 and at most 1"}),
    ({"gross_margin": "0.8"}, {"gross_margin": "must be a number"}),
    ({"week_start": 1.5}, {"week_start": "must be an integer"}),
    ({"digest_enabled": "yes"}, {"digest_enabled": "must be a boolean"}),
    ({"timezone": "Europe/Atlantis", "currency": "EURO"}, {
        "timezone": "must be an IANA time zone name such as Europe/Berlin or UTC",
        "currency": "must be an ISO 4217 currency code such as USD or EUR"}),
    ({"burnout_p": 0.2}, {"watch_p": "must be at least the burnout p-value (0.2)"}),
    ({"burnout_p": 1e-300}, {"burnout_p": "must be a number like 2.5"}),
    ({"colour": "red"}, {"colour": "is not a setting"}),
    ({"account_quality": "ltv"}, {"account_quality": "must be one of revenue_margin (revenue "
                                  "× margin to date), projected_ltv (projected LTV)"}),
    ({"account_quality": 1}, {"account_quality": "must be a string"}),
    ({"digest_recipients": ["ok@example.com", 7]}, {
        "digest_recipients": "must be a string or array of strings"}),
])
def test_bad_values_answer_422_naming_each_field_and_store_nothing(
    client: FlaskClient, db: Session, owner: User, body: dict[str, Any], fields: dict[str, str]
) -> None:
    response = client.patch("/api/v1/settings", json=body | {"mature_weeks": 9},
                            headers=bearer(db, owner))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == "The settings are invalid; nothing was saved."
    assert error["details"] == {"fields": fields}
    assert stored_settings(db) == DEFAULTS
    assert_matches_openapi(_spec(client), "patch", "/settings", 422, response.get_json())


def test_a_time_zone_change_re_derives_weeks_before_the_answer(
    client: FlaskClient, db: Session, owner: User
) -> None:
    ads = factories.channel(db, name="Ads")
    lead = factories.lead(db, ads, datetime(2026, 3, 2, 3, 0, tzinfo=UTC))  # Monday 03:00 UTC
    buy = factories.purchase(db, lead, datetime(2026, 3, 9, 2, 0, tzinfo=UTC), 500)
    headers = bearer(db, owner)
    response = client.patch("/api/v1/settings", json={"timezone": "America/Los_Angeles"},
                            headers=headers)
    assert response.get_json()["changed"] == ["timezone"]
    db.refresh(lead)
    db.refresh(buy)
    # Sunday 1 March 19:00 in Los Angeles: the week of Monday 23 February; the purchase is on
    # Sunday 8 March at 19:00 (PDT began at 10:00 UTC that day, after it).
    assert lead.cohort_week == date(2026, 2, 23)
    assert buy.purchased_on == date(2026, 3, 8)
    metrics = client.get("/api/v1/metrics/cohorts", query_string={
        "channel_id": ads.id, "as_of": "2026-03-20"}, headers=headers).get_json()
    assert metrics["cohorts"][0]["week"] == "2026-02-23"  # the cohorts follow at once


def test_the_account_quality_choice_is_changed_audited_and_refits_the_audience(
    client: FlaskClient, db: Session, owner: User
) -> None:
    """projected_ltv is stored, the audit log names the change, and the audience fit's key
    (what a stored fit is looked up by) moves with it, so the audience is fitted again."""
    import sqlalchemy as sa

    from app.models import AuditEntry, Settings
    from app.results.audience import TreeSettings, audience_key

    before = audience_key(Settings(id=1), TreeSettings())
    response = client.patch("/api/v1/settings", json={"account_quality": "projected_ltv"},
                            headers=bearer(db, owner))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["changed"] == ["account_quality"]
    assert stored_settings(db) == DEFAULTS | {"account_quality": "projected_ltv"}
    assert_matches_openapi(_spec(client), "patch", "/settings", 200, response.get_json())
    entry = db.exec(sa.select(AuditEntry).where(  # type: ignore[call-overload]
        AuditEntry.entity == "settings", AuditEntry.action == "changed")).scalars().one()
    assert (entry.actor, entry.via) == (owner.email, "api")
    assert entry.changes == {"account_quality": ["revenue_margin", "projected_ltv"]}
    settings = db.get(Settings, 1)
    assert settings is not None and audience_key(settings, TreeSettings()) != before
    # Under projected LTV the horizon is part of the fit too.
    longer = audience_key(settings.model_copy(update={"projection_horizon_weeks": 104}),
                          TreeSettings())
    assert longer != audience_key(settings, TreeSettings())
    assert _spec(client)["components"]["schemas"]["Settings"]["properties"][
        "account_quality"]["enum"] == ["revenue_margin", "projected_ltv"]
