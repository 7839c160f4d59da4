"""A week-start change's progress is seen by every app process, not just the one running it.

Two Flask apps on the same database and instance folder stand for two gunicorn workers: the
first runs the change (paused inside the re-derivation), the second answers the page's polls.
"""

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app import create_app
from app.jobs import change_progress
from app.jobs.change_progress import INTERRUPTED
from app.models import Lead, SettingsChange, User
from cohorts.rederive import STEPS
from tests import factories
from tests.app.views.test_settings import HX, defaults
from tests.conftest import sign_in


@pytest.fixture
def second_app(app: Flask) -> Flask:
    """Another app instance (another worker): same database and instance folder."""
    return create_app({key: app.config[key] for key in (
        "TESTING", "DATABASE_URL", "WTF_CSRF_ENABLED", "SECRET_KEY", "INSTANCE_DIR")})


@pytest.fixture
def paused(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Pause a running change when it reports its third step: (reached, release)."""
    reached, release = threading.Event(), threading.Event()
    report = change_progress.report

    def pausing(engine: sa.Engine, running: Any, done: int, step: str) -> None:
        report(engine, running, done, step)
        if done == 2:
            reached.set()
            assert release.wait(60), "the test never released the change"

    monkeypatch.setattr(change_progress, "report", pausing)
    yield reached, release
    release.set()


def _section(client: FlaskClient) -> str:
    response = client.get("/settings/change", headers=HX)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_second_app_shows_the_progress_of_a_change_the_first_runs(
    app: Flask, second_app: Flask, owner: User, db: Session,
    paused: tuple[threading.Event, threading.Event],
) -> None:
    reached, release = paused
    ads = factories.channel(db, name="Ads")
    lead = factories.lead(db, ads, datetime(2026, 3, 8, 12, tzinfo=UTC))  # a Sunday
    first, second = sign_in(app.test_client(), owner), sign_in(second_app.test_client(), owner)
    assert "Week start or time zone change" not in _section(second)

    response = first.post("/settings/", data=defaults(week_start="6"), headers=HX)
    assert response.status_code == 200
    assert reached.wait(60), "the change never reached its third step"

    running = _section(second)  # the worker that did not start it
    percent = round(100 * 2 / (len(STEPS) + 1))
    assert f'id="settings-progress" max="100" value="{percent}"' in running
    assert f"Re-deriving {STEPS[2]} (step 3 of {len(STEPS)})" in running
    assert 'hx-trigger="every 1s"' in running  # it keeps polling
    busy = second.post("/settings/", data=defaults(week_start="2"), headers=HX)
    assert busy.status_code == 409  # the second worker knows a change runs
    assert "still being applied" in busy.get_data(as_text=True)

    release.set()
    deadline = time.monotonic() + 60  # a bound on a hang, not a speed assertion
    while "Done: every cohort week" not in (done := _section(second)):
        assert time.monotonic() < deadline, "the second app never saw the change finish"
        time.sleep(0.05)
    assert 'value="100"' in done and "hx-trigger" not in done.split(">")[0]
    db.expire_all()
    assert db.get(Lead, lead.id).cohort_week == date(2026, 3, 8)  # type: ignore[union-attr]


def test_a_change_whose_process_died_is_shown_interrupted_and_a_new_one_may_start(
    app: Flask, owner: User, db: Session
) -> None:
    app.config["SETTINGS_SYNCHRONOUS"] = True
    db.add(SettingsChange(done=1, step=STEPS[1]))  # its process stopped mid-way: no lock held
    db.commit()
    client = sign_in(app.test_client(), owner)
    section = _section(client)
    assert f"Nothing was changed: {INTERRUPTED}" in section
    db.expire_all()
    [row] = db.exec(select(SettingsChange)).all()
    assert row.finished and row.error == INTERRUPTED
    response = client.post("/settings/", data=defaults(week_start="6"), headers=HX)
    assert response.status_code == 200
    assert "Done: every cohort week" in response.get_data(as_text=True)
