"""Cohort facts as of a date, read from the maintained aggregates into numpy arrays.

Complete weeks come from `cohort_size`/`cohort_purchases`; the as-of week itself is
read from the raw rows (one week of data, through indexes) so that an as-of date in
the middle of a week ignores the events after it.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlmodel import Session

from cohorts.aggregates import elapsed_days_sql
from cohorts.economics import percentile_of_histogram
from cohorts.triangle import CohortCounts
from cohorts.weeks import to_utc, week_of


@dataclass(frozen=True)
class AsOf:
    """The as-of date with the calendar settings needed to read it."""

    day: date
    week_start: int = 0
    timezone: str = "UTC"

    @property
    def week(self) -> date:
        """Return the first day of the as-of week."""
        return week_of(self.day, self.week_start)

    @property
    def end_utc(self) -> datetime:
        """Return the instant the as-of day ends (local midnight after it) in UTC."""
        return to_utc(datetime.combine(self.day + timedelta(days=1), time()), self.timezone)


def _rows(session: Session, sql: str, params: dict[str, Any]) -> list[Any]:
    return list(session.connection().execute(sa.text(sql), params).all())


def _channel_filter(channel_ids: list[int] | None, column: str) -> tuple[str, dict[str, Any]]:
    if channel_ids is None:
        return "", {}
    names = [f"ch{i}" for i in range(len(channel_ids))]
    clause = f" AND {column} IN ({', '.join(':' + n for n in names)})" if names else " AND 1 = 0"
    return clause, dict(zip(names, channel_ids, strict=True))


def _to_days(values: list[Any]) -> npt.NDArray[np.int64]:
    """Return dates (date objects or ISO strings) as int64 days since 1970-01-01."""
    as_text = [v.isoformat() if isinstance(v, date) else str(v)[:10] for v in values]
    return np.array(as_text, dtype="datetime64[D]").astype(np.int64)


def _fetch(session: Session, as_of: AsOf, channel_ids: list[int] | None) -> dict[str, list[Any]]:
    """Return raw aggregate rows: spend, sizes and purchases by (channel, week[, age])."""
    params: dict[str, Any] = {"week": as_of.week, "day": as_of.day, "end": as_of.end_utc}
    spend_f, p1 = _channel_filter(channel_ids, "channel_id")
    lead_f, p2 = _channel_filter(channel_ids, "l.channel_id")
    params |= p1 | p2
    return {
        "spend": _rows(session, "SELECT channel_id, week, amount_minor FROM weekly_spend "
                       f"WHERE week <= :week{spend_f}", params),
        "sizes": _rows(session, "SELECT channel_id, cohort_week, leads FROM cohort_size "
                       f"WHERE cohort_week < :week{spend_f}", params)
        + _rows(session, "SELECT l.channel_id, l.cohort_week, COUNT(*) FROM lead l "
                f"WHERE l.cohort_week = :week AND l.created_at < :end{lead_f} "
                "GROUP BY l.channel_id, l.cohort_week", params),
        "purchases": _rows(session, "SELECT channel_id, cohort_week, age, new_customers, "
                           "revenue_minor FROM cohort_purchases "
                           f"WHERE cohort_week <= :week{spend_f}", params),
        "this_week": _rows(session, _THIS_WEEK_SQL.format(lead_filter=lead_f), params),
    }


# Purchases of the as-of week up to the as-of day, by cohort; a lead is a new customer
# in it when it bought nothing before the week.
_THIS_WEEK_SQL = """
SELECT l.channel_id, l.cohort_week,
       COUNT(DISTINCT CASE WHEN NOT EXISTS (
           SELECT 1 FROM purchase e WHERE e.lead_id = p.lead_id AND e.purchased_on < :week
       ) THEN p.lead_id END),
       SUM(p.amount_minor)
FROM purchase p JOIN lead l ON l.id = p.lead_id
WHERE p.purchased_on >= :week AND p.purchased_on <= :day{lead_filter}
GROUP BY l.channel_id, l.cohort_week
"""


def cohort_counts(
    *, session: Session, as_of: AsOf, channel_ids: list[int] | None = None
) -> dict[int, CohortCounts]:
    """Return each channel's cohorts from its first active week to the as-of week.

    A channel with neither spend nor leads up to the as-of date is absent.
    """
    rows = _fetch(session, as_of, channel_ids)
    as_week = np.datetime64(as_of.week, "D").astype(np.int64)
    activity = rows["spend"] + rows["sizes"]
    channels = sorted({int(r[0]) for r in activity})
    if not channels:
        return {}
    first = int(_to_days([r[1] for r in activity]).min())
    n_weeks = (as_week - first) // 7 + 1
    index = {channel: i for i, channel in enumerate(channels)}
    shape = (len(channels), n_weeks)
    spend, leads = np.zeros(shape, np.int64), np.zeros(shape, np.int64)
    new = np.zeros((*shape, n_weeks), np.int64)
    revenue = np.zeros((*shape, n_weeks), np.int64)
    _scatter(spend, rows["spend"], index, first)
    _scatter(leads, rows["sizes"], index, first)
    current_age = (n_weeks - 1) - np.arange(n_weeks)
    _scatter_ages(new, revenue, rows["purchases"], index, first, current_age)
    this_week = [(c, w, current_age[(_to_days([w])[0] - first) // 7], n, r)
                 for c, w, n, r in rows["this_week"]]
    _scatter_ages(new, revenue, this_week, index, first, current_age + 1)
    return {
        channel: _channel_slice(channel, index[channel], first, spend, leads, new, revenue)
        for channel in channels
    }


def _scatter(target: npt.NDArray[np.int64], rows: list[Any], index: dict[int, int],
             first: int) -> None:
    """Add rows (channel, week, value) into target[channel, week]."""
    if not rows:
        return
    ch = np.array([index[int(r[0])] for r in rows])
    wk = (_to_days([r[1] for r in rows]) - first) // 7
    np.add.at(target, (ch, wk), np.array([int(r[2]) for r in rows], dtype=np.int64))


def _scatter_ages(new: npt.NDArray[np.int64], revenue: npt.NDArray[np.int64], rows: list[Any],
                  index: dict[int, int], first: int, age_limit: npt.NDArray[np.int64]) -> None:
    """Add rows (channel, week, age, new customers, revenue) with age < age_limit[week]."""
    if not rows:
        return
    ch = np.array([index[int(r[0])] for r in rows])
    wk = (_to_days([r[1] for r in rows]) - first) // 7
    age = np.array([int(r[2]) for r in rows])
    keep = (age >= 0) & (age < age_limit[wk])
    at = (ch[keep], wk[keep], age[keep])
    np.add.at(new, at, np.array([int(r[3]) for r in rows], dtype=np.int64)[keep])
    np.add.at(revenue, at, np.array([int(r[4] or 0) for r in rows], dtype=np.int64)[keep])


def _channel_slice(channel: int, i: int, first: int, spend: npt.NDArray[np.int64],
                   leads: npt.NDArray[np.int64], new: npt.NDArray[np.int64],
                   revenue: npt.NDArray[np.int64]) -> CohortCounts:
    """Return channel `i`'s cohorts from its first week with spend or leads."""
    active = np.flatnonzero((spend[i] > 0) | (leads[i] > 0) | (revenue[i].any(axis=1)))
    start = int(active[0]) if active.size else spend.shape[1] - 1
    n_weeks = spend.shape[1]
    weeks = (np.datetime64(first, "D") + 7 * np.arange(start, n_weeks)).astype("datetime64[D]")
    return CohortCounts(
        weeks=weeks,
        current_age=((n_weeks - 1) - np.arange(start, n_weeks)).astype(np.int64),
        spend_minor=spend[i, start:],
        leads=leads[i, start:],
        new_customers=new[i, start:, : n_weeks - start],
        revenue_minor=revenue[i, start:, : n_weeks - start],
    )


@dataclass(frozen=True)
class SalesCycle:
    """Days from lead creation to first purchase; None when no customer yet."""

    customers: int
    median_days: float | None
    p75_days: float | None


def sales_cycles(
    *, session: Session, as_of: AsOf, channel_ids: list[int] | None = None
) -> dict[int, SalesCycle]:
    """Return each channel's sales cycle over customers whose first purchase is ≤ as-of.

    Weeks before the as-of week come from `first_purchase_days`; the as-of week's first
    purchases are read from the raw rows up to the as-of day.
    """
    channel_f, params = _channel_filter(channel_ids, "channel_id")
    lead_f, params2 = _channel_filter(channel_ids, "l.channel_id")
    params |= params2 | {"week": as_of.week, "day": as_of.day}
    rows = _rows(session, "SELECT channel_id, days, SUM(customers) FROM first_purchase_days "
                 f"WHERE first_purchase_week < :week{channel_f} GROUP BY channel_id, days", params)
    elapsed = elapsed_days_sql(session.connection(), "f.first_at", "l.created_at")
    rows += _rows(session, _THIS_WEEK_CYCLE_SQL.format(days=elapsed, lead_filter=lead_f), params)
    result: dict[int, SalesCycle] = {}
    for channel in sorted({int(r[0]) for r in rows}):
        days = np.array([int(r[1]) for r in rows if r[0] == channel], dtype=np.int64)
        counts = np.array([int(r[2]) for r in rows if r[0] == channel], dtype=np.int64)
        result[channel] = SalesCycle(
            customers=int(counts.sum()),
            median_days=percentile_of_histogram(days, counts, 50),
            p75_days=percentile_of_histogram(days, counts, 75),
        )
    return result


_THIS_WEEK_CYCLE_SQL = """
SELECT l.channel_id, {days}, COUNT(*)
FROM lead l JOIN (
    SELECT lead_id, MIN(purchased_at) AS first_at FROM purchase
    WHERE lead_id IN (
        SELECT lead_id FROM purchase WHERE purchased_on >= :week AND purchased_on <= :day
    )
    GROUP BY lead_id HAVING MIN(purchased_on) >= :week
) f ON f.lead_id = l.id
WHERE 1 = 1{lead_filter}
GROUP BY l.channel_id, {days}
"""



@dataclass(frozen=True)
class CustomerValues:
    """One entry per customer as of a date: channel, revenue (minor units), purchases."""

    channel_id: npt.NDArray[np.int64]
    revenue_minor: npt.NDArray[np.int64]
    purchases: npt.NDArray[np.int64]


def customer_values(*, session: Session, as_of: AsOf) -> CustomerValues:
    """Return every customer's revenue and purchase count up to the as-of day.

    One GROUP BY over purchases; its cost grows with the number of purchases, so callers
    on a request path cache it by data version.
    """
    rows = _rows(
        session,
        "SELECT l.channel_id, SUM(p.amount_minor), COUNT(*) FROM purchase p "
        "JOIN lead l ON l.id = p.lead_id WHERE p.purchased_on <= :day GROUP BY p.lead_id, "
        "l.channel_id",
        {"day": as_of.day},
    )
    table = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return CustomerValues(
        channel_id=table[:, 0], revenue_minor=table[:, 1], purchases=table[:, 2]
    )
