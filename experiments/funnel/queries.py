"""SQL of the funnel page: per-lead stages as of a date, aggregated in SQL (GROUP BY).

Every query reads each lead in scope once and returns rows bounded by channels × stages ×
grades (or × distinct days for histograms), never one row per lead.
"""

from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session

from cohorts.aggregates import elapsed_days_sql
from cohorts.as_of import AsOf
from experiments.funnel.report import FunnelData
from experiments.funnel.stages import CUSTOMER, FUNNEL_STAGES, FunnelCounts, empty_counts
from kernel.vocabulary import GRADES

LAST = 2_147_483_647  # orders a first purchase after any history row of the same instant
RANK = "CASE {c} " + " ".join(f"WHEN '{s}' THEN {k}" for k, s in enumerate(FUNNEL_STAGES)) + " END"

# The known events of each lead in scope: its history rows (or, without history, its stored
# stage since creation) and its first purchase, which makes it a customer. A history row
# dated before the lead's creation (creation moved later) counts from the creation.
EVENTS_SQL = """
WITH scope AS (
    SELECT l.id, l.channel_id, l.created_at, l.stage, l.grade FROM lead l
    WHERE l.created_at < :end AND l.cohort_week >= :lowest{channels}
), events AS (
    SELECT s.id AS lead_id, CASE WHEN h.changed_at IS NULL OR h.changed_at < s.created_at
        THEN s.created_at ELSE h.changed_at END AS at, h.id AS seq, h.stage, h.grade, 0 AS kind
    FROM scope s JOIN lead_stage_change h ON h.lead_id = s.id
    UNION ALL
    SELECT s.id, s.created_at, 0, s.stage, s.grade, 0 FROM scope s
    WHERE NOT EXISTS (SELECT 1 FROM lead_stage_change h WHERE h.lead_id = s.id)
    UNION ALL
    SELECT p.lead_id, MIN(p.purchased_at), {last}, 'customer', NULL, 1
    FROM purchase p JOIN scope s ON s.id = p.lead_id
    WHERE p.purchased_at >= s.created_at GROUP BY p.lead_id
), known AS (
    SELECT * FROM events WHERE at < :end
)
"""

_PER_LEAD = EVENTS_SQL + """
, ranked AS (
    SELECT lead_id, stage, grade, kind, {rank} AS rank,
        ROW_NUMBER() OVER (PARTITION BY lead_id, kind ORDER BY at DESC, seq DESC) AS latest
    FROM known
), per_lead AS (
    SELECT lead_id, COALESCE(MAX(rank), 0) AS furthest,
        MAX(CASE WHEN kind = 0 AND latest = 1 AND stage = 'lost' THEN 1 ELSE 0 END) AS lost,
        MAX(CASE WHEN kind = 0 AND latest = 1 THEN grade END) AS grade
    FROM ranked GROUP BY lead_id
)
SELECT s.channel_id, p.furthest, p.lost, p.grade, COUNT(*)
FROM per_lead p JOIN scope s ON s.id = p.lead_id
GROUP BY s.channel_id, p.furthest, p.lost, p.grade
"""

# Days in a stage: from entering it to entering the next different stage, both by the as-of
# date (stays still open on the as-of date are not counted).
_STAYS = EVENTS_SQL + """
, changes AS (
    SELECT lead_id, at, seq, stage,
        LAG(stage) OVER (PARTITION BY lead_id ORDER BY at, seq) AS previous
    FROM known
), moves AS (
    SELECT lead_id, at, stage, LEAD(at) OVER (PARTITION BY lead_id ORDER BY at, seq) AS left_at
    FROM changes WHERE previous IS NULL OR previous <> stage
)
SELECT s.channel_id, {rank} AS rank, {days} AS days, COUNT(*)
FROM moves m JOIN scope s ON s.id = m.lead_id
WHERE m.left_at IS NOT NULL AND m.stage IN ('inquiry', 'lead', 'sales_ready', 'opportunity')
GROUP BY s.channel_id, {rank}, {days}
"""


def scope_filter(channel_ids: list[int] | None) -> tuple[str, dict[str, Any]]:
    """Return the SQL filter of leads (alias l) on `channel_ids` (None: every channel)."""
    if channel_ids is None:
        return "", {}
    names = {f"c{i}": int(c) for i, c in enumerate(channel_ids)}
    marks = ", ".join(f":{name}" for name in names) or "NULL"
    return f" AND l.channel_id IN ({marks})", names


def funnel_data(
    *, session: Session, as_of: AsOf, channel_ids: list[int] | None = None
) -> FunnelData:
    """Return the funnel counts of each channel as of `as_of` (leads created up to it)."""
    channels, params = scope_filter(channel_ids)
    params |= {"end": as_of.end_utc, "lowest": as_of.first_week}
    conn = session.connection()
    per_lead = _PER_LEAD.format(channels=channels, last=LAST, rank=RANK.format(c="stage"))
    rows = conn.execute(sa.text(per_lead), params).all()
    days = elapsed_days_sql(conn, "m.left_at", "m.at")
    stays_sql = _STAYS.format(channels=channels, last=LAST, rank=RANK.format(c="m.stage"),
                              days=days)  # fmt: skip
    stays = conn.execute(sa.text(stays_sql), params).all()
    spend_sql = ("SELECT channel_id, SUM(amount_minor) FROM weekly_spend w "
                 "WHERE w.week <= :day AND w.week >= :lowest"
                 + channels.replace("l.channel_id", "w.channel_id") + " GROUP BY channel_id")
    spend_rows = conn.execute(sa.text(spend_sql), params | {"day": as_of.day}).all()
    spend: dict[int, int] = {int(c): int(v) for c, v in spend_rows}
    ids = sorted({int(r[0]) for r in rows} | {int(r[0]) for r in stays} | set(spend))
    result = FunnelData({}, {}, {})
    for channel in ids:
        result.counts[channel] = _counts(
            [r for r in rows if r[0] == channel], [r for r in stays if r[0] == channel],
            int(spend.get(channel, 0)))  # fmt: skip
        leads, customers = dict.fromkeys(GRADES, 0), dict.fromkeys(GRADES, 0)
        for _c, furthest, _lost, grade, n in (r for r in rows if r[0] == channel):
            if grade in leads:
                leads[grade] += int(n)
                customers[grade] += int(n) * (int(furthest) == CUSTOMER)
        result.grade_leads[channel], result.grade_customers[channel] = leads, customers
    return result


def _counts(rows: list[Any], stays: list[Any], spend_minor: int) -> FunnelCounts:
    """Return one channel's FunnelCounts from its per-lead and stay rows."""
    base = empty_counts()
    furthest, lost = base.furthest.copy(), base.lost.copy()
    for _c, stage, is_lost, _grade, n in rows:
        furthest[int(stage)] += int(n)
        if int(is_lost) and int(stage) != CUSTOMER:
            lost[int(stage)] += int(n)
    table = np.array([(int(r[1]), int(r[2]), int(r[3])) for r in stays], np.int64).reshape(-1, 3)
    days = tuple(table[table[:, 0] == k, 1] for k in range(len(FUNNEL_STAGES)))
    counts = tuple(table[table[:, 0] == k, 2] for k in range(len(FUNNEL_STAGES)))
    return FunnelCounts(furthest, lost, days, counts, spend_minor)


def _quarter_sql(conn: sa.Connection, day: str) -> str:
    """Return SQL for year × 4 + quarter − 1 of date `day`."""
    if conn.dialect.name == "sqlite":
        year, month = f"strftime('%Y', {day})", f"strftime('%m', {day})"
    else:
        year, month = f"EXTRACT(YEAR FROM {day})", f"EXTRACT(MONTH FROM {day})"
    return f"(CAST({year} AS INTEGER) * 4 + (CAST({month} AS INTEGER) - 1) / 3)"


def quarterly_cycle_rows(
    *, session: Session, as_of: AsOf, channel_ids: list[int] | None = None
) -> list[tuple[int, int, int]]:
    """Return (quarter key, days to first purchase, customers) of leads by cohort quarter.

    Quarter key: year × 4 + quarter − 1 of the lead's cohort week; purchases up to `as_of`.
    """
    channels, params = scope_filter(channel_ids)
    conn = session.connection()
    quarter, days = _quarter_sql(conn, "l.cohort_week"), elapsed_days_sql(
        conn, "f.first_at", "l.created_at")  # fmt: skip
    sql = (
        f"SELECT {quarter}, {days}, COUNT(*) FROM lead l JOIN (SELECT p.lead_id, "
        "MIN(p.purchased_at) AS first_at FROM purchase p JOIN lead v ON v.id = p.lead_id "
        "AND p.purchased_at >= v.created_at WHERE p.purchased_on <= :day GROUP BY p.lead_id) f "
        f"ON f.lead_id = l.id WHERE l.cohort_week >= :lowest{channels} "
        f"GROUP BY {quarter}, {days}"
    )
    rows = conn.execute(sa.text(sql), params | {"day": as_of.day, "lowest": as_of.first_week})
    return [(int(q), int(d), int(n)) for q, d, n in rows]
