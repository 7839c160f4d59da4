"""Rows stored outside the date window (by versions that did not refuse them): what and where.

Metrics leave them out (see `cohorts.as_of.AsOf.earliest`); pages name them so they can be
fixed: leads and purchases by importing them again with a corrected date (same external id),
spend weeks by clearing them in the spend grid.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from kernel.weeks import DateWindow

SHOWN = 10


@dataclass(frozen=True)
class OutsideSpend:
    """A spend week outside the window, with what its edit form must post back to clear it."""

    channel_id: int
    channel_name: str
    week: date
    version: int
    cells: dict[str, int | None]  # amount_minor, impressions, clicks as stored


@dataclass(frozen=True)
class OutsideWindow:
    """How many rows of each kind lie outside the window, and the first SHOWN of each."""

    window: DateWindow
    spend_rows: int
    lead_rows: int
    purchase_rows: int
    spend: tuple[OutsideSpend, ...]
    leads: tuple[tuple[str, str], ...]  # external id, created at (as stored)
    purchases: tuple[tuple[str, str], ...]  # external id, purchased at (as stored)

    @property
    def total(self) -> int:
        """Return how many rows are left out."""
        return self.spend_rows + self.lead_rows + self.purchase_rows


_SPEND = "FROM weekly_spend s JOIN channel c ON c.id = s.channel_id " \
         "WHERE s.week < :lowest OR s.week > :latest"  # fmt: skip
_LEADS = "FROM lead WHERE cohort_week < :lowest OR cohort_week > :latest"
_PURCHASES = "FROM purchase WHERE purchased_on < :earliest OR purchased_on > :latest"


def _count_and_first(session: Session, where: str, columns: str, order: str,
                     params: dict[str, Any]) -> tuple[int, list[Any]]:  # fmt: skip
    conn = session.connection()
    count = int(conn.execute(sa.text(f"SELECT COUNT(*) {where}"), params).scalar_one())
    if not count:
        return 0, []
    rows = conn.execute(sa.text(f"SELECT {columns} {where} ORDER BY {order} LIMIT {SHOWN}"),
                        params)  # fmt: skip
    return count, list(rows)


def stored_outside_window(
    *, session: Session, window: DateWindow, first_week: date
) -> OutsideWindow:
    """Return the rows dated outside `window`; cohorts count from `first_week` (the week
    holding the window's first date)."""
    params = {"lowest": first_week, "earliest": window.earliest, "latest": window.latest}
    spend_rows, spend = _count_and_first(
        session, _SPEND, "c.id, c.name, s.week, s.version, s.amount_minor, s.impressions, s.clicks",
        "c.name, s.week", params)
    lead_rows, leads = _count_and_first(session, _LEADS, "external_id, created_at",
                                        "created_at", params)  # fmt: skip
    purchase_rows, purchases = _count_and_first(session, _PURCHASES,
                                                "external_id, purchased_at", "purchased_at",
                                                params)  # fmt: skip
    return OutsideWindow(
        window=window, spend_rows=spend_rows, lead_rows=lead_rows, purchase_rows=purchase_rows,
        spend=tuple(OutsideSpend(int(i), str(n), date.fromisoformat(str(w)[:10]), int(v),
                                 {"amount_minor": a, "impressions": m, "clicks": k})
                    for i, n, w, v, a, m, k in spend),
        leads=tuple((str(e), str(at)) for e, at in leads),
        purchases=tuple((str(e), str(at)) for e, at in purchases),
    )
