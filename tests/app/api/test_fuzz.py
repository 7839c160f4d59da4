"""Schemathesis drives every documented API operation with generated requests: never a 5xx.

Examples are bounded per operation so the run stays short; the database starts with a few
channels, leads and purchases so generated ids sometimes hit real rows.
"""

import json
from datetime import date, timedelta
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from app.models import User
from kernel.weeks import date_window
from tests import factories
from tests.api_support import bearer

MON = date(2026, 1, 5)
# Dates (spend weeks, as_of) of every year 1–9999, often the extremes and the window's edges.
EXTREME_DAYS = [date(1, 1, 1), date(1900, 1, 1), date(1999, 12, 31), date(2000, 1, 1),
                date.today(), date_window(date.today()).latest, date(9999, 12, 31)]  # fmt: skip
schemathesis.openapi.format(
    "date", st.one_of(st.sampled_from(EXTREME_DAYS), st.dates()).map(date.isoformat)
)


@pytest.fixture
def api_schema(app: Flask, db: Session) -> Any:
    """Return the app's OpenAPI document loaded by schemathesis, over seeded data."""
    for name in ("Referrals", "Google Ads"):
        channel = factories.channel(db, name=name)
        factories.spend(db, channel, MON, 10000)
        lead = factories.lead(db, channel, MON, external_id=f"{name}-lead")
        factories.purchase(db, lead, MON + timedelta(days=2), 4900)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def token_headers(db: Session, owner: User) -> dict[str, str]:
    """Return an owner's Authorization header (owners may call every operation)."""
    return bearer(db, owner)


def test_generated_requests_never_get_a_server_error(
    api_schema: Any, token_headers: dict[str, str]
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10  # every documented operation is exercised

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)
        def call(case: Any) -> None:
            response = case.call(headers=token_headers)
            where = (case.method, case.formatted_path, response.text[:300])
            assert response.status_code < 500, where
            if response.content:  # every answer, errors included, is JSON — never an HTML page
                json.loads(response.content)

        call()


# Input classes that once made the API answer 500 (issue 12): unpaired surrogates and NUL in
# text, JSON nested deeper than the parser follows, and integers far beyond any id or amount.
NASTY_TEXT = st.lists(
    st.one_of(st.text(max_size=4), st.sampled_from(["\x00", "\ud800", "\udfff", "\U0001f600"])),
    max_size=4,
).map("".join)
HUGE_INTEGERS = st.one_of(
    st.integers(min_value=2**31, max_value=10**400), st.integers(max_value=-1)
)
NASTY_VALUES = st.one_of(NASTY_TEXT, HUGE_INTEGERS, st.none(), st.floats())


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@st.composite
def nasty_bodies(draw: st.DrawFn) -> str:
    """Return the JSON text of a lead batch, a channel or a deeply nested document."""
    shape = draw(st.sampled_from(["leads", "channel", "deep"]))
    if shape == "deep":
        return _deep(draw(st.integers(min_value=500, max_value=200_000)))
    keys = ["external_id", "channel_id", "created_at", "attributes", "test_id"]
    if shape == "channel":
        keys = ["name", "kind", "notes", "launch_days", "ice_impact"]
    item = draw(st.dictionaries(st.sampled_from(keys), NASTY_VALUES, max_size=5))
    if shape == "leads" and draw(st.booleans()):
        item["attributes"] = draw(st.dictionaries(NASTY_TEXT, NASTY_VALUES, max_size=3))
    # ensure_ascii writes surrogates as \\ud800 escapes, as a client in another language would
    return json.dumps([item] if shape == "leads" else item)


def test_nasty_bodies_never_get_a_server_error(
    api_schema: Any, token_headers: dict[str, str], app: Flask
) -> None:
    client = app.test_client()
    paths = {"[": "/api/v1/leads", "{": "/api/v1/channels"}

    @given(body=nasty_bodies())
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)
    def call(body: str) -> None:
        path = paths[body[0]]
        response = client.post(path, data=body, headers=token_headers,
                               content_type="application/json")  # fmt: skip
        assert response.status_code < 500, (path, body[:200], response.text[:300])
        assert response.get_json()  # the JSON answer, errors included

    call()
