"""Per-customer purchase summaries, computed in SQL (SQLite and PostgreSQL).

Time is counted in weeks at day resolution, from the first day of the lead's cohort week (as in
the CDNOW studies: days / 7). Per customer (a lead with a purchase on or before the as-of day,
made after the lead was created):

- first day: the date of the customer's first purchase (any amount, as SPEC §3 counts
  customers);
- frequency x: the number of distinct later days holding a purchase with a positive amount —
  repeat transactions, several on one day counted once, as the literature does; refunds and
  zero-value purchases never make a day a purchase day;
- recency: the last such day minus the first day (0 when x = 0); age T: the as-of date minus
  the first day;
- observed revenue: the net sum of every amount (refunds negative) at cohort ages below the
  horizon, as the triangles count it;
- repeat revenue: the net sum of every amount after the first day, refunds included.
"""

from datetime import timedelta

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlmodel import Session

from cohorts.aggregates import _age_days
from cohorts.as_of import AsOf
from cohorts.ltv.projection import SUMMARY_FIELDS, CustomerSummaries
from cohorts.queries import _channel_filter

_SUMMARY_SQL = """
SELECT lead_id, channel_id, as_of_day, MIN(day) AS first_day,
       SUM(CASE WHEN day > first_day AND positive = 1 THEN 1 ELSE 0 END),
       MAX(CASE WHEN day > first_day AND positive = 1 THEN day ELSE first_day END) - MIN(day),
       SUM(CASE WHEN day < :horizon_days THEN net ELSE 0 END),
       SUM(CASE WHEN day > first_day THEN net ELSE 0 END)
FROM (
    SELECT w.*, MIN(w.day) OVER (PARTITION BY w.lead_id) AS first_day FROM (
        SELECT p.lead_id, l.channel_id, {as_of_day} AS as_of_day, {day} AS day,
               SUM(p.amount_minor) AS net,
               MAX(CASE WHEN p.amount_minor > 0 THEN 1 ELSE 0 END) AS positive
        FROM purchase p JOIN lead l ON l.id = p.lead_id
        WHERE p.purchased_on <= :day AND p.purchased_at >= l.created_at
          AND l.cohort_week >= :lowest{channels}
        GROUP BY p.lead_id, l.channel_id, l.cohort_week, p.purchased_on
    ) w
) c
GROUP BY lead_id, channel_id, as_of_day
"""


def customer_summaries(*, session: Session, as_of: AsOf, horizon_weeks: int,
                       channel_ids: list[int] | None = None) -> CustomerSummaries:
    """Return every customer's summary as of `as_of` (of the channels given; None: all)."""
    return lead_summaries(session=session, as_of=as_of, horizon_weeks=horizon_weeks,
                          channel_ids=channel_ids)[1]


def lead_summaries(*, session: Session, as_of: AsOf, horizon_weeks: int,
                   channel_ids: list[int] | None = None
                   ) -> tuple[npt.NDArray[np.int64], CustomerSummaries]:
    """Return every customer's lead id and summary as of `as_of`, sorted by lead id."""
    connection = session.connection()
    channels, params = _channel_filter(channel_ids, "l.channel_id")
    day = ":day" if connection.dialect.name == "sqlite" else "CAST(:day AS DATE)"
    sql = _SUMMARY_SQL.format(
        as_of_day=_age_days(connection, day, "l.cohort_week"),
        day=_age_days(connection, "p.purchased_on", "l.cohort_week"), channels=channels)
    params |= {"day": as_of.day, "lowest": as_of.first_week, "horizon_days": 7 * horizon_weeks}
    rows = connection.execute(sa.text(sql), params).all()
    table = np.array(rows, dtype=np.int64).reshape(-1, 1 + len(SUMMARY_FIELDS))
    table = table[np.argsort(table[:, 0], kind="stable")]
    return table[:, 0], CustomerSummaries(*(table[:, 1 + i] for i in range(len(SUMMARY_FIELDS))))


def revenue_since(*, session: Session, as_of: AsOf, weeks: int,
                  channel_ids: list[int] | None = None) -> dict[int, int]:
    """Return per channel the net revenue, in the `weeks` weeks up to the as-of day, of the
    customers who had bought by the day that many weeks earlier (the backtest's outcome)."""
    past = as_of.day - timedelta(weeks=weeks)
    channels, params = _channel_filter(channel_ids, "l.channel_id")
    rows = session.connection().execute(sa.text(
        "SELECT l.channel_id, SUM(p.amount_minor) FROM purchase p JOIN lead l ON l.id = p.lead_id "
        "WHERE p.purchased_on > :past AND p.purchased_on <= :day "
        f"AND p.purchased_at >= l.created_at AND l.cohort_week >= :lowest{channels} "
        "AND EXISTS (SELECT 1 FROM purchase q WHERE q.lead_id = l.id AND q.purchased_on <= :past "
        "AND q.purchased_at >= l.created_at) GROUP BY l.channel_id"),
        params | {"past": past, "day": as_of.day, "lowest": as_of.first_week}).all()
    return {int(channel): int(total) for channel, total in rows}


def weeks_earlier(as_of: AsOf, weeks: int) -> AsOf:
    """Return `as_of` moved `weeks` weeks back (same calendar settings)."""
    return AsOf(day=as_of.day - timedelta(weeks=weeks), week_start=as_of.week_start,
                timezone=as_of.timezone, earliest=as_of.earliest)

