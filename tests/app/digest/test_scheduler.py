"""The scheduler: follows settings changes, embedded or off, and `flask scheduler run`."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlmodel import Session, select

from app.db import make_engine, upgrade
from app.digest.scheduler import JOB_ID, DigestScheduler, start_embedded
from app.models import DigestRun, Settings
from app.settings import ensure_settings
from kernel.weeks import week_of
from tests.digest_support import RECIPIENTS, running_smtp


def _settings(db: Session, **values: object) -> None:
    row = db.get(Settings, 1)
    assert row is not None
    for name, value in values.items():
        setattr(row, name, value)
    db.add(row)
    db.commit()


def test_refresh_follows_the_settings_row(app: Flask, db: Session) -> None:
    scheduler = DigestScheduler(app)  # never started: only its jobs are looked at
    scheduler.refresh()
    job = scheduler.scheduler.get_job(JOB_ID)
    assert job is not None and str(job.trigger) == "cron[day_of_week='0', hour='8', minute='0']"
    _settings(db, digest_weekday=4, digest_time="17:45", timezone="Europe/Berlin")
    scheduler.refresh()
    job = scheduler.scheduler.get_job(JOB_ID)
    assert str(job.trigger) == "cron[day_of_week='4', hour='17', minute='45']"
    assert job.trigger.timezone == ZoneInfo("Europe/Berlin")
    _settings(db, digest_enabled=False)
    scheduler.refresh()
    assert scheduler.scheduler.get_job(JOB_ID) is None
    assert scheduler.run_scheduled() is None  # a run already queued does nothing when off


def test_embedded_or_off(app: Flask) -> None:
    app.config["BULLSEYE_SCHEDULER"] = "off"
    assert start_embedded(app) is None
    app.config["BULLSEYE_SCHEDULER"] = "sometimes"
    with pytest.raises(ValueError, match="embedded or off"):
        start_embedded(app)
    app.config.update(BULLSEYE_SCHEDULER="embedded", DIGEST_RECIPIENTS="")
    scheduler = start_embedded(app)
    try:
        assert scheduler is not None and scheduler.scheduler.running
        assert {j.id for j in scheduler.scheduler.get_jobs()} >= {
            JOB_ID, "weekly-email-settings"}
    finally:
        assert scheduler is not None
        scheduler.shutdown()


def test_scheduler_run_catches_up_a_missed_week_in_its_own_process(tmp_path: Path) -> None:
    """`flask scheduler run` sends the week whose run was missed yesterday, once."""
    url = f"sqlite:///{tmp_path / 'bullseye.db'}"
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    yesterday = now - timedelta(days=1)
    with Session(engine) as session:
        row = ensure_settings(session)
        row.digest_weekday, row.digest_time = yesterday.weekday(), yesterday.strftime("%H:%M")
        session.commit()
    engine.dispose()
    expected = week_of(yesterday.date()) - timedelta(days=7)
    for server in running_smtp():
        env = os.environ | {
            "DATABASE_URL": url, "SECRET_KEY": "t", "BULLSEYE_INSTANCE": str(tmp_path),
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(server.port),
            "DIGEST_RECIPIENTS": ",".join(RECIPIENTS), "DIGEST_RETRY_SECONDS": "0",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "scheduler", "run"], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(600):  # waits for the message, at most a minute
                if server.inbox.received or process.poll() is not None:
                    break
                time.sleep(0.1)
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
        assert len(server.inbox.received) == 1, (out, err)
        subject = server.inbox.received[0][1]["Subject"]
        assert subject.startswith(f"Bullseye weekly — week of {expected.isoformat()}:")
        assert "scheduler running" in out


def test_catch_up_sends_within_the_window_and_not_after(app: Flask, db: Session,
                                                        smtp: object) -> None:
    due = datetime(2026, 10, 12, 8, tzinfo=UTC)  # Monday 08:00 UTC: the week of 2026-10-05
    late = DigestScheduler(app, clock=lambda: due + timedelta(days=3, minutes=1))
    assert late.catch_up() is None
    assert db.exec(select(DigestRun)).all() == []
    in_time = DigestScheduler(app, clock=lambda: due + timedelta(days=3))
    outcome = in_time.catch_up()
    assert outcome is not None and outcome.status == "sent" and outcome.week == date(2026, 10, 5)
    app.config["DIGEST_CATCH_UP_DAYS"] = 7
    assert late.catch_up().status == "already_sent"  # type: ignore[union-attr]
