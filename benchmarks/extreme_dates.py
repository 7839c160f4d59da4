"""Peak memory and time of the metric pages when one lead lies at the start of the date window.

A 20k-lead demo (two years) is loaded into a temporary SQLite database; the dashboard,
a channel page, the cohorts page, the metrics API and the metrics export are requested with
an empty metrics cache, measured with tracemalloc (peak of Python and numpy allocations).
The reference is the same requests before one lead created 2000-01-03 (with a purchase
in 2000 and one this week) is added to the first channel. Before the engine was bounded,
a lead in 1900 cost 3.5 GB on the dashboard alone.

    python -m benchmarks extreme_dates [--leads 20000]
"""

import argparse
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

from flask import Flask
from sqlmodel import Session, col, select

from app import create_app
from app.accounts import access
from app.accounts.users import create_token, create_user
from app.db import get_engine
from app.models import Channel, Lead, Purchase, User

PAGES = ["/", "/channels/{id}", "/cohorts/", "/api/v1/metrics/channels",
         "/imports/export/metrics.csv"]  # fmt: skip


def _app(folder: Path, leads: int) -> Flask:
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "SECRET_KEY": "bench",
                      "INSTANCE_DIR": str(folder), "WTF_CSRF_ENABLED": False})  # fmt: skip
    runner = app.test_cli_runner()
    runner.invoke(args=["db", "upgrade"], catch_exceptions=False)
    result = runner.invoke(args=["demo", "--leads", str(leads), "--seed", "7"])
    assert result.exit_code == 0, result.output
    with app.app_context(), Session(get_engine()) as session:
        create_user(session, email="bench@example.com", password="benchmark-pass", role="owner")
        session.commit()
    return app


def _measure(app: Flask, channel_id: int) -> tuple[float, float]:
    """Return (peak MB, seconds) of the pages with an empty metrics cache."""
    app.extensions.pop("metrics_cache", None)
    client = app.test_client()
    with app.app_context(), Session(get_engine()) as session:
        user = session.exec(select(User)).first()
        assert user is not None and user.id is not None
        user_id = user.id
        secret = access.start_session(session, user, app.permanent_session_lifetime)
        session.commit()
        with client.session_transaction() as flask_session:
            flask_session["sid"] = secret  # a server-side session, as a real sign-in
    with app.app_context(), Session(get_engine()) as session:
        owner = session.get(User, user_id)
        assert owner is not None
        _row, token = create_token(session, user=owner, name="bench")
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    tracemalloc.start()
    started = time.perf_counter()
    for page in PAGES:
        response = client.get(page.format(id=channel_id), headers=headers)
        assert response.status_code == 200, (page, response.status_code)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak, seconds


def _add_old_lead(app: Flask) -> int:
    """Add a lead of 2000-01-03 with purchases then and today to the first channel."""
    with app.app_context(), Session(get_engine()) as session:
        channel = session.exec(select(Channel).order_by(col(Channel.id))).first()
        assert channel is not None and channel.id is not None
        lead = Lead(external_id="bench-2000", channel_id=channel.id,
                    created_at=datetime(2000, 1, 3, 9, tzinfo=UTC), cohort_week=date(2000, 1, 3))
        session.add(lead)
        session.flush()
        assert lead.id is not None
        for n, at in enumerate([datetime(2000, 1, 5, tzinfo=UTC), datetime.now(UTC)]):
            session.add(Purchase(external_id=f"bench-2000-{n}", lead_id=lead.id, purchased_at=at,
                                 purchased_on=at.date(), amount_minor=50_00))  # fmt: skip
        session.commit()
        return channel.id


def main(argv: list[str]) -> None:
    """Print peak memory and time of the pages before and after the old lead, and ratios."""
    parser = argparse.ArgumentParser(prog="extreme_dates")
    parser.add_argument("--leads", type=int, default=20_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        app = _app(Path(folder), args.leads)
        with app.app_context(), Session(get_engine()) as session:
            first = session.exec(select(Channel.id).order_by(col(Channel.id))).first() or 0
        _measure(app, first)  # warm up: templates, imports, first connections
        ref_peak, ref_seconds = _measure(app, first)
        channel_id = _add_old_lead(app)
        peak, seconds = _measure(app, channel_id)
    print(f"extreme_dates ({args.leads:,} demo leads; pages: {', '.join(PAGES)})")
    print(f"  demo only:              peak {ref_peak:7.1f} MB  {ref_seconds:6.2f} s")
    print(f"  plus a lead in 2000:    peak {peak:7.1f} MB  {seconds:6.2f} s")
    print(f"  ratio: {peak / ref_peak:.2f}× memory, {seconds / ref_seconds:.2f}× time")
