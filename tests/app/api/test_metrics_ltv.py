"""The projected LTV in /api/v1/metrics/channels and the backtest, once the worker has fitted."""

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.models import User
from app.results.ltv import channel_projected_ltv
from app.results.metrics import parse_as_of, today
from tests import factories
from tests.api_support import bearer
from tests.fits_support import compute_fits
from tests.ltv_support import MON, store_customers
from tests.openapi_check import assert_matches_openapi

AS_OF = MON + timedelta(days=146)


def test_projection_fields_backtest_and_rule(app: Flask, client: FlaskClient, db: Session,
                                             viewer: User) -> None:
    big, small = factories.channel(db, name="Big"), factories.channel(db, name="Small")
    store_customers(db, big.id, 300, seed=3)
    store_customers(db, small.id, 30, seed=4)
    factories.spend(db, big, MON, 300 * 2000)  # CAC 20.00
    factories.spend(db, small, MON, 30 * 100_000)  # CAC 1,000.00: fails LTV ≥ 3 × CAC
    headers = bearer(db, viewer)
    url = f"/api/v1/metrics/channels?as_of={AS_OF}"

    before = client.get(url, headers=headers).get_json()["channels"][0]
    assert before["ltv_projection"]["status"] == "computing"
    assert before["ltv_projection"]["method"] == "chain_ladder"
    compute_fits(app)  # the worker computes the day the page asked for

    spec = client.get("/api/v1/openapi.json").get_json()
    body = client.get(url, headers=headers).get_json()
    assert_matches_openapi(spec, "get", "/metrics/channels", 200, body)
    big_row, small_row = body["channels"]
    projection = big_row["ltv_projection"]
    assert projection["method"] == "bg_nbd_gamma_gamma" and projection["status"] == "fitted"
    assert projection["horizon_weeks"] == 52
    assert projection["basis"] == ("projected to 52 weeks by a repeat-purchase model from 330 "
                                   "customers; this channel's 300 customers weigh 75 %")
    low, high = big_row["ltv_projected_interval"]["low"], big_row["ltv_projected_interval"]["high"]
    assert low < big_row["ltv_projected"] < high
    assert big_row["ltv_projected"] >= big_row["ltv"]  # observed revenue is its floor
    assert big_row["ltv_to_cac_projected"] == pytest.approx(big_row["ltv_projected"] / 20, 1e-3)
    assert big_row["ltv_to_cac_projected_interval"]["low"] == pytest.approx(low / 20, 1e-3)
    assert small_row["rules"]["ltv_to_cac"] == "fail"
    assert small_row["ltv_projection"]["payback_weeks_projected"] is None
    payback = big_row["ltv_projection"]["payback_weeks_projected"]
    assert payback is not None and 0 <= payback < 52

    with app.test_request_context():
        found = channel_projected_ltv(parse_as_of(str(AS_OF)), today(), small.id)
    assert found is not None and found.ltv_minor / 100 == pytest.approx(
        small_row["ltv_projected"], abs=0.01)

    back = client.get(f"/api/v1/metrics/ltv-backtest?as_of={AS_OF}", headers=headers).get_json()
    assert_matches_openapi(spec, "get", "/metrics/ltv-backtest", 200, back)
    assert back["weeks"] == 26 and back["status"] in ("fitted", "not_enough_data")
