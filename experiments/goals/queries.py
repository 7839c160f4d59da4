"""The daily series goals are measured on, aggregated in SQL (rows bounded by days × 96)."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlmodel import Session

from cohorts.as_of import AsOf
from experiments.funnel.queries import EVENTS_SQL, LAST, RANK, scope_filter
from experiments.goals.progress import DailySeries
from kernel.weeks import local_date, to_utc

QUARTER_HOUR = 900  # seconds: every time zone's offset is a multiple of it

_FIRSTS = EVENTS_SQL + """
, firsts AS (
    SELECT lead_id, MIN(CASE WHEN {rank} >= 1 THEN at END) AS lead_at,
        MIN(CASE WHEN {rank} >= 2 THEN at END) AS ready_at
    FROM known GROUP BY lead_id
)
SELECT 1, {lead_bucket}, COUNT(*) FROM firsts WHERE lead_at >= :start GROUP BY {lead_bucket}
UNION ALL
SELECT 2, {ready_bucket}, COUNT(*) FROM firsts WHERE ready_at >= :start GROUP BY {ready_bucket}
"""


def _bucket(conn: sa.Connection, moment: str) -> str:
    """Return SQL for the quarter-hour (seconds since 1970 // 900) of UTC time `moment`."""
    if conn.dialect.name == "sqlite":
        return f"(CAST(strftime('%s', {moment}) AS INTEGER) / {QUARTER_HOUR})"
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {moment}) / {QUARTER_HOUR}) AS BIGINT)"


def _spread(rows: Any, first: date, days: int, zone: str) -> npt.NDArray[np.float64]:
    """Return per local day of `first`.. the counts of (quarter-hour, count) rows."""
    result = np.zeros(days)
    for quarter, count in rows:
        moment = datetime.fromtimestamp(int(quarter) * QUARTER_HOUR, UTC)
        index = (local_date(moment, zone) - first).days
        if 0 <= index < days:
            result[index] += float(count)
    return result


def _by_day(rows: Any, first: date, days: int) -> npt.NDArray[np.float64]:
    """Return per day of `first`.. the values of (date, value) rows."""
    result = np.zeros(days)
    for day, value in rows:
        index = (date.fromisoformat(str(day)[:10]) - first).days
        if 0 <= index < days:
            result[index] += float(value)
    return result


def daily_series(
    *, session: Session, first: date, as_of: AsOf, channel_ids: list[int] | None = None
) -> DailySeries:
    """Return the goal metrics per local day from `first` to the as-of date, both inclusive."""
    conn, days = session.connection(), (as_of.day - first).days + 1
    channels, params = scope_filter(channel_ids)
    zone = as_of.timezone
    params |= {"start": to_utc(datetime.combine(first, time()), zone), "end": as_of.end_utc,
               "lowest": as_of.first_week, "first": first, "last": as_of.day}  # fmt: skip
    created = _bucket(conn, "l.created_at")
    inquiries = conn.execute(sa.text(
        f"SELECT {created}, COUNT(*) FROM lead l WHERE l.created_at >= :start "
        f"AND l.created_at < :end AND l.cohort_week >= :lowest{channels} GROUP BY {created}"
    ), params).all()  # fmt: skip
    firsts = conn.execute(sa.text(_FIRSTS.format(
        channels=channels, last=LAST, rank=RANK.format(c="stage"),
        lead_bucket=_bucket(conn, "lead_at"), ready_bucket=_bucket(conn, "ready_at"),
    )), params).all()  # fmt: skip
    buyers = conn.execute(sa.text(
        "SELECT f.first_on, COUNT(*) FROM (SELECT p.lead_id, MIN(p.purchased_on) AS first_on "
        "FROM purchase p JOIN lead l ON l.id = p.lead_id WHERE p.purchased_at >= l.created_at "
        f"AND l.cohort_week >= :lowest{channels} GROUP BY p.lead_id) f "
        "WHERE f.first_on >= :first AND f.first_on <= :last GROUP BY f.first_on"
    ), params).all()  # fmt: skip
    revenue = conn.execute(sa.text(
        "SELECT p.purchased_on, SUM(p.amount_minor) FROM purchase p JOIN lead l "
        "ON l.id = p.lead_id WHERE p.purchased_on >= :first AND p.purchased_on <= :last "
        f"AND p.purchased_at >= l.created_at AND l.cohort_week >= :lowest{channels} "
        "GROUP BY p.purchased_on"
    ), params).all()  # fmt: skip
    spend = conn.execute(sa.text(
        "SELECT w.week, SUM(w.amount_minor) FROM weekly_spend w WHERE w.week >= :before "
        "AND w.week <= :last" + channels.replace("l.channel_id", "w.channel_id")
        + " GROUP BY w.week"
    ), params | {"before": first - timedelta(days=6)}).all()  # fmt: skip
    daily_spend = sum(
        (_by_day([(date.fromisoformat(str(week)[:10]) + timedelta(days=k), amount / 7)
                  for week, amount in spend], first, days) for k in range(7)),
        np.zeros(days),
    )  # fmt: skip
    return DailySeries(
        first=first,
        inquiries=_spread(inquiries, first, days, zone),
        leads=_spread([r[1:] for r in firsts if r[0] == 1], first, days, zone),
        sales_ready_leads=_spread([r[1:] for r in firsts if r[0] == 2], first, days, zone),
        new_customers=_by_day(buyers, first, days),
        revenue_minor=_by_day(revenue, first, days),
        spend_minor=daily_spend,
    )


_FIRSTS_BY_CHANNEL = EVENTS_SQL + """
, firsts AS (
    SELECT lead_id, MIN(CASE WHEN {rank} >= 1 THEN at END) AS lead_at,
        MIN(CASE WHEN {rank} >= 2 THEN at END) AS ready_at
    FROM known GROUP BY lead_id
)
SELECT 1, s.channel_id, {lead_bucket}, COUNT(*) FROM firsts f JOIN scope s ON s.id = f.lead_id
WHERE f.lead_at >= :start GROUP BY s.channel_id, {lead_bucket}
UNION ALL
SELECT 2, s.channel_id, {ready_bucket}, COUNT(*) FROM firsts f JOIN scope s ON s.id = f.lead_id
WHERE f.ready_at >= :start GROUP BY s.channel_id, {ready_bucket}
"""

# Only leads with an event from :start on can first reach a stage from :start on: a lead
# created earlier with no stage change and no purchase since has every event before it.
_SINCE_START = (
    " AND (l.created_at >= :start OR l.id IN (SELECT h.lead_id FROM lead_stage_change h"
    " WHERE h.changed_at >= :start UNION SELECT p.lead_id FROM purchase p"
    " WHERE p.purchased_at >= :start))"
)

Rows = list[tuple[Any, Any]]
MetricRows = dict[str, dict[int, Rows]]  # metric → channel → (bucket or day, value) rows


def _per_channel(rows: Any) -> dict[int, Rows]:
    """Return (channel, key, value) rows as channel → (key, value) rows."""
    result: dict[int, Rows] = {}
    for channel, key, value in rows:
        result.setdefault(int(channel), []).append((key, value))
    return result


def _merged(by_channel: dict[int, Rows]) -> Rows:
    """Return the (key, value) rows of every channel summed per key, exactly (ints/Decimals),
    as the unfiltered GROUP BY key would return them."""
    totals: dict[Any, Any] = {}
    for rows in by_channel.values():
        for key, value in rows:
            totals[key] = totals[key] + value if key in totals else value
    return list(totals.items())


def _series(rows: dict[str, Rows], first: date, days: int, zone: str) -> DailySeries:
    """Return the daily series of one scope's (key, value) rows of each metric."""
    spread = sum(
        (_by_day([(date.fromisoformat(str(week)[:10]) + timedelta(days=k), amount / 7)
                  for week, amount in rows["spend"]], first, days) for k in range(7)),
        np.zeros(days),
    )  # fmt: skip
    return DailySeries(
        first=first,
        inquiries=_spread(rows["inquiries"], first, days, zone),
        leads=_spread(rows["leads"], first, days, zone),
        sales_ready_leads=_spread(rows["ready"], first, days, zone),
        new_customers=_by_day(rows["buyers"], first, days),
        revenue_minor=_by_day(rows["revenue"], first, days),
        spend_minor=spread,
    )


def _rows_by_channel(conn: sa.Connection, params: dict[str, Any]) -> MetricRows:
    """Run the goal metrics' 5 aggregations once for every channel, grouped by channel."""
    created = _bucket(conn, "l.created_at")
    inquiries = conn.execute(sa.text(
        f"SELECT l.channel_id, {created}, COUNT(*) FROM lead l WHERE l.created_at >= :start "
        "AND l.created_at < :end AND l.cohort_week >= :lowest "
        f"GROUP BY l.channel_id, {created}"
    ), params).all()  # fmt: skip
    firsts = conn.execute(sa.text(_FIRSTS_BY_CHANNEL.format(
        channels=_SINCE_START, last=LAST, rank=RANK.format(c="stage"),
        lead_bucket=_bucket(conn, "f.lead_at"), ready_bucket=_bucket(conn, "f.ready_at"),
    )), params).all()  # fmt: skip
    buyers = conn.execute(sa.text(
        "SELECT f.channel_id, f.first_on, COUNT(*) FROM (SELECT p.lead_id, l.channel_id, "
        "MIN(p.purchased_on) AS first_on FROM purchase p JOIN lead l ON l.id = p.lead_id "
        "WHERE p.purchased_at >= l.created_at AND l.cohort_week >= :lowest "
        "GROUP BY p.lead_id, l.channel_id) f WHERE f.first_on >= :first AND f.first_on <= :last "
        "GROUP BY f.channel_id, f.first_on"
    ), params).all()  # fmt: skip
    revenue = conn.execute(sa.text(
        "SELECT l.channel_id, p.purchased_on, SUM(p.amount_minor) FROM purchase p JOIN lead l "
        "ON l.id = p.lead_id WHERE p.purchased_on >= :first AND p.purchased_on <= :last "
        "AND p.purchased_at >= l.created_at AND l.cohort_week >= :lowest "
        "GROUP BY l.channel_id, p.purchased_on"
    ), params).all()  # fmt: skip
    spend = conn.execute(sa.text(
        "SELECT w.channel_id, w.week, SUM(w.amount_minor) FROM weekly_spend w "
        "WHERE w.week >= :before AND w.week <= :last GROUP BY w.channel_id, w.week"
    ), params).all()  # fmt: skip
    return {
        "inquiries": _per_channel(inquiries),
        "leads": _per_channel(r[1:] for r in firsts if r[0] == 1),
        "ready": _per_channel(r[1:] for r in firsts if r[0] == 2),
        "buyers": _per_channel(buyers), "revenue": _per_channel(revenue),
        "spend": _per_channel(spend),
    }  # fmt: skip


def daily_series_by_scope(
    *, session: Session, first: date, as_of: AsOf
) -> dict[int | None, DailySeries]:
    """Return the goal series of every scope from one set of queries: None (all channels)
    and each channel with any row; a channel left out has only zeros (`scope_series`).

    Each channel's series equals `daily_series(channel_ids=[channel])`, and the overall one
    `daily_series()`: its rows are every channel's rows summed exactly per bucket or day.
    """
    conn, days, zone = session.connection(), (as_of.day - first).days + 1, as_of.timezone
    params = {"start": to_utc(datetime.combine(first, time()), zone), "end": as_of.end_utc,
              "lowest": as_of.first_week, "first": first, "last": as_of.day,
              "before": first - timedelta(days=6)}  # fmt: skip
    metrics = _rows_by_channel(conn, params)
    channels = sorted({c for by_channel in metrics.values() for c in by_channel})
    result: dict[int | None, DailySeries] = {
        None: _series({m: _merged(rows) for m, rows in metrics.items()}, first, days, zone)
    }
    for channel in channels:
        mine = {m: rows.get(channel, []) for m, rows in metrics.items()}
        result[channel] = _series(mine, first, days, zone)
    return result


def scope_series(
    by_scope: dict[int | None, DailySeries], channel_id: int | None, first: date
) -> DailySeries:
    """Return scope `channel_id`'s series from `first` on (zeros for a channel without data);
    `first` is on or after the series' first day."""
    whole = by_scope[None]
    skip = (first - whole.first).days
    if skip < 0:
        raise ValueError(f"series start {whole.first} is after {first}")
    found = by_scope.get(channel_id)
    if found is None:
        size = whole.inquiries.size - skip
        return DailySeries(first, *(np.zeros(size) for _ in _METRICS))
    return DailySeries(first, *(getattr(found, name)[skip:] for name in _METRICS))


_METRICS = ("inquiries", "leads", "sales_ready_leads", "new_customers", "revenue_minor",
            "spend_minor")  # fmt: skip
