"""Keeping a lead's stage and grade changes as dated history, whatever wrote the lead.

Every write path (CSV import and API batches in `ingest`, `PATCH /api/v1/leads/…`) calls
`remember_creation` before it changes leads and `record_changes` after: a lead created
with a stage gets one row "since creation" (`changed_at` NULL); a later change of stage or
grade gets a row dated when it was made. Leads written by paths that keep no history (rows
stored directly) count as having had their current stage since creation.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cohorts.models import LeadStageChange

_AT = sa.bindparam("at", type_=sa.inspect(LeadStageChange).columns["changed_at"].type)


def remember_creation(conn: sa.Connection, where: str, params: dict[str, Any]) -> None:
    """Give leads matching `where` (alias l) with no history their stored stage since creation."""
    conn.execute(
        sa.text(
            "INSERT INTO lead_stage_change (lead_id, changed_at, stage, grade) "
            f"SELECT l.id, NULL, l.stage, l.grade FROM lead l WHERE ({where}) AND NOT EXISTS "
            "(SELECT 1 FROM lead_stage_change h WHERE h.lead_id = l.id) ORDER BY l.id"
        ),
        params,
    )


def record_changes(
    conn: sa.Connection, where: str, params: dict[str, Any], at: datetime, *,
    join: str = "", dated: str = ":at",
) -> int:
    """Add a history row at `at` for each lead matching `where` whose stage or grade changed.

    A lead with no history yet (just created) gets its row "since creation" instead.
    `join` may join a source of per-lead times to `lead l`, and `dated` is the SQL of a
    change's time (default `at`; e.g. "COALESCE(s.stage_changed_at, :at)").
    Returns how many rows were added.
    """
    result = conn.execute(
        sa.text(
            "INSERT INTO lead_stage_change (lead_id, changed_at, stage, grade) "
            f"SELECT l.id, CASE WHEN h.id IS NULL THEN NULL ELSE {dated} END, l.stage, l.grade "
            f"FROM lead l {join} LEFT JOIN lead_stage_change h ON h.id = "
            "(SELECT MAX(x.id) FROM lead_stage_change x WHERE x.lead_id = l.id) "
            f"WHERE ({where}) AND (h.id IS NULL OR h.stage <> l.stage "
            "OR COALESCE(h.grade, '') <> COALESCE(l.grade, '')) ORDER BY l.id"
        ).bindparams(_AT),
        params | {"at": at},
    )
    return int(result.rowcount or 0)
