"""Read what channel health needs: cohort counts, weekly impressions/clicks, sales cycles."""

from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session

from cohorts.health_series import ChannelFacts
from cohorts.queries import AggregateRows, AsOf, cohort_counts, sales_cycles
from cohorts.triangle import CohortCounts


def _traffic_rows(session: Session, as_of: AsOf) -> list[Any]:
    sql = ("SELECT channel_id, week, impressions, clicks FROM weekly_spend "
           "WHERE week <= :week AND impressions IS NOT NULL AND clicks IS NOT NULL")
    return list(session.connection().execute(sa.text(sql), {"week": as_of.week}).all())


def _aligned(counts: CohortCounts, rows: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Return impressions and clicks aligned with counts.weeks (−1 where not logged)."""
    impressions = np.full(len(counts.weeks), -1, dtype=np.int64)
    clicks = np.full(len(counts.weeks), -1, dtype=np.int64)
    if not rows or not len(counts.weeks):
        return impressions, clicks
    first = counts.weeks[0]
    weeks = np.array([str(r[1])[:10] for r in rows], dtype="datetime64[D]")
    index = ((weeks - first).astype(np.int64) // 7).astype(np.int64)
    keep = (index >= 0) & (index < len(counts.weeks))
    impressions[index[keep]] = np.array([int(r[2]) for r in rows], dtype=np.int64)[keep]
    clicks[index[keep]] = np.array([int(r[3]) for r in rows], dtype=np.int64)[keep]
    return impressions, clicks


def channel_facts(
    *, session: Session, as_of: AsOf, channel_ids: list[int] | None = None,
    aggregates: AggregateRows | None = None,
) -> dict[int, ChannelFacts]:
    """Return each active channel's cohorts, weekly traffic and p75 sales cycle as of a date.

    Channels with neither spend nor leads up to the as-of date are absent; `aggregates`
    are passed on to `cohort_counts`.
    """
    counts = cohort_counts(
        session=session, as_of=as_of, channel_ids=channel_ids, aggregates=aggregates
    )
    cycles = sales_cycles(session=session, as_of=as_of, channel_ids=channel_ids)
    traffic = _traffic_rows(session, as_of)
    result: dict[int, ChannelFacts] = {}
    for channel_id, channel_counts in counts.items():
        rows = [r for r in traffic if int(r[0]) == channel_id]
        impressions, clicks = _aligned(channel_counts, rows)
        cycle = cycles.get(channel_id)
        result[channel_id] = ChannelFacts(
            counts=channel_counts, impressions=impressions, clicks=clicks,
            p75_days=cycle.p75_days if cycle else None,
        )
    return result
