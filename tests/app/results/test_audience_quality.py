"""The audience fit under account quality by projected LTV, around the stored LTV fit."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.db import get_session
from app.models import AudienceFit, Settings
from app.results import audience, ltv
from app.results.metrics import parse_as_of
from app.settings import ensure_settings, load_settings
from tests import factories

KEEP = timedelta(hours=1)


def _projected_ltv(db: Session) -> None:
    ensure_settings(db)
    db.execute(sa.update(Settings).values(account_quality="projected_ltv"))
    db.commit()


def test_an_ltv_fit_without_a_model_fails_the_audience_fit_with_its_reason(
        app: Flask, db: Session, viewer_client: FlaskClient) -> None:
    """Too few customers for the repeat-purchase model: the audience fit is not made by
    revenue × margin instead; it fails naming why and what to do."""
    channel = factories.channel(db)
    for day in range(3):
        lead = factories.lead(db, channel, date.today() - timedelta(days=30 + day))
        factories.purchase(db, lead, date.today() - timedelta(days=10), 5_000)
    _projected_ltv(db)
    with app.app_context():
        session, today = get_session(), parse_as_of(None)
        assert audience.ltv_waiting(session, load_settings(), today.day)
        assert audience.refresh_stale(session, settings=load_settings(), today=today,
                                      keep=KEEP) == 0
        ltv.refresh_stale(session, today=today, keep=KEEP)
        stored = ltv.stored_projections(session, load_settings(), today.day)
        assert stored is not None and stored.pooled is None and stored.models == {}
        assert not audience.ltv_waiting(session, load_settings(), today.day)
        assert audience.refresh_stale(session, settings=load_settings(), today=today,
                                      keep=KEEP) == 0
    db.expire_all()
    [row] = db.exec(sa.select(AudienceFit)).scalars()  # type: ignore[call-overload]
    assert row.payload is None
    assert row.error == ("account quality is set to projected LTV, but the repeat-purchase "
                         "model has no fit (fewer than 20 customers); choose revenue × margin "
                         "in the settings meanwhile")
    html = viewer_client.get("/audience/").get_data(as_text=True)
    assert "The last fit failed: account quality is set to projected LTV" in html
    assert "audience-waits-for-ltv" not in html


def test_revenue_margin_never_waits_for_the_ltv_fit(app: Flask, db: Session) -> None:
    ensure_settings(db)
    with app.app_context():
        assert not audience.ltv_waiting(get_session(), load_settings())
