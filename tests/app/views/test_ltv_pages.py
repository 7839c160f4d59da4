"""The repeat-purchase projection on the dashboard and the channel page, after a worker pass."""

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlmodel import Session

from tests import factories
from tests.api_support import bearer
from tests.fits_support import compute_fits
from tests.ltv_support import MON, store_customers

AS_OF = MON + timedelta(days=146)


def test_pages_show_the_projection_its_interval_basis_cross_check_and_backtest(
    app: Flask, db: Session, viewer_client: FlaskClient, viewer: object
) -> None:
    big, small = factories.channel(db, name="Big"), factories.channel(db, name="Small")
    store_customers(db, big.id, 300, seed=3)
    store_customers(db, small.id, 30, seed=4)
    factories.spend(db, big, MON, 300 * 2000)
    factories.spend(db, small, MON, 30 * 2000)
    page = f"/channels/{small.id}?as_of={AS_OF}"
    assert "model: computing" in viewer_client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
    compute_fits(app)

    api = viewer_client.get(f"/api/v1/metrics/channels?as_of={AS_OF}",
                            headers=bearer(db, viewer)).get_json()  # type: ignore[arg-type]
    small_api = next(c for c in api["channels"] if c["name"] == "Small")
    assert small_api["ltv_projected_interval"] is not None, small_api["ltv_projection"]
    low = small_api["ltv_projected_interval"]["low"]
    high = small_api["ltv_projected_interval"]["high"]

    dashboard = viewer_client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
    row = re.search(r'<tr data-channel="Small">.*?</tr>', dashboard, re.S)
    assert row is not None
    assert (f"projected {small_api['ltv_projected']:,.2f}<br>80 %: {low:,.2f}–{high:,.2f}"
            "<br>52 wk · own data 23 %") in row.group(0)
    assert escape(small_api["ltv_projection"]["basis"]) in row.group(0)  # the cell's title

    html = viewer_client.get(page).get_data(as_text=True)
    assert escape(small_api["ltv_projection"]["basis"]) in html
    assert f"80 % interval {low:,.2f} USD – {high:,.2f} USD" in html
    assert "LTV (chain-ladder cross-check)" in html and "Payback (projected)" in html
    assert "How far to trust the projection" in html
