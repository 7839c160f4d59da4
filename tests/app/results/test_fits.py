"""Fits run off the request path, per channel: scoped invalidation, stale results, the worker."""

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.db import get_session
from app.jobs import fits as fit_jobs
from app.models import Channel, ChannelFit, User
from app.results.cache import metrics_cache
from app.results.fits import claim, request_fits, stale_rows
from app.results.health import health_state, result_shape, settings_key
from app.results.metrics import economics_settings, parse_as_of, reports
from app.settings import load_settings
from channels.health import HealthSettings
from cohorts.aggregates import channel_versions
from cohorts.report import channel_reports
from kernel.weeks import utcnow
from tests import factories
from tests.api_support import bearer
from tests.fits_support import compute_fits, current_key

MON = date(2025, 9, 1)
AS_OF = date(2026, 1, 4)  # a Sunday 4 weeks after the last cohort week ends: all mature
WEEKS = 14


@pytest.fixture
def two(db: Session) -> dict[str, Channel]:
    """Channels A and B with 14 weekly cohorts of 80 leads (A: 10 buyers a week)."""
    a = factories.channel(db, name="A ads")
    b = factories.channel(db, name="B referrals", kind="business_development")
    spend = [50_000] * WEEKS
    factories.weekly_cohorts(db, a, MON, [10] * WEEKS, 80, spend_by_week=spend)
    factories.weekly_cohorts(db, b, MON, [12, 11, 13, 12, 12, 11, 12, 13, 12, 12, 11, 12, 13, 12],
                             80, spend_by_week=spend)
    return {"a": a, "b": b}


def _health(client: FlaskClient, headers: dict[str, str]) -> dict[int, dict[str, Any]]:
    body = client.get(f"/api/v1/health?as_of={AS_OF}", headers=headers).get_json()
    return {item["channel_id"]: item for item in body}


def _fit_rows(db: Session) -> dict[tuple[int, date], tuple[int | None, Any]]:
    rows = db.connection().execute(sa.select(ChannelFit.channel_id, ChannelFit.as_of,  # type: ignore[call-overload]
                                             ChannelFit.data_version, ChannelFit.computed_at))
    result = {(int(r[0]), r[1]): (r[2], r[3]) for r in rows}
    db.rollback()
    return result


def _add_buyers_to_week_0(db: Session, channel: Channel, buyers: int) -> None:
    factories.weekly_cohorts(db, channel, MON, [buyers], buyers, tag="-more")


def test_a_write_to_one_channel_keeps_the_other_channels_cached_results_and_fits(
    app: Flask, db: Session, two: dict[str, Channel]
) -> None:
    a, b = two["a"].id or 0, two["b"].id or 0
    assert compute_fits(app, AS_OF) == 4  # both channels, as of AS_OF and as of today
    with app.test_request_context():
        as_of = parse_as_of(AS_OF.isoformat())
        reports(as_of)
        assert health_state(as_of).outdated == frozenset()
    before = channel_versions(db.connection())
    db.rollback()
    fits_before = _fit_rows(db)
    _add_buyers_to_week_0(db, two["a"], 8)
    after = channel_versions(db.connection())
    db.rollback()
    assert after[a] > before[a] and after[b] == before[b]
    with app.test_request_context():
        key = ("channel_report", as_of, economics_settings(load_settings()))
        cache = metrics_cache()
        assert cache.lookup((("channel", b, after[b]), key))[0]  # B's report is kept
        assert not cache.lookup((("channel", a, after[a]), key))[0]
        assert health_state(as_of).outdated == frozenset({a})
        stale = stale_rows(get_session(), key=current_key(app), today=parse_as_of(None).day,
                           now=utcnow(), keep=timedelta(hours=1), min_interval=timedelta(0))
    assert {channel for _, channel, _ in stale} == {a}
    assert compute_fits(app) == 2  # only A's two fits are computed again
    fits_after = _fit_rows(db)
    assert all(fits_after[k] == fits_before[k] for k in fits_before if k[0] == b)
    assert all(fits_after[k][0] == after[a] for k in fits_after if k[0] == a)


def test_a_channel_written_again_and_again_is_refitted_at_most_once_per_interval(
    app: Flask, db: Session, two: dict[str, Channel]
) -> None:
    compute_fits(app, AS_OF)
    _add_buyers_to_week_0(db, two["a"], 8)
    assert compute_fits(app, min_interval=3600) == 0  # computed just now: it waits
    assert compute_fits(app, min_interval=0) == 2


def test_per_channel_reports_equal_the_reports_of_all_channels_at_once(
    app: Flask, db: Session, two: dict[str, Channel]
) -> None:
    factories.channel(db, name="C idea")  # no data: a report of zeros
    with app.test_request_context():
        as_of = parse_as_of(AS_OF.isoformat())
        settings = economics_settings(load_settings())
        reports(as_of)  # fill the cache, then change B only
        _add_buyers_to_week_0(db, two["b"], 3)
    with app.test_request_context():
        scoped = reports(as_of)
        whole = channel_reports(session=get_session(), as_of=as_of, settings=settings)
    assert [r.channel.name for r in scoped] == ["A ads", "B referrals", "C idea"]
    assert [repr(r.economics) for r in scoped] == [repr(r.economics) for r in whole]
    assert [list(r.weekly_customers) for r in scoped] == [list(r.weekly_customers) for r in whole]


def test_a_page_shows_the_stale_fit_with_a_notice_until_the_worker_refreshes_it(
    app: Flask, db: Session, client: FlaskClient, viewer: User, two: dict[str, Channel]
) -> None:
    from tests.conftest import sign_in

    a, b = two["a"].id or 0, two["b"].id or 0
    headers = bearer(db, viewer)
    sign_in(client, viewer)
    compute_fits(app, AS_OF)
    assert _health(client, headers)[a]["capacity_per_month_observed"] == pytest.approx(
        10 * 52 / 12)
    _add_buyers_to_week_0(db, two["a"], 8)  # week 0 now has 18 customers

    stale = _health(client, headers)
    assert stale[a]["up_to_date"] is False and stale[b]["up_to_date"] is True
    assert stale[a]["capacity_per_month_observed"] == pytest.approx(10 * 52 / 12)
    page_a = client.get(f"/health/channels/{a}?as_of={AS_OF}").get_data(as_text=True)
    assert "computed just now; newer data is being analysed" in page_a
    assert "Capacity (observed)" in page_a  # the previous result is still shown
    page_b = client.get(f"/health/channels/{b}?as_of={AS_OF}").get_data(as_text=True)
    assert "newer data is being analysed" not in page_b
    alerts = client.get(f"/health/alerts?as_of={AS_OF}").get_data(as_text=True)
    assert "newer data is being analysed" in alerts

    assert compute_fits(app) >= 1
    fresh = _health(client, headers)
    assert fresh[a]["up_to_date"] is True
    # best 4 weeks: (18 + 10 + 10 + 10) / 4 = 12 customers a week
    assert fresh[a]["capacity_per_month_observed"] == pytest.approx(12 * 52 / 12)
    page_a = client.get(f"/health/channels/{a}?as_of={AS_OF}").get_data(as_text=True)
    assert "newer data is being analysed" not in page_a


def test_a_page_asks_for_a_fit_it_does_not_have_and_says_it_is_being_computed(
    app: Flask, db: Session, viewer_client: FlaskClient, two: dict[str, Channel]
) -> None:
    a = two["a"].id or 0
    page = viewer_client.get(f"/health/channels/{a}?as_of={AS_OF}").get_data(as_text=True)
    assert "are being computed" in page and "Capacity (observed)" not in page
    assert (a, AS_OF) in _fit_rows(db)  # the page asked for it
    assert compute_fits(app) == 4
    page = viewer_client.get(f"/health/channels/{a}?as_of={AS_OF}").get_data(as_text=True)
    assert "Capacity (observed)" in page and "being" not in page


def test_an_abandoned_claim_is_taken_again_once_its_lease_expires(
    app: Flask, db: Session, two: dict[str, Channel]
) -> None:
    a = two["a"].id or 0
    with app.app_context():
        session = get_session()
        request_fits(session, channel_ids=[a], as_of=AS_OF, key=current_key(app))
        row_id = session.exec(sa.select(ChannelFit.id).where(  # type: ignore[call-overload]
            ChannelFit.channel_id == a, ChannelFit.as_of == AS_OF)).one()[0]
        lease = timedelta(minutes=5)
        assert claim(session, row_id=row_id, owner="crashed", now=utcnow(), lease=lease)
        assert not claim(session, row_id=row_id, owner="other", now=utcnow(), lease=lease)
    compute_fits(app)  # the worker leaves the claimed row alone while its lease runs
    assert _fit_rows(db)[(a, AS_OF)][0] is None
    db.connection().execute(sa.update(ChannelFit).where(ChannelFit.id == row_id)  # type: ignore[arg-type]
                            .values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert compute_fits(app) == 1
    assert _fit_rows(db)[(a, AS_OF)][0] == channel_versions(db.connection())[a]


def test_a_failing_fit_is_recorded_and_retried_after_a_pause(
    app: Flask, db: Session, two: dict[str, Channel], monkeypatch: pytest.MonkeyPatch
) -> None:
    a = two["a"].id or 0
    real = fit_jobs.compute_channel

    def failing(session: Session, *, channel_id: int, **kwargs: Any) -> Any:
        if channel_id == a:
            raise RuntimeError("optimizer exploded")
        return real(session, channel_id=channel_id, **kwargs)

    monkeypatch.setattr(fit_jobs, "compute_channel", failing)
    assert compute_fits(app, AS_OF) == 2  # B's two fits; A's failed
    row = db.exec(sa.select(ChannelFit).where(ChannelFit.channel_id == a)).first()[0]  # type: ignore[call-overload]
    assert "optimizer exploded" in (row.error or "") and row.data_version is None
    assert row.claimed_until > utcnow() + timedelta(seconds=30)  # backs off, no retry storm
    db.rollback()
    monkeypatch.setattr(fit_jobs, "compute_channel", real)
    assert compute_fits(app) == 0  # still pausing
    db.connection().execute(sa.update(ChannelFit).values(claimed_until=None))
    db.commit()
    assert compute_fits(app) == 2


def test_api_spend_write_moves_only_that_channels_version(
    client: FlaskClient, db: Session, editor: User, two: dict[str, Channel]
) -> None:
    a, b = two["a"].id or 0, two["b"].id or 0
    before = channel_versions(db.connection())
    db.rollback()
    response = client.put(f"/api/v1/channels/{a}/spend", headers=bearer(db, editor),
                          json=[{"week": "2025-09-01", "amount": 1}])
    assert response.status_code == 200, response.get_json()
    after = channel_versions(db.connection())
    assert after[a] == before[a] + 1 and after[b] == before[b]


def test_worker_command_computes_what_is_stale(app: Flask, two: dict[str, Channel]) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "Computed 2 fits." in result.output  # both channels as of today


def test_a_result_the_code_cannot_read_is_handed_back_to_the_worker(
    app: Flask, db: Session, viewer_client: FlaskClient, two: dict[str, Channel]
) -> None:
    a = two["a"].id or 0
    compute_fits(app, AS_OF)
    db.connection().execute(sa.update(ChannelFit).where(ChannelFit.channel_id == a)  # type: ignore[arg-type]
                            .values(payload=b"stored by another version"))
    db.commit()
    page = viewer_client.get(f"/health/channels/{a}?as_of={AS_OF}").get_data(as_text=True)
    assert "are being computed" in page  # not a 500
    assert _fit_rows(db)[(a, AS_OF)][0] is None
    assert compute_fits(app) == 1  # as of AS_OF (today's row was not read yet)
    page = viewer_client.get(f"/health/channels/{a}?as_of={AS_OF}").get_data(as_text=True)
    assert "Capacity (observed)" in page


def test_the_settings_key_changes_with_the_settings_and_the_result_format(app: Flask) -> None:
    base = settings_key(HealthSettings(), 1.0)
    assert settings_key(HealthSettings(), 0.8) != base
    assert settings_key(HealthSettings(mature_weeks=6), 1.0) != base
    assert settings_key(HealthSettings(), 1.0, (0, "UTC")) == base
    assert settings_key(HealthSettings(), 1.0, (6, "UTC")) != base  # week start
    assert settings_key(HealthSettings(), 1.0, (0, "Europe/Berlin")) != base  # time zone
    assert "Capacity(" in result_shape() and "SaturationFit(" in result_shape()


def test_a_fit_computed_while_the_week_start_changed_is_not_shown_as_current(
    app: Flask, db: Session, client: FlaskClient, owner: User, two: dict[str, Channel],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.db import get_engine
    from app.jobs.settings_change import apply_settings
    from kernel.weeks import DateWindow
    from tests.factories import stored_settings

    a = two["a"].id or 0
    headers = bearer(db, owner)
    compute_fits(app, AS_OF)
    assert _health(client, headers)[a]["up_to_date"] is True
    find_stale = fit_jobs.stale_rows

    def change_settings_meanwhile(*args: Any, **kwargs: Any) -> Any:
        rows = find_stale(*args, **kwargs)  # the worker read the old settings before this
        with app.app_context():
            apply_settings(get_engine(), stored_settings(db) | {"week_start": 6},
                           window=DateWindow(date(2000, 1, 1), date(2030, 12, 31)))
        return rows

    monkeypatch.setattr(fit_jobs, "stale_rows", change_settings_meanwhile)
    _add_buyers_to_week_0(db, two["a"], 8)
    assert compute_fits(app) >= 1  # computed with the old week start, from the new weeks
    monkeypatch.undo()
    health = _health(client, headers)
    assert a not in health or health[a]["up_to_date"] is False
    compute_fits(app, AS_OF)
    assert _health(client, headers)[a]["up_to_date"] is True
