"""Cohort facts as of a date, read from the maintained aggregates into numpy arrays.

Complete weeks come from `cohort_size`/`cohort_purchases`; the as-of week itself is
read from the raw rows (one week of data, through indexes) so that an as-of date in
the middle of a week ignores the events after it.
"""

from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlmodel import Session

from cohorts.aggregates import elapsed_days_sql
from cohorts.as_of import AsOf
from cohorts.economics import percentile_of_histogram
from cohorts.triangle import CohortCounts


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
    nor leads up to the as-of date is absent. Cohorts before the week of `as_of.earliest`
    are left out. Each channel's arrays span only its own weeks (W × W for W weeks), so a
    channel's old data never sizes another channel's arrays.
    """
    rows = aggregates or load_aggregates(session=session)
    as_week, lowest = _day(as_of.week), _day(as_of.first_week)
    week_leads, week_purchases = _this_week(session, as_of)
    spend = _only(_weeks(rows.spend, lowest, as_week), channel_ids)
    sizes = _only(np.vstack([_weeks(rows.sizes, lowest, as_week - 1), week_leads]), channel_ids)
    purchases = _only(_weeks(rows.purchases, lowest, as_week), channel_ids)
    this_week = _only(_weeks(week_purchases, lowest, as_week), channel_ids)
    channels = sorted({int(c) for c in spend[:, 0]} | {int(c) for c in sizes[:, 0]})
    result = {}
    for channel in channels:
        spend_c, sizes_c, purchases_c, this_week_c = (
            table[table[:, 0] == channel] for table in (spend, sizes, purchases, this_week))
        result[channel] = _channel_counts(spend_c, sizes_c, purchases_c, this_week_c, as_week)
    return result


def _day(day: date) -> int:
    """Return `day` as days since 1970-01-01 (how `_table` stores dates)."""
    return int(np.datetime64(day, "D").astype(np.int64))


def _weeks(table: IntTable, lowest: int, highest: int) -> IntTable:
    """Return the rows of `table` whose week (column 1, days) lies in lowest…highest."""
    return table[(table[:, 1] >= lowest) & (table[:, 1] <= highest)]


def _channel_counts(spend: IntTable, sizes: IntTable, purchases: IntTable, this_week: IntTable,
                    as_week: int) -> CohortCounts:
    """Return one channel's cohorts from its first week with spend, leads or revenue.

    spend, sizes: (channel, week, value); purchases: (channel, week, age, new, revenue) of
    complete weeks; this_week: (channel, week, new, revenue) of the as-of week so far.
    """
    first = int(min(spend[:, 1].min(initial=as_week), sizes[:, 1].min(initial=as_week)))
    n_weeks = (as_week - first) // 7 + 1
    spend_grid, leads = np.zeros(n_weeks, np.int64), np.zeros(n_weeks, np.int64)
    new = np.zeros((n_weeks, n_weeks), np.int64)
    revenue = np.zeros((n_weeks, n_weeks), np.int64)
    np.add.at(spend_grid, (spend[:, 1] - first) // 7, spend[:, 2])
    np.add.at(leads, (sizes[:, 1] - first) // 7, sizes[:, 2])
    current_age = (n_weeks - 1) - np.arange(n_weeks)
    _scatter_ages(new, revenue, purchases[:, 1:], first, current_age)
    week = (this_week[:, 1] - first) // 7
    _scatter_ages(new, revenue, np.column_stack([this_week[:, 1], current_age[week],
                                                 this_week[:, 2:]]), first, current_age + 1)
    active = np.flatnonzero((spend_grid > 0) | (leads > 0) | revenue.any(axis=1))
    start = int(active[0]) if active.size else n_weeks - 1
    weeks = (np.datetime64(first, "D") + 7 * np.arange(start, n_weeks)).astype("datetime64[D]")
    return CohortCounts(
        weeks=weeks,
        current_age=current_age[start:].astype(np.int64),
        spend_minor=spend_grid[start:],
        leads=leads[start:],
        new_customers=new[start:, : n_weeks - start],
        revenue_minor=revenue[start:, : n_weeks - start],
    )


def _scatter_ages(new: IntTable, revenue: IntTable, rows: IntTable, first: int,
                  age_limit: IntTable) -> None:
    """Add rows (week day, age, new customers, revenue) with 0 ≤ age < age_limit[week]."""
    week = (rows[:, 0] - first) // 7
    age = rows[:, 1]
    keep = (week >= 0) & (age >= 0) & (age < age_limit[np.clip(week, 0, None)])
    at = (week[keep], age[keep])
    np.add.at(new, at, rows[keep, 2])
    np.add.at(revenue, at, rows[keep, 3])


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
    # A lead created on or after `earliest` bought at most (as-of day − earliest) days later.
    params |= params2 | {"week": as_of.week, "day": as_of.day, "lowest": as_of.first_week,
                         "most": (as_of.day - as_of.earliest).days}  # fmt: skip
    rows = _rows(session, "SELECT channel_id, days, SUM(customers) FROM first_purchase_days "
                 f"WHERE first_purchase_week < :week AND days <= :most{channel_f} "
                 "GROUP BY channel_id, days", params)
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
WHERE l.cohort_week >= :lowest{lead_filter}
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
        "AND p.purchased_at >= l.created_at AND l.cohort_week >= :lowest "
        "GROUP BY p.lead_id, l.channel_id",
        {"day": as_of.day, "lowest": as_of.first_week},
    )
    table = np.fromiter(chain.from_iterable(rows), dtype=np.int64,  # not Row by Row
                        count=3 * len(rows)).reshape(-1, 3)
    return CustomerValues(
        channel_id=table[:, 0], revenue_minor=table[:, 1], purchases=table[:, 2]
    )
