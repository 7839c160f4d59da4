"""The weekly spend sheet: weeks × channels of amounts, read together and saved as one.

A save stores every changed amount or none of them: the caller commits only when
`save_sheet` reports no conflict, and rolls back otherwise. Each cell follows the spend
grid's rule of optimistic concurrency (`channels.edits`): a cell someone else changed since
the sheet was read, to a value the editor did not type, is a conflict; impressions and clicks
are not part of the sheet and stay as stored.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from channels.edits import Conflict, ReadAt
from channels.inputs import CellEdit, SpendInput
from channels.models import Channel, WeeklySpend
from channels.queries import list_channels, save_spend, spend_row

# Channels that take no spend unless some was recorded in the weeks shown.
_IDLE_STATUSES = frozenset({"idea", "dropped"})

Cell = tuple[int, date]  # (channel id, week)


@dataclass(frozen=True)
class Sheet:
    """Amounts (minor units) by channel and week; a missing cell has no spend recorded."""

    weeks: tuple[date, ...]  # oldest first
    channels: tuple[Channel, ...]
    amounts: dict[Cell, int] = field(default_factory=dict)

    def week_total(self, week: date) -> int:
        """Return the spend of every channel shown in `week` (0 when none)."""
        return sum(self.amounts.get((c.id or 0, week), 0) for c in self.channels)

    def channel_total(self, channel_id: int) -> int:
        """Return the spend of one channel over the weeks shown (0 when none)."""
        return sum(self.amounts.get((channel_id, week), 0) for week in self.weeks)

    @property
    def total(self) -> int:
        """Return the spend of the whole sheet in minor units."""
        return sum(self.week_total(week) for week in self.weeks)


def spend_sheet(*, session: Session, weeks: Sequence[date]) -> Sheet:
    """Return the sheet of `weeks`: channels that take spend (or have some in these weeks)."""
    shown = tuple(sorted(weeks))
    rows = session.exec(
        select(WeeklySpend).where(col(WeeklySpend.week).in_(shown))
    ).all() if shown else []
    amounts = {(r.channel_id, r.week): r.amount_minor for r in rows}
    spent = {channel_id for channel_id, _ in amounts}
    channels = tuple(
        c for c in list_channels(session=session)
        if c.status not in _IDLE_STATUSES or c.id in spent
    )
    return Sheet(shown, channels, amounts)


def save_sheet(
    *, session: Session, edits: Iterable[CellEdit], user_id: int | None
) -> dict[Cell, Conflict]:
    """Write every edit (flushed, not committed); return the conflicting cells (empty: all ok).

    With any conflict the caller must roll back: nothing of the sheet may be stored.
    """
    conflicts: dict[Cell, Conflict] = {}
    for edit in edits:
        row = spend_row(session=session, channel_id=edit.channel_id, week=edit.week)
        if row is None and edit.amount_minor is None and edit.read_minor is None:
            continue
        impressions = None if row is None else row.impressions
        clicks = None if row is None else row.clicks
        read = ReadAt(0, {"amount_minor": edit.read_minor, "impressions": impressions,
                          "clicks": clicks})  # fmt: skip
        saved = save_spend(
            session=session, channel_id=edit.channel_id, week=edit.week,
            data=SpendInput(edit.amount_minor, impressions, clicks), read=read, user_id=user_id,
        )  # fmt: skip
        if saved.conflict is not None:
            conflicts[(edit.channel_id, edit.week)] = saved.conflict
    return conflicts
