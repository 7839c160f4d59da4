"""Store a settings change in one transaction, re-deriving stored weeks when it must.

A change of week start or time zone rewrites every lead's cohort week, purchase date and
spend week and rebuilds the aggregates (cohorts.rederive): with a million leads that takes
seconds, so the settings page runs it in a background thread and polls its progress. It
holds the bulk-write lock (as imports do), so imports and API batches wait for it and never
mix old and new weeks; readers see the old settings and weeks until the commit, then the new.
Any change other than the digest's marks every cached result and stored fit stale.
"""

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.accounts import audit
from app.models import Settings
from app.settings import ensure_settings
from app.settings_input import DIGEST_FIELDS, FIELDS, WEEK_FIELDS
from cohorts.aggregates import bump_version
from cohorts.rederive import STEPS, rederive_weeks
from ingest.staging import LOCK_WAIT_MS, lock_bulk_writes
from kernel.weeks import DateWindow, utcnow


def stored_values(settings: Settings) -> dict[str, Any]:
    """Return every editable setting's stored value by field name."""
    return {name: getattr(settings, name) for name in FIELDS}


def changed_fields(settings: Settings, values: Mapping[str, Any]) -> list[str]:
    """Return the fields whose new value differs from the stored one."""
    return [name for name in FIELDS if name in values and getattr(settings, name) != values[name]]


def needs_rederive(changed: list[str]) -> bool:
    """Return whether the change moves stored weeks (week start or time zone)."""
    return any(name in WEEK_FIELDS for name in changed)


@dataclass(frozen=True)
class ChangeProgress:
    """How far a settings change got: steps done of STEPS, and how it ended."""

    started_at: datetime
    done: int = 0
    step: str = ""
    finished: bool = False
    error: str | None = None
    changed: tuple[str, ...] = field(default_factory=tuple)

    @property
    def percent(self) -> int:
        """Return the share of steps done, in percent."""
        return 100 if self.finished else round(100 * self.done / (len(STEPS) + 1))


_lock = threading.Lock()
_progress: dict[str, ChangeProgress] = {}  # "current": the newest change in this process


def current_change() -> ChangeProgress | None:
    """Return the newest settings change this process ran or runs (None: none yet)."""
    with _lock:
        return _progress.get("current")


def _report(**changes: Any) -> None:
    with _lock:
        _progress["current"] = replace(_progress["current"], **changes)


def apply_settings(engine: sa.Engine, values: Mapping[str, Any], *, window: DateWindow,
                   report: bool = False) -> list[str]:  # fmt: skip
    """Store `values` (field → value) in one transaction and return the fields that changed.

    `window` bounds the time-zone offsets computed; with `report`, progress goes to
    `current_change()`.
    """
    with Session(engine, expire_on_commit=False) as session:
        connection = session.connection()
        # before reading: nothing changes the weeks meanwhile; the background job waits for a
        # running import as long as imports wait for each other
        _take_write_lock(connection, LOCK_WAIT_MS if report else None)
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
                progress=(lambda done, step: _report(done=done, step=step)) if report else None)
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


class ChangeRunning(Exception):
    """Another settings change is still being applied in this process."""


def start_change(engine: sa.Engine, values: Mapping[str, Any], *, window: DateWindow,
                 synchronous: bool) -> None:  # fmt: skip
    """Apply `values` in a background thread (or now, for tests), reporting progress.

    Raises ChangeRunning while an earlier change is still being applied.
    """
    with _lock:
        running = _progress.get("current")
        if running is not None and not running.finished:
            raise ChangeRunning(running.step)
        _progress["current"] = ChangeProgress(started_at=utcnow())

    actor = audit.current_actor()  # the thread has no request: the audit log names its user

    def run() -> None:
        try:
            with audit.acting_as(actor):
                changed = apply_settings(engine, values, window=window, report=True)
        except Exception as error:  # shown on the page; nothing was stored
            _report(finished=True, error=f"{type(error).__name__}: {error}"[:500])
            return
        _report(finished=True, done=len(STEPS) + 1, step="", changed=tuple(changed))

    if synchronous:
        run()
    else:
        threading.Thread(target=run, name="settings-change", daemon=True).start()


def running_change() -> ChangeProgress | None:
    """Return the change being applied now, if any."""
    change = current_change()
    return change if change is not None and not change.finished else None
