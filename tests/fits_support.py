"""Run the fit worker in tests: what a page asks for, then one worker pass."""

from datetime import date

from flask import Flask

from app.db import get_session
from app.jobs.fits import run_once
from app.results.fits import request_fits
from app.results.health import fit_key
from app.settings import load_settings
from cohorts.aggregates import channel_versions


def current_key(app: Flask) -> str:
    """Return the settings key fits are stored under now."""
    with app.app_context():
        return fit_key(load_settings())


def compute_fits(app: Flask, as_of: date | None = None, owner: str = "test-worker",
                 min_interval: int = 0) -> int:
    """Ask for every channel's fit as of `as_of` (and today), run one worker pass; return
    how many fits it stored (refitting rows computed `min_interval` seconds ago or more)."""
    app.config["FIT_MIN_INTERVAL_SECONDS"] = min_interval
    if as_of is not None:
        with app.app_context():
            session = get_session()
            request_fits(session, channel_ids=list(channel_versions(session.connection())),
                         as_of=as_of, key=current_key(app))
    return run_once(app, owner)
