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
from kernel.weeks import to_utc, week_of


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


IntTable = npt.NDArray[np.int64]


def _table(session: Session, sql: str, params: dict[str, Any], date_column: int) -> IntTable:
    """Return a query's rows as an int64 table; `date_column` becomes days since 1970-01-01.

    Rows come straight from the DBAPI cursor: tens of thousands of aggregate rows would
    otherwise cost more as Row objects than the query itself.
    """
    result = session.connection().execute(sa.text(sql), params)
    width = len(result.keys())
    rows = result.cursor.fetchall() if result.cursor is not None else []
    result.close()
    if not rows:
        return np.zeros((0, width), dtype=np.int64)
    columns = list(zip(*rows, strict=True))
    table = np.empty((len(rows), width), dtype=np.int64)
    for i, column in enumerate(columns):
        if i == date_column:
            days = np.array([str(v)[:10] for v in column], dtype="datetime64[D]")
            table[:, i] = days.astype(np.int64)
        else:
            table[:, i] = np.array([v or 0 for v in column], dtype=np.int64)
    return table


@dataclass(frozen=True)
class AggregateRows:
    """All cohort aggregate rows as int64 tables (weeks as days since 1970-01-01).

    spend: (n, 3) channel, week, amount; sizes: (n, 3) channel, cohort week, leads;
    purchases: (n, 5) channel, cohort week, age, new customers, revenue.
    """

    spend: IntTable
    sizes: IntTable
    purchases: IntTable


def load_aggregates(*, session: Session, channel_ids: list[int] | None = None) -> AggregateRows:
    """Return the rows of weekly spend and the cohort aggregates (for any as-of date) of every
    channel, or of those in `channel_ids`."""
    where, params = _channel_filter(channel_ids, "channel_id")
    where = where.replace(" AND ", " WHERE ", 1)
    return AggregateRows(
        spend=_table(session, f"SELECT channel_id, week, amount_minor FROM weekly_spend{where}",
                     params, 1),
        sizes=_table(session, f"SELECT channel_id, cohort_week, leads FROM cohort_size{where}",
                     params, 1),
        purchases=_table(session, "SELECT channel_id, cohort_week, age, new_customers, "
                         f"revenue_minor FROM cohort_purchases{where}", params, 1),
    )


def _this_week(session: Session, as_of: AsOf) -> tuple[IntTable, IntTable]:
    """Return the as-of week's leads (channel, week, leads) and purchases up to the as-of
    day (channel, week, new customers, revenue), read from the raw rows."""
    params: dict[str, Any] = {"week": as_of.week, "day": as_of.day, "end": as_of.end_utc}
    leads = _table(session, "SELECT l.channel_id, l.cohort_week, COUNT(*) FROM lead l "
                   "WHERE l.cohort_week = :week AND l.created_at < :end "
                   "GROUP BY l.channel_id, l.cohort_week", params, 1)
    return leads, _table(session, _THIS_WEEK_SQL, params, 1)


# Purchases of the as-of week up to the as-of day, by cohort; a lead is a new customer
# in it when it bought nothing before the week.
_THIS_WEEK_SQL = """
SELECT l.channel_id, l.cohort_week,
       COUNT(DISTINCT CASE WHEN NOT EXISTS (
           SELECT 1 FROM purchase e WHERE e.lead_id = p.lead_id AND e.purchased_on < :week
           AND e.purchased_at >= l.created_at
       ) THEN p.lead_id END),
       SUM(p.amount_minor)
FROM purchase p JOIN lead l ON l.id = p.lead_id
WHERE p.purchased_on >= :week AND p.purchased_on <= :day AND p.purchased_at >= l.created_at
GROUP BY l.channel_id, l.cohort_week
"""


def _only(table: IntTable, channel_ids: list[int] | None) -> IntTable:
    return table if channel_ids is None else table[np.isin(table[:, 0], channel_ids)]


def cohort_counts(
    *, session: Session, as_of: AsOf, channel_ids: list[int] | None = None,
    aggregates: AggregateRows | None = None,
) -> dict[int, CohortCounts]:
    """Return each channel's cohorts from its first active week to the as-of week.

    `aggregates` (from `load_aggregates`, e.g. cached until the data changes) saves reading
    them again; the as-of week itself is always read fresh. A channel with neither spend
    nor leads up to the as-of date is absent.
    """
    rows = aggregates or load_aggregates(session=session)
    as_week = int(np.datetime64(as_of.week, "D").astype(np.int64))
    week_leads, week_purchases = _this_week(session, as_of)
    spend = _only(rows.spend[rows.spend[:, 1] <= as_week], channel_ids)
    sizes = _only(np.vstack([rows.sizes[rows.sizes[:, 1] < as_week], week_leads]), channel_ids)
    activity = np.concatenate([spend[:, :2], sizes[:, :2]])
    if activity.size == 0:
        return {}
    channels = sorted({int(c) for c in activity[:, 0]})
    first = int(activity[:, 1].min())
    n_weeks = (as_week - first) // 7 + 1
    index = np.full(int(max(channels)) + 1, -1, dtype=np.int64)
    index[channels] = np.arange(len(channels))
    shape = (len(channels), n_weeks)
    spend_grid, leads = np.zeros(shape, np.int64), np.zeros(shape, np.int64)
    new, revenue = np.zeros((*shape, n_weeks), np.int64), np.zeros((*shape, n_weeks), np.int64)
    _scatter(spend_grid, spend, index, first)
    _scatter(leads, sizes, index, first)
    current_age = (n_weeks - 1) - np.arange(n_weeks)
    purchases = _only(rows.purchases[rows.purchases[:, 1] <= as_week], channel_ids)
    _scatter_ages(new, revenue, purchases, index, first, current_age)
    week_purchases = _only(week_purchases, channel_ids)
    ages = current_age[(week_purchases[:, 1] - first) // 7]
    this_week = np.column_stack([week_purchases[:, :2], ages, week_purchases[:, 2:]])
    _scatter_ages(new, revenue, this_week, index, first, current_age + 1)
    return {
        channel: _channel_slice(channel, int(index[channel]), first, spend_grid, leads, new,
                                revenue)
        for channel in channels
    }


def _scatter(target: IntTable, rows: IntTable, index: IntTable, first: int) -> None:
    """Add rows (channel, week day, value) of the indexed channels into target[channel, week]."""
    np.add.at(target, (index[rows[:, 0]], (rows[:, 1] - first) // 7), rows[:, 2])


def _scatter_ages(new: IntTable, revenue: IntTable, rows: IntTable, index: IntTable,
                  first: int, age_limit: IntTable) -> None:
    """Add rows (channel, week day, age, new customers, revenue) with age < age_limit[week]."""
    rows = rows[rows[:, 0] < index.size]
    channel = index[rows[:, 0]]
    week = (rows[:, 1] - first) // 7
    age = rows[:, 2]
    keep = (channel >= 0) & (age >= 0) & (age < age_limit[week])
    at = (channel[keep], week[keep], age[keep])
    np.add.at(new, at, rows[keep, 3])
    np.add.at(revenue, at, rows[keep, 4])


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
    SELECT p.lead_id, MIN(p.purchased_at) AS first_at FROM purchase p
    JOIN lead v ON v.id = p.lead_id AND p.purchased_at >= v.created_at
    WHERE p.lead_id IN (
        SELECT lead_id FROM purchase WHERE purchased_on >= :week AND purchased_on <= :day
    )
    GROUP BY p.lead_id HAVING MIN(p.purchased_on) >= :week AND MIN(p.purchased_on) <= :day
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
        "JOIN lead l ON l.id = p.lead_id WHERE p.purchased_on <= :day "
        "AND p.purchased_at >= l.created_at GROUP BY p.lead_id, "
        "l.channel_id",
        {"day": as_of.day},
    )
    table = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return CustomerValues(
        channel_id=table[:, 0], revenue_minor=table[:, 1], purchases=table[:, 2]
    )
