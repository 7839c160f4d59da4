"""The fit worker: computes stale per-channel fits off the request path, and sends the
weekly email page's queued "send now" and "retry" (app.digest.queue) before each pass.

`make run` (waitress, `app:create_server`) runs it as a thread in the server process; with
several server processes (gunicorn) run `flask --app app worker run` as one process of its
own. Any number of workers may run: each row is claimed with a lease before it is computed.
"""

import logging
import os
import pickle
import socket
import threading
import uuid
from datetime import timedelta

from flask import Flask

from app.db import get_session
from app.digest.queue import run_pending
from app.results.audience import refresh_stale as refresh_audience
from app.results.fits import claim, forget_old, release_failed, stale_rows, store
from app.results.health import compute_channel, fit_key, health_settings
from app.results.ltv import refresh_stale
from app.results.metrics import parse_as_of
from app.settings import load_settings
from cohorts.aggregates import channel_versions
from cohorts.queries import AsOf
from kernel.weeks import utcnow

log = logging.getLogger(__name__)
FORGET_AFTER = timedelta(days=7)


def worker_id() -> str:
    """Return a name for this worker that no other process or thread shares."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _compute_row(app: Flask, row_id: int, channel_id: int, as_of: AsOf, owner: str) -> bool:
    """Compute and store one claimed row; on failure record the error and back off."""
    session = get_session()
    settings = load_settings()
    try:
        version = channel_versions(session.connection()).get(channel_id, 0)
        report = compute_channel(session, as_of=as_of, channel_id=channel_id,
                                 thresholds=health_settings(settings),
                                 margin=settings.gross_margin)
        session.rollback()  # end the read transaction before writing
        return store(session, row_id=row_id, owner=owner, version=version,
                     payload=pickle.dumps(report))
    except Exception as exc:  # a failing fit must not stop the worker; it is retried later
        log.exception("fit of channel %s as of %s failed", channel_id, as_of.day)
        session.rollback()
        retry = timedelta(seconds=app.config["FIT_RETRY_SECONDS"])
        release_failed(session, row_id=row_id, owner=owner, error=repr(exc),
                       retry_at=utcnow() + retry)
        return False


def run_once(app: Flask, owner: str) -> int:
    """Compute every stale fit this worker can claim, then the LTV fit if the data moved;
    return how many channel fits it stored."""
    lease = timedelta(seconds=app.config["FIT_LEASE_SECONDS"])
    keep = timedelta(seconds=app.config["FIT_KEEP_SECONDS"])
    done = 0
    with app.app_context():
        session = get_session()
        settings = load_settings()
        key = fit_key(settings)
        today = parse_as_of(None)
        from app.results.fits import request_fits

        request_fits(session, channel_ids=list(channel_versions(session.connection())),
                     as_of=today.day, key=key)
        interval = timedelta(seconds=app.config["FIT_MIN_INTERVAL_SECONDS"])
        rows = stale_rows(session, key=key, today=today.day, now=utcnow(), keep=keep,
                          min_interval=interval)
        session.rollback()
        for row_id, channel_id, day in rows:
            if not claim(session, row_id=row_id, owner=owner, now=utcnow(), lease=lease):
                continue  # another worker has it
            as_of = AsOf(day=day, week_start=today.week_start, timezone=today.timezone)
            done += _compute_row(app, row_id, channel_id, as_of, owner)
        forget_old(session, today=today.day, before=utcnow() - FORGET_AFTER)
        refresh_stale(session, today=today, keep=keep, min_interval=interval)  # install-wide LTV
        refresh_audience(session, settings=load_settings(), today=today, keep=keep,
                         min_interval=interval)
    return done


class FitWorker:
    """Runs `run_pending` and `run_once` whenever woken or every poll interval, until
    stopped."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.owner = worker_id()
        self.poll_seconds = float(app.config["FIT_POLL_SECONDS"])
        self._wake = threading.Event()
        self._stop = threading.Event()

    def wake(self) -> None:
        """Ask for a pass now (a page saw missing or stale fits)."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the current pass and return from `run`."""
        self._stop.set()
        self._wake.set()

    def run(self) -> None:
        """Loop until stopped; errors are logged and the loop goes on."""
        while not self._stop.is_set():
            self._wake.clear()
            try:
                # the weekly email page's sends first: a person waits for them
                while (run_pending(self.app, self.owner) + run_once(self.app, self.owner)
                       and not self._stop.is_set()):
                    pass  # more may have gone stale or been queued meanwhile
            except Exception:
                log.exception("fit worker pass failed; retrying")
            self._wake.wait(self.poll_seconds)


def start_thread(app: Flask) -> FitWorker:
    """Start a fit worker as a daemon thread of this process and let pages wake it."""
    worker = FitWorker(app)
    app.extensions["fit_worker_wake"] = worker.wake
    threading.Thread(target=worker.run, name="fit-worker", daemon=True).start()
    return worker
