"""The decisions panel judges LTV ≥ 3 × CAC by the same interval rule as the rows and the API."""

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.models import User, WeeklySpend
from tests import factories
from tests.api_support import bearer
from tests.fits_support import compute_fits
from tests.ltv_support import MON, store_customers

AS_OF = MON + timedelta(days=146)
WEEK = AS_OF - timedelta(days=6)  # the week ending on AS_OF (Monday weeks)


def _listed_ltv(html: str) -> set[int]:
    panel = re.search(r'<section id="decisions".*?</section>', html, re.S)
    assert panel, "no decisions panel"
    return {int(cid) for cid in re.findall(
        r'data-kind="fails_ltv_to_cac" data-channel-id="(\d+)"', panel.group(0))}


def _set_spend(db: Session, channel_id: int, amount_minor: int) -> None:
    row = db.exec(select(WeeklySpend).where(WeeklySpend.channel_id == channel_id)).one()
    row.amount_minor = amount_minor
    db.add(row)
    db.commit()


def test_panel_lists_ltv_failures_by_the_interval_rule_like_the_api(
    app: Flask, db: Session, viewer_client: FlaskClient, viewer: User
) -> None:
    big = factories.channel(db, name="Big", ring="inner", status="focus")
    small = factories.channel(db, name="Small", ring="inner", status="focus")
    store_customers(db, big.id, 300, seed=3)
    store_customers(db, small.id, 30, seed=4)
    factories.spend(db, big, MON, 300 * 2000)
    factories.spend(db, small, MON, 30 * 2000)
    url = f"/api/v1/metrics/channels?as_of={AS_OF}"
    headers = bearer(db, viewer)
    viewer_client.get(url, headers=headers)
    compute_fits(app)  # the projection does not depend on spend: it stays valid below
    row = next(c for c in viewer_client.get(url, headers=headers).get_json()["channels"]
               if c["name"] == "Small")
    low, high = row["ltv_projected_interval"]["low"], row["ltv_projected_interval"]["high"]
    observed = row["ltv"]
    assert observed < (low + high) / 2 < high

    # CAC at the interval's midpoint / 3: the point LTV:CAC (observed LTV) is below 3 and the
    # projected 80 % interval straddles 3. The point rule says "fail"; the interval rule
    # says "undecided": neither the API nor the panel may call it failing.
    cac_minor = round((low + high) / 2 / 3 * 100)
    _set_spend(db, small.id, 30 * cac_minor)
    row = next(c for c in viewer_client.get(url, headers=headers).get_json()["channels"]
               if c["name"] == "Small")
    assert row["ltv_to_cac"] < 3 and row["ltv_to_cac_projected_interval"]["low"] < 3 \
        < row["ltv_to_cac_projected_interval"]["high"]
    assert row["rules"]["ltv_to_cac"] == "undecided"
    html = viewer_client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
    assert small.id not in _listed_ltv(html)
    small_row = re.search(r'<tr data-channel="Small">.*?</tr>', html, re.S)
    assert small_row and 'class="rule rule-undecided"' in small_row.group(0)
    # The weekly email of the week ending on AS_OF: the same rule in its table and list.
    email = viewer_client.get(f"/digest/preview?week={WEEK}&format=text").get_data(as_text=True)
    assert "- Small: " in email and "LTV:CAC rule undecided" in email
    assert "Small fails LTV" not in email

    # CAC so high that the whole interval is below 3: the API says fail, the panel lists it
    # with the interval it was judged on.
    cac_minor = round(high / 2 * 100)
    _set_spend(db, small.id, 30 * cac_minor)
    row = next(c for c in viewer_client.get(url, headers=headers).get_json()["channels"]
               if c["name"] == "Small")
    assert row["rules"]["ltv_to_cac"] == "fail"
    html = viewer_client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
    assert small.id in _listed_ltv(html)
    interval = row["ltv_to_cac_projected_interval"]
    assert f"projected LTV:CAC {interval['low']:.2f}–{interval['high']:.2f} (80 % interval)" \
        in html
    email = viewer_client.get(f"/digest/preview?week={WEEK}&format=text").get_data(as_text=True)
    assert "Small fails LTV ≥ 3 × CAC" in email
    assert f"projected LTV:CAC {interval['low']:.2f}–{interval['high']:.2f}" in email

    # Every inner-ring channel is listed exactly when the API's rule says fail.
    body = viewer_client.get(url, headers=headers).get_json()["channels"]
    assert {c["channel_id"] for c in body if c["rules"]["ltv_to_cac"] == "fail"} \
        == _listed_ltv(html)
