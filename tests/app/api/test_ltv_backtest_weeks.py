"""The backtest's holdout length is a setting: validated, used by the worker, shown with it."""

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.db import get_session
from app.models import User
from cohorts.as_of import AsOf
from cohorts.ltv.channels import backtest
from tests import factories
from tests.api_support import bearer
from tests.factories import stored_settings
from tests.fits_support import compute_fits
from tests.ltv_support import MON, store_customers

AS_OF = MON + timedelta(days=146)


@pytest.mark.parametrize(("value", "message"), [
    (0, "must be between 1 and 104"), (105, "must be between 1 and 104"),
    ("six", "must be an integer")])
def test_a_holdout_outside_1_to_104_weeks_is_refused_naming_the_field(
    client: FlaskClient, db: Session, owner: User, value: object, message: str
) -> None:
    response = client.patch("/api/v1/settings", json={"ltv_backtest_weeks": value},
                            headers=bearer(db, owner))
    assert response.status_code == 422
    fields = response.get_json()["error"]["details"]["fields"]
    assert list(fields) == ["ltv_backtest_weeks"] and message in fields["ltv_backtest_weeks"]
    assert stored_settings(db)["ltv_backtest_weeks"] == 26


def test_the_worker_backtests_over_the_set_weeks_and_the_pages_say_so(
    app: Flask, client: FlaskClient, viewer_client: FlaskClient, db: Session, owner: User
) -> None:
    big, small = factories.channel(db, name="Big"), factories.channel(db, name="Small")
    store_customers(db, big.id, 300, seed=3)
    store_customers(db, small.id, 30, seed=4)
    headers = bearer(db, owner)
    response = client.patch("/api/v1/settings", json={"ltv_backtest_weeks": 8},
                            headers=headers)
    assert response.status_code == 200, response.get_json()
    url = f"/api/v1/metrics/ltv-backtest?as_of={AS_OF}"
    assert client.get(url, headers=headers).get_json()["weeks"] == 8  # computing: the setting
    compute_fits(app)
    body = client.get(url, headers=headers).get_json()
    assert body["weeks"] == 8 and body["status"] == "fitted"
    with app.app_context():
        as_of = AsOf(AS_OF)
        eight = backtest(session=get_session(), as_of=as_of, weeks=8)
        default = backtest(session=get_session(), as_of=as_of, weeks=26)
    assert [row["projected"] for row in body["channels"]] == pytest.approx(
        [eight.channels[c].projected_minor / 100 for c in sorted(eight.channels)], abs=0.01)
    assert [row["actual"] for row in body["channels"]] != pytest.approx(
        [default.channels[c].actual_minor / 100 for c in sorted(default.channels)], abs=0.01)
    page = viewer_client.get(f"/channels/{big.id}?as_of={AS_OF}").get_data(as_text=True)
    assert "8 weeks ago, the model would have projected" in page
