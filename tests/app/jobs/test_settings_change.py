"""The settings-change job: waits for a running import's write lock, then leaves the pool as
it found it."""

import sqlite3
import threading

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session

from app.jobs.settings_change import current_change, start_change
from kernel.weeks import DateWindow
from tests.factories import stored_settings


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the busy timeout is SQLite's
def test_the_job_waits_for_the_write_lock_and_restores_the_busy_timeout(
    app: Flask, db: Session
) -> None:
    engine = db.get_bind()
    assert isinstance(engine, sa.Engine)
    holder = sqlite3.connect(engine.url.database or "", check_same_thread=False,
                             isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # an import storing its rows
    release = threading.Timer(0.5, holder.execute, args=("COMMIT",))
    release.start()
    instance_dir = app.config["INSTANCE_DIR"]
    start_change(engine, stored_settings(db) | {"week_start": 6}, window=DateWindow(),
                 instance_dir=instance_dir, synchronous=True)
    release.join()
    holder.close()
    change = current_change(engine, instance_dir)
    assert change is not None and change.finished and change.error is None
    assert stored_settings(db)["week_start"] == 6
    with engine.connect() as connection:  # pooled connections are back to the usual wait
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
