"""The stored audience fit (table `audience_fit`) and lead scores (table `lead_score`).

One row per settings key (account-quality choice, margin, the tree's minimum node size and
depth, calendar settings) holds the newest fit as JSON with the global data version it was
computed from. The fit worker (app.jobs.fits) computes a row whose data moved on, writing
its progress (0–1) as it goes; pages read the row and never fit: a missing or stale row
wakes the worker and the page shows the last fit with its date and a progress bar.
Every fit also rewrites every lead's score in `lead_score` (the export and the API read it).
"""

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlmodel import Session

from app.db import get_session
from app.models import AudienceFit, LeadScore, Settings
from app.results.fits import insert_ignoring_duplicates, wake_worker
from app.results.ltv import stored_projections
from app.settings import load_settings
from cohorts.aggregates import data_version
from kernel.weeks import utcnow

TABLE = cast(sa.Table, AudienceFit.__table__)  # type: ignore[attr-defined]
SCORES = cast(sa.Table, LeadScore.__table__)  # type: ignore[attr-defined]
FORMAT = 1  # bump when the stored JSON's structure changes
PROJECTED_LTV = "projected_ltv"  # settings.account_quality: projected LTV, not revenue × margin
MIN_NODE_DEFAULT, MAX_DEPTH_DEFAULT = 200, 3
log = logging.getLogger(__name__)
Progress = Callable[[float], None]


@dataclass(frozen=True)
class TreeSettings:
    """The page's validated tree settings: minimum leads per node and maximum depth."""

    min_node: int = MIN_NODE_DEFAULT
    max_depth: int = MAX_DEPTH_DEFAULT


def audience_key(settings: Settings, tree: TreeSettings) -> str:
    """Return the key of what the fit depends on besides the data."""
    horizon = (settings.projection_horizon_weeks
               if settings.account_quality == PROJECTED_LTV else None)
    text = repr((FORMAT, settings.account_quality, float(settings.gross_margin),
                 settings.mature_weeks, tree.min_node, tree.max_depth, settings.week_start,
                 settings.timezone) + ((horizon,) if horizon is not None else ()))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def request(session: Session, key: str, tree: TreeSettings) -> None:
    """Make sure a row for `key` exists for the worker to compute (and note the request)."""
    session.connection().execute(insert_ignoring_duplicates(session, TABLE), [
        {"settings_key": key, "requested_at": utcnow(), "min_node": tree.min_node,
         "max_depth": tree.max_depth}])
    session.connection().execute(sa.update(TABLE).where(
        TABLE.c.settings_key == key, TABLE.c.requested_at < utcnow() - timedelta(minutes=10))
        .values(requested_at=utcnow()))
    session.commit()


def _set_progress(engine: sa.Engine, row_id: int) -> Progress:
    def report(share: float) -> None:
        with engine.begin() as connection:  # its own transaction: pages see it at once
            connection.execute(sa.update(TABLE).where(TABLE.c.id == row_id)
                               .values(progress=round(share, 3)))
    return report


def store_scores(session: Session, lead_ids: npt.NDArray[np.int64],
                 scores: npt.NDArray[np.float64], fitted_at: datetime) -> None:
    """Replace every stored lead score (COPY on PostgreSQL, executemany on SQLite)."""
    connection = session.connection()
    connection.execute(sa.delete(SCORES))
    if connection.dialect.name == "postgresql":
        driver: Any = connection.connection.driver_connection
        stamp = fitted_at.isoformat()
        with driver.cursor() as cursor, cursor.copy(
                "COPY lead_score (lead_id, score, fitted_at) FROM STDIN") as copy:
            for lead_id, score in zip(lead_ids.tolist(), np.round(scores, 2).tolist(),
                                      strict=True):
                copy.write_row((lead_id, score, stamp))
        return
    rows = [{"lead_id": i, "score": s, "fitted_at": fitted_at}
            for i, s in zip(lead_ids.tolist(), np.round(scores, 2).tolist(), strict=True)]
    for start in range(0, len(rows), 50_000):
        connection.execute(sa.insert(SCORES), rows[start:start + 50_000])


def ltv_waiting(session: Session, settings: Settings, day: date = date.max) -> bool:
    """Return whether the fit waits for the projected-LTV fit: account quality is projected
    LTV and no LTV fit for the current settings is stored yet (up to `day`)."""
    return (settings.account_quality == PROJECTED_LTV
            and stored_projections(session, settings, day) is None)


def refresh_stale(session: Session, *, settings: Settings, today: Any, keep: timedelta,
                  min_interval: timedelta = timedelta(0)) -> int:
    """Compute every requested row older than the data (the default settings' always, others
    while a page asked for them within `keep`); return how many were stored. Under account
    quality by projected LTV nothing is computed while no LTV fit is stored (rows stay stale,
    so the next pass, after the LTV fit, computes them)."""
    from app.results.audience_fit import LtvUnavailable, compute  # statistics: worker only

    default = audience_key(settings, TreeSettings())
    request(session, default, TreeSettings())
    version = data_version(session.connection())
    now = utcnow()
    rows = session.connection().execute(
        sa.select(TABLE.c.id, TABLE.c.settings_key, TABLE.c.min_node, TABLE.c.max_depth).where(
            sa.or_(TABLE.c.data_version.is_(None), TABLE.c.data_version < version),
            sa.or_(TABLE.c.computed_at.is_(None), TABLE.c.computed_at <= now - min_interval),
            sa.or_(TABLE.c.settings_key == default, TABLE.c.requested_at > now - keep))
    ).all()
    waiting = ltv_waiting(session, settings, today.day)
    session.rollback()
    if waiting:
        log.info("audience fit waits for the projected-LTV fit")
        rows = rows[:0]
    engine = session.get_bind()
    assert isinstance(engine, sa.Engine)
    stored = 0
    for row_id, key, min_node, max_depth in rows:
        tree = TreeSettings(int(min_node), int(max_depth))
        if audience_key(settings, tree) != key:
            continue  # a key of older settings: forgotten below
        started = utcnow()
        session.connection().execute(sa.update(TABLE).where(TABLE.c.id == row_id)
                                     .values(started_at=started, progress=0.0))
        session.commit()
        try:
            payload, lead_ids, scores = compute(session, settings=settings, tree=tree,
                                                today=today, progress=_set_progress(engine, row_id))
            session.rollback()
            store_scores(session, lead_ids, scores, started)
            values = {"payload": json.dumps(payload), "data_version": version,
                      "computed_at": started, "error": None, "progress": None,
                      "started_at": None}
            stored += 1
        except Exception as exc:  # a failing fit must not stop the worker; retried on new data
            log.exception("audience fit %s failed", key)
            session.rollback()
            error = str(exc) if isinstance(exc, LtvUnavailable) else repr(exc)
            values = {"data_version": version, "error": error[:2000], "progress": None,
                      "started_at": None}
        session.connection().execute(sa.update(TABLE).where(TABLE.c.id == row_id).values(values))
        session.commit()
    session.connection().execute(sa.delete(TABLE).where(
        TABLE.c.settings_key != default, TABLE.c.requested_at < now - 7 * keep))
    session.commit()
    return stored


@dataclass(frozen=True)
class AudienceState:
    """What a page knows: the newest stored fit (None: none yet), when, whether it is for the
    current data and settings, and the progress of a fit now running (None: none)."""

    payload: dict[str, Any] | None
    computed_at: datetime | None
    outdated: bool
    progress: float | None
    other_settings: bool  # the fit shown was made with other tree settings
    error: str | None
    waiting_for_ltv: bool = False  # account quality by projected LTV, no LTV fit stored yet


def audience_state(settings: Settings, tree: TreeSettings) -> AudienceState:
    """Return the stored fit for `tree` (else the default settings' one while it is missing);
    ask the worker for a missing or outdated one."""
    session = get_session()
    key = audience_key(settings, tree)
    default = audience_key(settings, TreeSettings())
    connection = session.connection()
    rows = {r[0]: r for r in connection.execute(
        sa.select(TABLE.c.settings_key, TABLE.c.id, TABLE.c.data_version, TABLE.c.computed_at,
                  TABLE.c.progress, TABLE.c.error, TABLE.c.payload.is_not(None))
        .where(TABLE.c.settings_key.in_({key, default})))}
    mine = rows.get(key)
    version = data_version(connection)
    outdated = mine is None or mine[2] is None or int(mine[2]) < version
    waiting = outdated and ltv_waiting(session, settings)
    if outdated:
        request(session, key, tree)
        wake_worker()
    shown = mine if mine is not None and mine[6] else rows.get(default)
    if shown is None or not shown[6]:
        return AudienceState(None, None, True, None if mine is None else mine[4], False,
                             None if mine is None else mine[5], waiting)
    text = session.connection().execute(
        sa.select(TABLE.c.payload).where(TABLE.c.id == shown[1])).scalar()
    return AudienceState(json.loads(str(text)), shown[3], outdated,
                         None if mine is None else mine[4], shown[0] != key,
                         None if mine is None else mine[5], waiting)


def lead_scores(session: Session, lead_ids: list[int]) -> dict[int, float]:
    """Return the stored score of each of `lead_ids` that has one."""
    if not lead_ids:
        return {}
    rows = session.connection().execute(
        sa.select(SCORES.c.lead_id, SCORES.c.score).where(SCORES.c.lead_id.in_(lead_ids)))
    return {int(i): float(s) for i, s in rows}


def lead_score(session: Session, lead_id: int) -> tuple[float, datetime] | None:
    """Return a lead's stored score and when its fit ran, or None while it has none."""
    row = session.connection().execute(
        sa.select(SCORES.c.score, SCORES.c.fitted_at).where(SCORES.c.lead_id == lead_id)).first()
    return None if row is None else (float(row[0]), row[1])


def channel_audiences() -> dict[int, dict[str, Any]]:
    """Return each channel's audience from the newest fit with the default tree settings
    ({"a_share", "mean_score", "customers", …}; empty before the first fit), once per request.

    Pages that show it beside CAC only read: the worker refits the default settings on its
    own whenever the data moved.
    """
    from flask import g

    cached = g.get("channel_audiences")
    if cached is not None:
        return cast(dict[int, dict[str, Any]], cached)
    session = get_session()
    key = audience_key(load_settings(), TreeSettings())
    text = session.connection().execute(
        sa.select(TABLE.c.payload).where(TABLE.c.settings_key == key,
                                         TABLE.c.payload.is_not(None))).scalar()
    channels = (json.loads(text).get("channels") or {}) if text else {}
    g.channel_audiences = {int(c): v for c, v in channels.items()}
    return cast(dict[int, dict[str, Any]], g.channel_audiences)
