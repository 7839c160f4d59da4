"""The OpenAPI document is valid 3.1, public, complete, and true of real responses."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from sqlmodel import Session

from app.api.openapi import OPERATION_ATTRIBUTE
from app.models import User
from tests import factories
from tests.api_support import bearer
from tests.openapi_check import assert_matches_openapi, response_schema_location, schema_errors

SPEC_URL = "/api/v1/openapi.json"


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    """Return the served OpenAPI document (fetched without a token)."""
    response = client.get(SPEC_URL)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document: dict[str, Any] = response.get_json()
    return document


def test_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["title"] == "Bullseye"
    assert spec["info"]["version"] == "0.1.0"
    assert spec["servers"] == [{"url": "/api/v1", "description": "This install"}]


def test_bearer_security_is_global_and_the_document_is_public(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
    assert spec["paths"]["/openapi.json"]["get"]["security"] == []
    assert "401" not in spec["paths"]["/openapi.json"]["get"]["responses"]


def test_paths_and_parameters_come_from_the_routes(spec: dict[str, Any]) -> None:
    assert sorted(spec["paths"]) == [
        "/audit",
        "/channels",
        "/channels/{channel_id}",
        "/channels/{channel_id}/log/{week}",
        "/channels/{channel_id}/spend",
        "/compare",
        "/goals",
        "/health",
        "/leads",
        "/leads/{external_id}",
        "/leads/{external_id}/stages",
        "/metrics/channels",
        "/metrics/cohorts",
        "/metrics/ltv-backtest",
        "/openapi.json",
        "/purchases",
        "/segments",
        "/settings",
        "/tests",
        "/tests/{test_id}",
        "/tests/{test_id}/decision",
    ]
    one = spec["paths"]["/channels/{channel_id}"]
    assert one["parameters"] == [
        {
            "name": "channel_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
        }
    ]
    assert one["get"]["operationId"] == "get_channel"
    assert one["get"]["responses"]["401"] == {"$ref": "#/components/responses/Unauthorized"}
    assert one["get"]["responses"]["404"] == {"$ref": "#/components/responses/NotFound"}
    assert one["get"]["responses"]["500"] == {"$ref": "#/components/responses/InternalError"}
    assert "503" not in one["get"]["responses"]  # reads never wait for the write lock
    assert one["patch"]["responses"]["503"] == {"$ref": "#/components/responses/Busy"}
    busy = spec["components"]["responses"]["Busy"]
    assert busy["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    filters = spec["paths"]["/channels"]["get"]["parameters"]
    assert [p["name"] for p in filters] == ["ring", "status", "kind"]
    assert filters[0]["schema"]["items"]["enum"] == ["inner", "middle", "outer"]


def test_every_api_route_is_documented(app: Flask) -> None:
    undocumented = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and not hasattr(app.view_functions[rule.endpoint], OPERATION_ATTRIBUTE)
    ]
    assert undocumented == []


@dataclass(frozen=True)
class Example:
    """A real request to a documented operation and the status it must get."""

    method: str
    template: str
    url: Callable[[dict[str, int]], str]
    status: int
    authorised: bool = True
    body: Callable[[dict[str, int]], Any] | None = None


_SEO = "/channels/{channel_id}"
_SPEND = "/channels/{channel_id}/spend"
_LEAD_ONE = "/leads/{external_id}"
_LOG = "/channels/{channel_id}/log/{week}"
_LEAD = {"external_id": "api-1", "created_at": "2024-05-07T10:00:00Z", "stage": "lead"}
_PURCHASE = {"external_id": "inv-1", "lead_external_id": "api-1", "purchased_at": "2024-05-09",
             "amount": 19.99}

# The write endpoints, run in order after the reads (the purchase needs the lead before it).
WRITE_EXAMPLES = [
    Example("post", "/channels", lambda ids: "/channels", 201,
            body=lambda ids: {"name": "Referrals", "kind": "viral"}),
    Example("post", "/channels", lambda ids: "/channels", 400, body=lambda ids: []),
    Example("post", "/channels", lambda ids: "/channels", 409,
            body=lambda ids: {"name": "ads", "kind": "sem"}),
    Example("post", "/channels", lambda ids: "/channels", 415),
    Example("post", "/channels", lambda ids: "/channels", 422,
            body=lambda ids: {"name": "", "kind": "sem"}),
    Example("post", "/channels", lambda ids: "/channels", 401, authorised=False),
    Example("patch", _SEO, lambda ids: f"/channels/{ids['seo']}", 200,
            body=lambda ids: {"ring": "inner"}),
    Example("patch", _SEO, lambda ids: f"/channels/{ids['seo']}", 400, body=lambda ids: []),
    Example("patch", _SEO, lambda ids: "/channels/987654", 404, body=lambda ids: {}),
    Example("patch", _SEO, lambda ids: f"/channels/{ids['seo']}", 409,
            body=lambda ids: {"name": "ADS"}),
    Example("patch", _SEO, lambda ids: f"/channels/{ids['seo']}", 415),
    Example("patch", _SEO, lambda ids: f"/channels/{ids['seo']}", 422,
            body=lambda ids: {"launch_days": -1}),
    Example("patch", _SEO, lambda ids: "/channels/1", 401, authorised=False),
    Example("put", _SPEND, lambda ids: f"/channels/{ids['seo']}/spend", 200,
            body=lambda ids: [{"week": "2024-05-08", "amount": 12.5}]),
    Example("put", _SPEND, lambda ids: f"/channels/{ids['seo']}/spend", 400, body=lambda ids: {}),
    Example("put", _SPEND, lambda ids: "/channels/987654/spend", 404, body=lambda ids: []),
    Example("put", _SPEND, lambda ids: f"/channels/{ids['seo']}/spend", 415),
    Example("put", _SPEND, lambda ids: f"/channels/{ids['seo']}/spend", 422,
            body=lambda ids: [{"week": "May", "amount": -1}]),
    Example("put", _SPEND, lambda ids: "/channels/1/spend", 401, authorised=False),
    Example("post", "/leads", lambda ids: "/leads", 200,
            body=lambda ids: [_LEAD | {"channel_id": ids["seo"]}]),
    Example("post", "/leads", lambda ids: "/leads", 400, body=lambda ids: {}),
    Example("post", "/leads", lambda ids: "/leads", 415),
    Example("post", "/leads", lambda ids: "/leads", 422, body=lambda ids: [_LEAD]),
    Example("post", "/leads", lambda ids: "/leads", 401, authorised=False),
    Example("post", "/purchases", lambda ids: "/purchases", 200, body=lambda ids: [_PURCHASE]),
    Example("post", "/purchases", lambda ids: "/purchases", 400, body=lambda ids: {}),
    Example("post", "/purchases", lambda ids: "/purchases", 415),
    Example("post", "/purchases", lambda ids: "/purchases", 422,
            body=lambda ids: [_PURCHASE | {"lead_external_id": "nobody"}]),
    Example("post", "/purchases", lambda ids: "/purchases", 401, authorised=False),
    Example("patch", "/settings", lambda ids: "/settings", 200,
            body=lambda ids: {"gross_margin": 0.75, "week_start": 6}),
    Example("patch", "/settings", lambda ids: "/settings", 400, body=lambda ids: []),
    Example("patch", "/settings", lambda ids: "/settings", 415),
    Example("patch", "/settings", lambda ids: "/settings", 422,
            body=lambda ids: {"timezone": "Mars/Olympus"}),
    Example("patch", "/settings", lambda ids: "/settings", 401, authorised=False),
    Example("patch", _LEAD_ONE, lambda ids: "/leads/api-1", 200,
            body=lambda ids: {"stage": "sales_ready", "grade": "hot"}),
    Example("patch", _LEAD_ONE, lambda ids: "/leads/api-1", 400, body=lambda ids: []),
    Example("patch", _LEAD_ONE, lambda ids: "/leads/nobody", 404, body=lambda ids: {}),
    Example("patch", _LEAD_ONE, lambda ids: "/leads/api-1", 415),
    Example("patch", _LEAD_ONE, lambda ids: "/leads/api-1", 422,
            body=lambda ids: {"stage": "won"}),
    Example("patch", _LEAD_ONE, lambda ids: "/leads/api-1", 401, authorised=False),
    Example("get", _LEAD_ONE + "/stages", lambda ids: "/leads/api-1/stages", 200),
    Example("get", _LEAD_ONE + "/stages", lambda ids: "/leads/nobody/stages", 404),
    Example("put", "/goals", lambda ids: "/goals", 200,
            body=lambda ids: [{"month": "2024-05", "leads": 10, "max_cac": 99.5}]),
    Example("put", "/goals", lambda ids: "/goals", 400, body=lambda ids: {}),
    Example("put", "/goals", lambda ids: "/goals", 415),
    Example("put", "/goals", lambda ids: "/goals", 422, body=lambda ids: [{"month": "May"}]),
    Example("get", "/goals", lambda ids: "/goals?month=2024-05&as_of=2024-05-20", 200),
    Example("get", "/goals", lambda ids: "/goals?month=May", 400),
    Example("put", _LOG, lambda ids: f"/channels/{ids['seo']}/log/2024-04-10", 200,
            body=lambda ids: {"spend": 12.5, "leads": 2}),
    Example("put", _LOG, lambda ids: f"/channels/{ids['seo']}/log/2024-04-10", 400,
            body=lambda ids: []),
    Example("put", _LOG, lambda ids: "/channels/987654/log/2024-04-10", 404,
            body=lambda ids: {"spend": 1}),
    Example("put", _LOG, lambda ids: f"/channels/{ids['seo']}/log/2024-04-10", 415),
    Example("put", _LOG, lambda ids: f"/channels/{ids['seo']}/log/2024-04-10", 422,
            body=lambda ids: {"spend": 1, "leads": -1}),
    Example("put", _LOG, lambda ids: "/channels/1/log/2024-04-10", 401, authorised=False),
    Example("get", _LOG, lambda ids: f"/channels/{ids['seo']}/log/2024-04-10", 200),
    Example("get", _LOG, lambda ids: "/channels/987654/log/2024-04-10", 404),
    Example("get", _LOG, lambda ids: f"/channels/{ids['seo']}/log/May", 422),
    Example("get", _LOG, lambda ids: "/channels/1/log/2024-04-10", 401, authorised=False),
]  # fmt: skip

_TEST = "/tests/{test_id}"
_DECIDE = "/tests/{test_id}/decision"
_NEW_TEST = {"name": "Exact match", "start_date": "2024-05-06"}
TEST_EXAMPLES = [
    Example("get", "/tests", lambda ids: "/tests", 200),
    Example("get", "/tests", lambda ids: "/tests?as_of=June", 400),
    Example("get", "/tests", lambda ids: "/tests", 401, authorised=False),
    Example("get", _TEST, lambda ids: f"/tests/{ids['test']}?as_of=2024-06-02", 200),
    Example("get", _TEST, lambda ids: f"/tests/{ids['test']}?as_of=June", 400),
    Example("get", _TEST, lambda ids: "/tests/987654", 404),
    Example("get", _TEST, lambda ids: "/tests/1", 401, authorised=False),
    Example("post", "/tests", lambda ids: "/tests", 201,
            body=lambda ids: _NEW_TEST | {"channel_id": ids["seo"], "budget_cap": 100}),
    Example("post", "/tests", lambda ids: "/tests", 400, body=lambda ids: []),
    Example("post", "/tests", lambda ids: "/tests", 409,
            body=lambda ids: _NEW_TEST | {"new_channel": {"name": "ads", "kind": "sem"}}),
    Example("post", "/tests", lambda ids: "/tests", 415),
    Example("post", "/tests", lambda ids: "/tests", 422, body=lambda ids: {"name": ""}),
    Example("post", "/tests", lambda ids: "/tests", 401, authorised=False),
    Example("patch", _TEST, lambda ids: f"/tests/{ids['test']}", 200,
            body=lambda ids: {"min_leads": 50}),
    Example("patch", _TEST, lambda ids: f"/tests/{ids['test']}", 400, body=lambda ids: []),
    Example("patch", _TEST, lambda ids: "/tests/987654", 404, body=lambda ids: {}),
    Example("patch", _TEST, lambda ids: f"/tests/{ids['test']}", 409,
            body=lambda ids: {"status": "running"}),
    Example("patch", _TEST, lambda ids: f"/tests/{ids['test']}", 415),
    Example("patch", _TEST, lambda ids: f"/tests/{ids['test']}", 422,
            body=lambda ids: {"min_leads": -1}),
    Example("patch", _TEST, lambda ids: "/tests/1", 401, authorised=False),
    Example("post", _DECIDE, lambda ids: f"/tests/{ids['test']}/decision", 400,
            body=lambda ids: []),
    Example("post", _DECIDE, lambda ids: "/tests/987654/decision", 404,
            body=lambda ids: {"decision": "kill"}),
    Example("post", _DECIDE, lambda ids: f"/tests/{ids['test']}/decision", 415),
    Example("post", _DECIDE, lambda ids: f"/tests/{ids['test']}/decision", 422,
            body=lambda ids: {"decision": "grow"}),
    Example("post", _DECIDE, lambda ids: f"/tests/{ids['test']}/decision", 200,
            body=lambda ids: {"decision": "iterate", "note": "new headline"}),
    Example("post", _DECIDE, lambda ids: f"/tests/{ids['test']}/decision", 409,
            body=lambda ids: {"decision": "kill"}),
    Example("post", _DECIDE, lambda ids: "/tests/1/decision", 401, authorised=False),
]  # fmt: skip

# Add a row here for every new endpoint and for each of its documented statuses.
EXAMPLES = [
    Example("get", "/openapi.json", lambda ids: "/openapi.json", 200, authorised=False),
    Example("get", "/channels", lambda ids: "/channels", 200),
    Example("get", "/channels", lambda ids: "/channels?ring=inner&status=focus", 200),
    Example("get", "/channels", lambda ids: "/channels?ring=nowhere", 400),
    Example("get", "/channels", lambda ids: "/channels", 401, authorised=False),
    Example("get", "/channels/{channel_id}", lambda ids: f"/channels/{ids['ads']}", 200),
    Example("get", "/channels/{channel_id}", lambda ids: f"/channels/{ids['seo']}", 200),
    Example("get", "/channels/{channel_id}", lambda ids: "/channels/987654", 404),
    Example("get", "/channels/{channel_id}", lambda ids: "/channels/1", 401, authorised=False),
    Example("get", "/metrics/channels", lambda ids: "/metrics/channels", 200),
    Example("get", "/metrics/channels", lambda ids: "/metrics/channels?as_of=2024-06-02", 200),
    Example("get", "/metrics/channels", lambda ids: "/metrics/channels?as_of=June", 400),
    Example("get", "/metrics/channels", lambda ids: "/metrics/channels", 401, authorised=False),
    Example("get", "/metrics/cohorts", lambda ids: f"/metrics/cohorts?channel_id={ids['ads']}",
            200),
    Example("get", "/metrics/cohorts", lambda ids: "/metrics/cohorts?channel_id=x", 400),
    Example("get", "/metrics/cohorts", lambda ids: "/metrics/cohorts?channel_id=987654", 404),
    Example("get", "/metrics/cohorts", lambda ids: "/metrics/cohorts", 401, authorised=False),
    Example("get", "/metrics/ltv-backtest", lambda ids: "/metrics/ltv-backtest", 200),
    Example("get", "/metrics/ltv-backtest", lambda ids: "/metrics/ltv-backtest?as_of=2024-06-02",
            200),
    Example("get", "/metrics/ltv-backtest", lambda ids: "/metrics/ltv-backtest?as_of=x", 400),
    Example("get", "/metrics/ltv-backtest", lambda ids: "/metrics/ltv-backtest", 401,
            authorised=False),
    Example("get", "/health", lambda ids: "/health", 200),
    Example("get", "/health", lambda ids: "/health?as_of=2024-06-02", 200),
    Example("get", "/health", lambda ids: "/health?as_of=June", 400),
    Example("get", "/health", lambda ids: "/health", 401, authorised=False),
    Example("get", "/compare",
            lambda ids: f"/compare?a=channel:{ids['ads']}&b=channel:{ids['seo']}", 200),
    Example("get", "/compare",
            lambda ids: f"/compare?a=channel:{ids['ads']}&b=channel:{ids['seo']}&metric=cac", 200),
    Example("get", "/compare", lambda ids: f"/compare?a=channel:{ids['ads']}"
            f"&b=channel:{ids['seo']}&metric=roi&age=1", 200),
    Example("get", "/compare", lambda ids: "/compare?a=chanel:1&b=channel:1", 400),
    Example("get", "/compare", lambda ids: f"/compare?a=channel:{ids['ads']}"
            f"&b=channel:{ids['seo']}&metric=roi&age=-1", 400),
    Example("get", "/compare", lambda ids: "/compare?a=channel:1&b=channel:1", 401,
            authorised=False),
    Example("get", "/segments", lambda ids: f"/segments?channel_id={ids['ads']}", 200),
    Example("get", "/segments", lambda ids: "/segments?channel_id=x", 400),
    Example("get", "/segments", lambda ids: "/segments?channel_id=999999", 404),
    Example("get", "/segments", lambda ids: "/segments", 401, authorised=False),
    Example("get", "/settings", lambda ids: "/settings", 200),
    Example("get", "/settings", lambda ids: "/settings", 401, authorised=False),
    Example("get", "/audit", lambda ids: "/audit?entity=channel", 200),
    Example("get", "/audit", lambda ids: "/audit?since=June", 400),
    Example("get", "/audit", lambda ids: "/audit", 401, authorised=False),
    *WRITE_EXAMPLES,
    *TEST_EXAMPLES,
]


def test_examples_cover_every_documented_operation(spec: dict[str, Any]) -> None:
    documented = {
        (method, path)
        for path, item in spec["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert {(e.method, e.template) for e in EXAMPLES} == documented


def test_real_responses_match_their_documented_schemas(
    client: FlaskClient, db: Session, owner: User, spec: dict[str, Any]
) -> None:
    created = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)
    ids = {
        "ads": factories.channel(
            db, name="Ads", ring="inner", status="focus", ice_impact=9, ice_confidence=6,
            ice_ease=4, launch_days=2, notes="CPC bids", created_at=created,
        ).id,
        "seo": factories.channel(db, name="SEO", kind="seo", created_at=created).id,
    }  # fmt: skip
    ids["test"] = factories.channel_test(db, channel_id=ids["ads"] or 0).id
    headers = bearer(db, owner)
    known = {k: v or 0 for k, v in ids.items()}
    for example in EXAMPLES:
        url = "/api/v1" + example.url(known)
        response = client.open(
            url,
            method=example.method.upper(),
            headers=headers if example.authorised else {},
            json=example.body(known) if example.body else None,
        )
        assert response.status_code == example.status, (url, response.get_json())
        assert_matches_openapi(
            spec, example.method, example.template, example.status, response.get_json()
        )


def test_checker_rejects_a_body_that_breaks_the_schema(spec: dict[str, Any]) -> None:
    location = response_schema_location(spec, "get", "/channels/{channel_id}", 200)
    channel = {
        "id": 1, "name": "Ads", "kind": "sem", "kind_label": "Search engine marketing",
        "ring": "inner", "status": "focus", "launch_days": None, "ice_impact": None,
        "ice_confidence": None, "ice_ease": None, "ice_score": None, "notes": "",
        "created_at": "2024-05-06T08:00:00+00:00",
    }  # fmt: skip
    assert schema_errors(spec, location, {"channel": channel}) == []
    broken = channel | {"ring": "centre", "created_at": "yesterday", "extra": 1}
    errors = schema_errors(spec, location, {"channel": broken})
    assert len(errors) == 3
    assert any("'centre' is not one of" in e for e in errors)
    assert any("'yesterday' is not a 'date-time'" in e for e in errors)
    assert any("'extra' was unexpected" in e for e in errors)
    with pytest.raises(AssertionError, match="status 418 of GET /channels is undocumented"):
        assert_matches_openapi(spec, "get", "/channels", 418, {})
