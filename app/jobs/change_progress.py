"""Where a settings change's progress is kept, so every process's settings page shows it.

With several app processes (gunicorn workers), the one that runs a week-start or time-zone
change is rarely the one that answers the page's next poll. So the change is a row of
`settings_change`, written when it starts and when it ends, and the newest row is what every
process shows.

The steps in between cannot always go to the row: on SQLite the change holds the
database's only write lock until it commits, and a progress write from another connection
would wait for it. There they go to the lock file in the instance folder, which every
process on the host reads (SQLite is one host's file anyway); on PostgreSQL they go to the
row, each in its own short transaction, visible at once.

The lock file also tells a running change from one whose process died: the process that
runs a change holds an exclusive flock on it until the row says finished. The system drops
a dead process's lock, so a reader that can take it marks the row interrupted (as import
jobs do with their uploads): no clock, no heartbeat.
"""

import fcntl
import json
import logging
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlmodel import col

from app.models import SettingsChange
from cohorts.rederive import STEPS
from kernel.weeks import utcnow

LOCK_FILE = "settings-change.lock"
INTERRUPTED = ("the server stopped or restarted before the change finished; nothing was "
               "changed. Save the settings again.")
log = logging.getLogger(__name__)


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


class ChangeRunning(Exception):
    """Another settings change is still being applied (by this or another process)."""


@dataclass
class RunningChange:
    """A change this process runs: its row (None until stored), its held lock file and
    when it started."""

    lock: IO[str]
    started_at: datetime
    id: int | None = None


def _lock_path(instance_dir: str) -> Path:
    return Path(instance_dir) / LOCK_FILE


def begin(instance_dir: str) -> RunningChange:
    """Take the change lock (raise ChangeRunning if a process holds it) and show the change
    as started to every process; `store_start` then stores its row."""
    path = _lock_path(instance_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.open("a+", encoding="utf-8")
    for attempt in range(5):  # a reader may hold it shared for an instant (_read_live)
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if attempt == 4:
                lock.close()
                raise ChangeRunning(path) from None
            time.sleep(0.02)
    running = RunningChange(lock, utcnow())
    _write_live(running, 0, "")
    return running


def store_start(conn: sa.Connection, running: RunningChange) -> None:
    """Insert the change's row in the caller's transaction (which holds the write lock)."""
    running.id = conn.execute(sa.insert(SettingsChange).values(
        started_at=running.started_at, done=0, step="", finished=False, changed="",
    ).returning(col(SettingsChange.id))).scalar_one()
    _write_live(running, 0, "")


def _write_live(running: RunningChange, done: int, step: str) -> None:
    running.lock.seek(0)
    running.lock.truncate()
    running.lock.write(json.dumps({"id": running.id, "done": done, "step": step,
                                   "started_at": running.started_at.isoformat()}))
    running.lock.flush()


def report(engine: sa.Engine, running: RunningChange, done: int, step: str) -> None:
    """Record that `done` steps are done and `step` is under way (see the module docs)."""
    _write_live(running, done, step)
    if engine.dialect.name != "sqlite" and running.id is not None:
        with engine.begin() as conn:
            conn.execute(sa.update(SettingsChange)
                         .where(col(SettingsChange.id) == running.id)
                         .values(done=done, step=step))


def finish(engine: sa.Engine, running: RunningChange, *, error: str | None = None,
           changed: tuple[str, ...] = ()) -> None:  # fmt: skip
    """Store how the change ended, then release its lock."""
    try:
        values: dict[str, Any] = {"finished": True, "error": error, "step": "",
                                  "changed": ",".join(changed)}
        if error is None:
            values["done"] = len(STEPS) + 1
        with engine.begin() as conn:
            if running.id is None:  # it failed before its row was stored
                conn.execute(sa.insert(SettingsChange).values(
                    started_at=running.started_at, done=0, **values))
            else:
                conn.execute(sa.update(SettingsChange)
                             .where(col(SettingsChange.id) == running.id).values(**values))
    finally:
        running.lock.close()  # drops the flock


def latest(engine: sa.Engine, instance_dir: str) -> ChangeProgress | None:
    """Return the newest change of any process (None: none yet), marking it interrupted if
    its process died."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(SettingsChange)
                           .order_by(col(SettingsChange.id).desc()).limit(1)).one_or_none()
    live = _read_live(instance_dir)
    if live is not None and (row is None or live.get("id") != row.id):
        # started, its row not stored yet (it waits for the write lock)
        return ChangeProgress(started_at=datetime.fromisoformat(live["started_at"]))
    if row is None:
        return None
    change = _progress(row)
    if change.finished:
        return change
    if live is None:  # its process died: nothing will finish it
        return _interrupt(engine, row.id, change)
    if engine.dialect.name == "sqlite":  # the row cannot hold the steps there
        return replace(change, done=int(live["done"]), step=str(live["step"]))
    return change


def _progress(row: Any) -> ChangeProgress:
    return ChangeProgress(started_at=row.started_at, done=row.done, step=row.step,
                          finished=row.finished, error=row.error,
                          changed=tuple(name for name in row.changed.split(",") if name))


def _read_live(instance_dir: str) -> dict[str, Any] | None:
    """Return the lock file's progress while a process holds the lock, else None."""
    try:
        lock = _lock_path(instance_dir).open("r", encoding="utf-8")
    except FileNotFoundError:
        return None
    with lock:  # closing it drops the lock at once if we got it
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:  # held: a process runs a change
            for _attempt in range(50):
                lock.seek(0)
                try:  # the writer truncates, then writes: read again if caught between
                    live: dict[str, Any] = json.loads(lock.read())
                    return live
                except ValueError:
                    time.sleep(0.001)
            return {"id": None, "done": 0, "step": "", "started_at": utcnow().isoformat()}
        return None


def _interrupt(engine: sa.Engine, change_id: int, change: ChangeProgress) -> ChangeProgress:
    """Mark change `change_id` failed as interrupted unless it finished meanwhile."""
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(SettingsChange)
                         .where(col(SettingsChange.id) == change_id,
                                col(SettingsChange.finished).is_(False))
                         .values(finished=True, error=INTERRUPTED))
            row = conn.execute(sa.select(SettingsChange)
                               .where(col(SettingsChange.id) == change_id)).one()
    except sa.exc.OperationalError:  # SQLite locked by an import: shown now, stored later
        log.warning("interrupted settings change %s is left for later", change_id)
        return ChangeProgress(started_at=change.started_at, finished=True, error=INTERRUPTED)
    if row.error == INTERRUPTED:
        log.warning("settings change %s was interrupted (its process stopped)", change_id)
    return _progress(row)
