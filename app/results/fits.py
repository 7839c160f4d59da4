"""Model fits kept per channel in the `channel_fit` table, shared by every server process.

A row is keyed by channel, as-of day and settings key; it holds the newest completed result
(`payload`) and the channel data version it was computed from. Pages read rows and never
fit; a worker (app.jobs.fits) claims stale rows with a lease, computes and stores them. A
claim whose worker died expires after the lease and is taken again, so nothing stays
"computing" forever, and two workers never compute the same row at once.
"""

import pickle
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session

from app.models import ChannelFit
from kernel.weeks import utcnow

FIT = cast(sa.Table, ChannelFit.__table__)  # type: ignore[attr-defined]  # the Core table
RECENT_REQUEST = timedelta(minutes=10)  # how often a page re-marks an old as-of date as wanted


@dataclass(frozen=True)
class StoredFit:
    """One channel's newest completed result: when, from which data version, for which day."""

    row_id: int
    channel_id: int
    as_of: date
    data_version: int
    computed_at: datetime


def request_fits(session: Session, *, channel_ids: list[int], as_of: date, key: str) -> int:
    """Make sure a row exists for each channel (a worker computes it); return rows added."""
    if not channel_ids:
        return 0
    existing = {int(row[0]) for row in session.connection().execute(
        sa.select(FIT.c.channel_id).where(FIT.c.as_of == as_of, FIT.c.settings_key == key))}
    missing = [c for c in channel_ids if c not in existing]
    if not missing:
        return 0
    now = utcnow()
    insert = insert_ignoring_duplicates(session)
    session.connection().execute(insert, [
        {"channel_id": c, "as_of": as_of, "settings_key": key, "requested_at": now}
        for c in missing])
    session.commit()
    return len(missing)


def insert_ignoring_duplicates(session: Session, table: sa.Table = FIT) -> Any:
    """Return an INSERT into `table` (channel_fit) that skips rows another process added first."""
    if session.connection().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql
        return postgresql.insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects import sqlite
    return sqlite.insert(table).on_conflict_do_nothing()


def mark_wanted(session: Session, *, row_ids: list[int]) -> None:
    """Note that a page asked for these rows now (old as-of dates are refreshed only then)."""
    if not row_ids:
        return
    now = utcnow()
    session.connection().execute(
        sa.update(FIT).where(FIT.c.id.in_(row_ids), FIT.c.requested_at < now - RECENT_REQUEST)
        .values(requested_at=now))
    session.commit()


def newest_fits(session: Session, *, as_of: date, key: str, fallback: bool) -> dict[int, StoredFit]:
    """Return where each channel's completed result for `as_of` is (payloads not loaded).

    With `fallback` (the as-of date is today), a channel with no result for that day yet gets
    its newest result for an earlier day, so a new day does not blank every page.
    """
    query = sa.select(FIT.c.id, FIT.c.channel_id, FIT.c.as_of, FIT.c.data_version,
                      FIT.c.computed_at).where(FIT.c.settings_key == key,
                                               FIT.c.data_version.is_not(None))
    query = query.where(FIT.c.as_of <= as_of) if fallback else query.where(FIT.c.as_of == as_of)
    found: dict[int, StoredFit] = {}
    for row in session.connection().execute(query.order_by(FIT.c.as_of)):
        found[int(row[1])] = StoredFit(int(row[0]), int(row[1]), row[2], int(row[3]), row[4])
    return found


def load_payloads(session: Session, *, row_ids: list[int]) -> dict[int, Any]:
    """Return the unpickled result of each row id (rows written only by this app's worker)."""
    if not row_ids:
        return {}
    rows = session.connection().execute(
        sa.select(FIT.c.id, FIT.c.payload).where(FIT.c.id.in_(row_ids))).all()
    results: dict[int, Any] = {}
    unreadable = []
    for row_id, payload in rows:
        try:
            results[int(row_id)] = pickle.loads(payload)
        except Exception:  # written by another version of the code: compute it again
            unreadable.append(int(row_id))
    if unreadable:
        session.connection().execute(
            sa.update(FIT).where(FIT.c.id.in_(unreadable)).values(data_version=None))
        session.commit()
    return results


def stale_rows(session: Session, *, key: str, today: date, now: datetime, keep: timedelta,
               min_interval: timedelta, limit: int = 50) -> list[tuple[int, int, date]]:
    """Return (row id, channel id, as-of day) of unclaimed rows older than their channel's data.

    Rows for today always count; rows for other days only while a page asked for them within
    `keep`. A row computed less than `min_interval` ago waits, so a channel written every
    few seconds is refitted at most that often. Today's rows come first.
    """
    version = sa.text("COALESCE((SELECT v.version FROM channel_data_version v "
                      "WHERE v.channel_id = channel_fit.channel_id), 0)")
    query = (
        sa.select(FIT.c.id, FIT.c.channel_id, FIT.c.as_of)
        .where(FIT.c.settings_key == key,
               sa.or_(FIT.c.data_version.is_(None), FIT.c.data_version < version),
               sa.or_(FIT.c.claimed_until.is_(None), FIT.c.claimed_until < now),
               sa.or_(FIT.c.computed_at.is_(None), FIT.c.computed_at <= now - min_interval),
               sa.or_(FIT.c.as_of == today, FIT.c.requested_at > now - keep))
        .order_by(sa.case((FIT.c.as_of == today, 0), else_=1), FIT.c.requested_at.desc())
        .limit(limit)
    )
    return [(int(r[0]), int(r[1]), r[2]) for r in session.connection().execute(query)]


def claim(session: Session, *, row_id: int, owner: str, now: datetime, lease: timedelta) -> bool:
    """Take the row for `lease` if nobody holds a live claim on it; True when taken."""
    result = session.connection().execute(
        sa.update(FIT).where(FIT.c.id == row_id,
                             sa.or_(FIT.c.claimed_until.is_(None), FIT.c.claimed_until < now))
        .values(claimed_by=owner, claimed_until=now + lease))
    session.commit()
    return bool(result.rowcount == 1)


def store(session: Session, *, row_id: int, owner: str, version: int, payload: bytes) -> bool:
    """Store a computed result and release the claim; False if the claim was lost meanwhile."""
    result = session.connection().execute(
        sa.update(FIT).where(FIT.c.id == row_id, FIT.c.claimed_by == owner)
        .values(payload=payload, data_version=version, computed_at=utcnow(), error=None,
                claimed_by=None, claimed_until=None))
    session.commit()
    return bool(result.rowcount == 1)


def release_failed(session: Session, *, row_id: int, owner: str, error: str,
                   retry_at: datetime) -> None:
    """Record why a computation failed and hold the row until `retry_at` (no retry storm)."""
    session.connection().execute(
        sa.update(FIT).where(FIT.c.id == row_id, FIT.c.claimed_by == owner)
        .values(error=error[:2000], claimed_by=None, claimed_until=retry_at))
    session.commit()


def forget_old(session: Session, *, today: date, before: datetime) -> None:
    """Delete results of past days that no page asked for since `before`."""
    session.connection().execute(
        sa.delete(FIT).where(FIT.c.as_of < today, FIT.c.requested_at < before))
    session.commit()


def wake_worker() -> None:
    """Wake this process's fit worker thread, if it runs one (others poll the table)."""
    from flask import current_app

    wake = current_app.extensions.get("fit_worker_wake")
    if wake is not None:
        wake()
