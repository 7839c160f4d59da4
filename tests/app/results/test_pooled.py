"""Pooled results are served stale while one background thread recomputes them; each
channel's own results stay exact."""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.results import metrics
from app.results.cache import cached, metrics_cache, pooled_computed_at
from kernel.weeks import utcnow, week_of
from tests import factories
from tests.edit_forms import spend_row_state


def _in_request(app: Flask, compute: Callable[[], int]) -> tuple[int, bool]:
    """Return the pooled value of key "k" in a new request, and whether it was stale."""
    with app.test_request_context():
        return cached("k", compute), pooled_computed_at() is not None


def _wait_for_refresh(app: Flask) -> None:
    """Wait (bounded) until no background recomputation of "k" runs."""
    with app.app_context():
        cache = metrics_cache()
    for _ in range(3000):
        if not cache.refreshing("k"):
            return
        threading.Event().wait(0.01)
    raise AssertionError("the background recomputation did not finish")


def test_a_pooled_result_is_served_stale_while_one_recompute_runs(
    app: Flask, db: Session
) -> None:
    app.config["POOLED_REFRESH_SECONDS"] = 0
    assert _in_request(app, lambda: 1) == (1, False)  # nothing computed yet: in the request
    factories.channel(db)  # new data
    started, release, calls = threading.Event(), threading.Event(), []

    def slow() -> int:
        calls.append(1)
        started.set()
        assert release.wait(timeout=30)
        return 2

    assert _in_request(app, slow) == (1, True)  # stale at once, recompute started
    assert started.wait(timeout=30)
    assert _in_request(app, slow) == (1, True)  # still stale: no second recompute
    assert _in_request(app, slow) == (1, True)
    release.set()
    _wait_for_refresh(app)
    assert calls == [1]
    assert _in_request(app, slow) == (2, False)  # the recomputed value, current
    with app.app_context():
        assert metrics_cache().refreshes == 1


def test_a_recent_result_waits_before_it_is_recomputed(app: Flask, db: Session) -> None:
    """Within POOLED_REFRESH_SECONDS of its computation a stale result is served as it is."""
    app.config["POOLED_REFRESH_SECONDS"] = 3600
    assert _in_request(app, lambda: 1) == (1, False)
    factories.channel(db)
    assert _in_request(app, lambda: 2) == (1, True)
    with app.app_context():
        assert metrics_cache().refreshes == 0


def test_a_failed_recompute_keeps_the_stale_value_and_is_tried_again(
    app: Flask, db: Session
) -> None:
    app.config["POOLED_REFRESH_SECONDS"] = 0
    assert _in_request(app, lambda: 1) == (1, False)
    factories.channel(db)

    def broken() -> int:
        raise RuntimeError("boom")

    assert _in_request(app, broken) == (1, True)
    _wait_for_refresh(app)
    assert _in_request(app, lambda: 3) == (1, True)
    _wait_for_refresh(app)
    assert _in_request(app, lambda: 4) == (3, False)


def test_a_writer_sees_their_own_spend_in_the_channel_page_at_once(
    editor_client: FlaskClient, db: Session
) -> None:
    """Pooled parts (customer tiers) may lag, the channel's own numbers never do."""
    editor_client.application.config["POOLED_REFRESH_SECONDS"] = 3600
    a, b = factories.channel(db, name="A"), factories.channel(db, name="B")
    week = week_of(utcnow().date()) - timedelta(weeks=1)
    buyer = factories.lead(db, a, week)
    factories.purchase(db, buyer, week, 100_00)
    factories.spend(db, a, week, 10_00)
    html = editor_client.get(f"/channels/{a.id}").get_data(as_text=True)
    assert 'id="channel-spend">10.00 USD</span>' in html and "newer data arriving" not in html
    factories.lead(db, b, week)  # another channel's write: tiers are now stale
    read = spend_row_state(editor_client, a, week)
    response = editor_client.post(f"/channels/{a.id}/spend/{week}",
                                  data={"amount": "30", **read}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = editor_client.get(f"/channels/{a.id}").get_data(as_text=True)
    assert 'id="channel-spend">30.00 USD</span>' in html
    assert '<span class="label">CAC</span><span class="value">30.00 USD</span>' in html
    assert "newer data arriving" in html  # the pooled customer tiers are older


def test_a_write_to_one_channel_recomputes_only_its_report(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = factories.channel(db, name="A"), factories.channel(db, name="B")
    asked: list[list[int]] = []
    original = metrics.channel_reports

    def counting(**kwargs: object) -> object:
        asked.append(sorted(kwargs["channel_ids"]))  # type: ignore[call-overload]
        return original(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(metrics, "channel_reports", counting)
    with app.test_request_context():
        assert [r.channel.name for r in metrics.reports(metrics.parse_as_of(None))] == ["A", "B"]
    factories.lead(db, a, utcnow().date())
    with app.test_request_context():
        found = metrics.reports(metrics.parse_as_of(None))
    assert asked == [sorted([a.id or 0, b.id or 0]), [a.id]]
    assert found[0].economics.leads == 1
