"""Store a settings change in one transaction, re-deriving stored weeks when it must.

A change of week start or time zone rewrites every lead's cohort week, purchase date and
spend week and rebuilds the aggregates (cohorts.rederive): with a million leads that takes
seconds, so the settings page runs it in a background thread and polls its progress, kept
where every app process sees it (app.jobs.change_progress). It
holds the bulk-write lock (as imports do), so imports and API batches wait for it and never
mix old and new weeks; readers see the old settings and weeks until the commit, then the new.
Any change other than the digest's marks every cached result and stored fit stale.
"""

import threading
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.accounts import audit
from app.jobs import change_progress
from app.jobs.change_progress import ChangeProgress
from app.models import Settings
from app.settings import ensure_settings
from app.settings_input import DIGEST_FIELDS, FIELDS, WEEK_FIELDS
from cohorts.aggregates import bump_version
from cohorts.rederive import rederive_weeks
from ingest.staging import LOCK_WAIT_MS, lock_bulk_writes
from kernel.weeks import DateWindow


def stored_values(settings: Settings) -> dict[str, Any]:
    """Return every editable setting's stored value by field name."""
    return {name: getattr(settings, name) for name in FIELDS}


def changed_fields(settings: Settings, values: Mapping[str, Any]) -> list[str]:
    """Return the fields whose new value differs from the stored one."""
    return [name for name in FIELDS if name in values and getattr(settings, name) != values[name]]


def needs_rederive(changed: list[str]) -> bool:
    """Return whether the change moves stored weeks (week start or time zone)."""
    return any(name in WEEK_FIELDS for name in changed)


def apply_settings(engine: sa.Engine, values: Mapping[str, Any], *, window: DateWindow,
                   running: change_progress.RunningChange | None = None) -> list[str]:  # fmt: skip
    """Store `values` (field → value) in one transaction and return the fields that changed.

    `window` bounds the time-zone offsets computed; with `running` (the background job),
    the change's row is stored first and its progress reported (app.jobs.change_progress).
    """
    if running is not None:  # its own transaction: every process sees the change start
        with engine.begin() as connection:
            if connection.dialect.name == "sqlite":  # any write waits for a running import
                _take_write_lock(connection, LOCK_WAIT_MS)
            change_progress.store_start(connection, running)
    with Session(engine, expire_on_commit=False) as session:
        connection = session.connection()
        # before reading: nothing changes the weeks meanwhile; the background job waits for a
        # running import as long as imports wait for each other
        _take_write_lock(connection, LOCK_WAIT_MS if running else None)
        settings = ensure_settings(session)
        changed = changed_fields(settings, values)
        for name in changed:
            setattr(settings, name, values[name])
        session.add(settings)
        session.flush()
        if needs_rederive(changed):
            rederive_weeks(
                connection, week_start=settings.week_start, timezone=settings.timezone,
                window=window,
                progress=None if running is None else (
                    lambda done, step: change_progress.report(engine, running, done, step)))
        elif any(name not in DIGEST_FIELDS for name in changed):
            bump_version(connection, None)  # results cached under the old settings are stale
        session.commit()
    return changed


def _take_write_lock(connection: sa.Connection, wait_ms: int | None) -> None:
    """Take the bulk-write lock; on SQLite wait up to `wait_ms` (None: the usual timeout)."""
    sqlite = connection.dialect.name == "sqlite"
    if not sqlite or wait_ms is None:
        lock_bulk_writes(connection)
        return
    usual = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait_ms)}")
    try:
        lock_bulk_writes(connection)
    finally:  # pooled connections keep it otherwise
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(usual or 0)}")


def start_change(engine: sa.Engine, values: Mapping[str, Any], *, window: DateWindow,
                 instance_dir: str, synchronous: bool) -> None:  # fmt: skip
    """Apply `values` in a background thread (or now, for tests), reporting progress where
    every process sees it.

    Raises ChangeRunning while an earlier change is still being applied by any process.
    """
    running = change_progress.begin(instance_dir)
    actor = audit.current_actor()  # the thread has no request: the audit log names its user

    def run() -> None:
        try:
            with audit.acting_as(actor):
                changed = apply_settings(engine, values, window=window, running=running)
        except Exception as error:  # shown on the page; nothing was stored
            change_progress.finish(engine, running,
                                   error=f"{type(error).__name__}: {error}"[:500])
            return
        change_progress.finish(engine, running, changed=tuple(changed))

    if synchronous:
        run()
    else:
        threading.Thread(target=run, name="settings-change", daemon=True).start()


def current_change(engine: sa.Engine, instance_dir: str) -> ChangeProgress | None:
    """Return the newest settings change of any process (None: none yet)."""
    return change_progress.latest(engine, instance_dir)


def running_change(engine: sa.Engine, instance_dir: str) -> ChangeProgress | None:
    """Return the change being applied now by any process, if any."""
    change = current_change(engine, instance_dir)
    return change if change is not None and not change.finished else None
