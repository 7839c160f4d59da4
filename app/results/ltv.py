"""The stored projected-LTV fit (table `ltv_fit`): computed by the fit worker, read by pages.

The model pools every channel, so one row per as-of day and settings key holds every
channel's projection and the backtest, with the global data version it was computed from.
Pages and the API read the newest row (for today, an earlier day's while today's is being
computed) and never fit; a missing or stale row wakes the fit worker.
"""

import hashlib
import logging
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

import flask
import numpy as np
import sqlalchemy as sa
from sqlmodel import Session

from app.db import get_session
from app.models import LtvFit, Settings
from app.results.cache import metrics_cache
from app.results.fits import insert_ignoring_duplicates, wake_worker
from app.settings import load_settings
from cohorts.aggregates import data_version
from cohorts.as_of import AsOf
from cohorts.ltv.channels import Backtest, ChannelLtv, LtvProjections, backtest
from cohorts.ltv.channels import channel_ltvs as compute_channel_ltvs
from cohorts.ltv.projection import interval_rule, projected_payback_week
from cohorts.report import ChannelReport
from kernel.weeks import utcnow

TABLE = cast(sa.Table, LtvFit.__table__)  # type: ignore[attr-defined]
log = logging.getLogger(__name__)
FORMAT = 2  # bump when the stored result's structure changes (2: the fitted models kept)


@dataclass(frozen=True)
class LtvResult:
    """What the worker stores: every channel's projection and the install's backtest."""

    projections: LtvProjections
    backtest: Backtest
    as_of: date


def ltv_key(settings: Settings) -> str:
    """Return the key of what the fit depends on besides the data."""
    text = repr((FORMAT, settings.projection_horizon_weeks, float(settings.gross_margin),
                 settings.ltv_backtest_weeks, settings.week_start, settings.timezone))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def compute(session: Session, as_of: AsOf, settings: Settings) -> LtvResult:
    """Fit and project every channel as of `as_of`, and run the backtest."""
    return LtvResult(
        projections=compute_channel_ltvs(session=session, as_of=as_of,
                                         horizon_weeks=settings.projection_horizon_weeks,
                                         margin=settings.gross_margin),
        backtest=backtest(session=session, as_of=as_of, weeks=settings.ltv_backtest_weeks),
        as_of=as_of.day)


def request(session: Session, *, as_of: date, key: str) -> None:
    """Make sure a row for (`as_of`, `key`) exists for the worker to compute."""
    session.connection().execute(insert_ignoring_duplicates(session, TABLE), [
        {"as_of": as_of, "settings_key": key, "requested_at": utcnow()}])
    session.commit()


def refresh_stale(session: Session, *, today: AsOf, keep: timedelta,
                  min_interval: timedelta = timedelta(0)) -> int:
    """Compute every row for today's key that is older than the data (today's always, other
    days' while a page asked for them within `keep`; none computed less than `min_interval`
    ago, so data written every few seconds is refitted at most that often); return how many
    were stored."""
    settings = load_settings()
    key = ltv_key(settings)
    request(session, as_of=today.day, key=key)
    version = data_version(session.connection())
    rows = session.connection().execute(
        sa.select(TABLE.c.id, TABLE.c.as_of).where(
            TABLE.c.settings_key == key,
            sa.or_(TABLE.c.data_version.is_(None), TABLE.c.data_version < version),
            sa.or_(TABLE.c.computed_at.is_(None), TABLE.c.computed_at <= utcnow() - min_interval),
            sa.or_(TABLE.c.as_of == today.day, TABLE.c.requested_at > utcnow() - keep))).all()
    session.rollback()
    for row_id, day in rows:
        as_of = AsOf(day=day, week_start=today.week_start, timezone=today.timezone,
                     earliest=today.earliest)
        try:
            values = {"payload": pickle.dumps(compute(session, as_of, settings)),
                      "data_version": version, "computed_at": utcnow(), "error": None}
        except Exception as exc:  # a failing fit must not stop the worker; retried on new data
            log.exception("LTV fit as of %s failed", day)
            values = {"payload": None, "data_version": version, "error": repr(exc)[:2000]}
        session.rollback()  # end the read transaction before writing
        session.connection().execute(sa.update(TABLE).where(TABLE.c.id == row_id).values(values))
        session.commit()
    return len(rows)


@dataclass(frozen=True)
class LtvState:
    """What a page knows: the newest stored result (None: none yet) and whether it is current."""

    result: LtvResult | None
    computed_at: datetime | None
    outdated: bool


def ltv_state(as_of: AsOf, today: date) -> LtvState:
    """Return the stored fit for `as_of` (for today: the newest earlier one while today's is
    missing); ask the worker for a missing or outdated one. Within a request it is looked up
    once (the dashboard and its tests panel both read it)."""
    key = ltv_key(load_settings())
    if not flask.has_request_context():
        return _ltv_state(as_of, today, key)
    memo = flask.request.environ.setdefault("bullseye.ltv_states", {})
    if (as_of.day, today, key) not in memo:
        memo[as_of.day, today, key] = _ltv_state(as_of, today, key)
    return cast(LtvState, memo[as_of.day, today, key])


def _ltv_state(as_of: AsOf, today: date, key: str) -> LtvState:
    session = get_session()
    connection = session.connection()
    query = sa.select(TABLE.c.id, TABLE.c.as_of, TABLE.c.data_version, TABLE.c.computed_at).where(
        TABLE.c.settings_key == key, TABLE.c.payload.is_not(None))
    query = (query.where(TABLE.c.as_of <= as_of.day) if as_of.day == today
             else query.where(TABLE.c.as_of == as_of.day))
    newest = connection.execute(query.order_by(TABLE.c.as_of.desc()).limit(1)).first()
    outdated = (newest is None or newest[1] != as_of.day
                or int(newest[2]) < data_version(connection))
    if outdated:
        asked = newest is not None and newest[1] == as_of.day or connection.execute(
            sa.select(TABLE.c.id).where(TABLE.c.settings_key == key,
                                        TABLE.c.as_of == as_of.day)).first() is not None
        if not asked:  # a page writes only the first time it asks for a day
            request(session, as_of=as_of.day, key=key)
        wake_worker()
    if newest is None:
        return LtvState(None, None, True)
    row_id, computed_at = int(newest[0]), newest[3]

    def load() -> LtvResult | None:
        payload = session.connection().execute(
            sa.select(TABLE.c.payload).where(TABLE.c.id == row_id)).scalar()
        try:
            return cast(LtvResult, pickle.loads(payload)) if payload is not None else None
        except Exception:  # written by another version of the code: computed again
            return None

    result = metrics_cache().get_or_compute(("ltv_fit", row_id, computed_at), "payload", load)
    return LtvState(result, computed_at, outdated)


def channel_projected_ltv(as_of: AsOf, today: date, channel_id: int) -> ChannelLtv | None:
    """Return a channel's projected LTV (minor units per customer) with its 80 % interval and
    basis, or None while there is none (not enough data, or not computed yet)."""
    result = ltv_state(as_of, today).result
    return None if result is None else result.projections.channels.get(channel_id)


@dataclass(frozen=True)
class LtvView:
    """A channel's projection as pages and the API show it (money in minor units)."""

    status: str  # fitted | not_enough_data | computing
    reason: str | None
    ltv: ChannelLtv | None
    ltv_to_cac: float | None
    ltv_to_cac_low: float | None
    ltv_to_cac_high: float | None
    rule: str  # LTV ≥ k × CAC: on the interval when fitted (pass, fail, undecided)
    payback_week: int | None  # projected; None: not within the horizon


def ltv_view(state: LtvState, report: ChannelReport, settings: Settings) -> LtvView:
    """Return how `report`'s channel reads under the stored LTV fit `state`."""
    return projection_view(None if state.result is None else state.result.projections,
                           report, settings)


def projection_view(projections: LtvProjections | None, report: ChannelReport,
                    settings: Settings) -> LtvView:
    """Return how `report`'s channel reads under `projections` (None: still being computed)."""
    ltv = None if projections is None else projections.channels.get(report.channel.id or 0)
    e = report.economics
    if ltv is None:
        reason = None if projections is None else projections.reason
        return LtvView("computing" if projections is None else "not_enough_data",
                       reason or (None if projections is None else "no customers"), None, None,
                       None, None, report.rules.ltv_to_cac, None)
    cac = e.cac_minor or None

    def per_cac(value: float | None) -> float | None:
        return None if value is None or cac is None else value / cac

    low, high = per_cac(ltv.low_minor), per_cac(ltv.high_minor)
    rule: str = report.rules.ltv_to_cac
    if rule != "not_enough_data":
        rule = interval_rule(low, high, settings.ltv_to_cac_min) or rule
    payback = projected_payback_week(
        report.triangle.revenue_minor, report.triangle.current_age, e.spend_minor,
        settings.gross_margin, np.array(ltv.future_by_age_minor))
    return LtvView("fitted", None, ltv, per_cac(ltv.ltv_minor), low, high, rule, payback)


def ltv_views(reports: Sequence[ChannelReport], as_of: AsOf, today: date,
              settings: Settings) -> dict[int, LtvView]:
    """Return each row's projection view by channel id: the one LTV ≥ k × CAC rule (on the
    interval when fitted) that the dashboard rows, the API and the decisions all read."""
    state = ltv_state(as_of, today)
    return {r.channel.id or 0: ltv_view(state, r, settings) for r in reports}


def stored_projections(session: Session, settings: Settings,
                       day: date) -> LtvProjections | None:
    """Return the projections of the newest stored LTV fit for `settings` up to `day` (the
    audience's account quality by projected LTV reads its models); None while there is none."""
    payload = session.connection().execute(
        sa.select(TABLE.c.payload).where(TABLE.c.settings_key == ltv_key(settings),
                                         TABLE.c.payload.is_not(None), TABLE.c.as_of <= day)
        .order_by(TABLE.c.as_of.desc()).limit(1)).scalar()
    if payload is None:
        return None
    try:
        return cast(LtvResult, pickle.loads(payload)).projections
    except Exception:  # written by another version of the code: computed again
        return None
