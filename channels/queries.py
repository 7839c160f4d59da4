"""Channel reads and writes: key numbers per channel, history and the weekly spend grid.

Key numbers are aggregated in SQL, one GROUP BY query per metric family (spend, leads,
purchases), so the cost does not grow with the number of channels, leads or purchases.
"""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from channels.forms import ChannelInput, SpendInput
from channels.kinds import RINGS
from channels.models import Channel, ChannelHistory, WeeklySpend
from cohorts.models import Lead, Purchase
from cohorts.weeks import to_utc

# The user table lives in app.models; a bare table clause keeps this domain module free of
# the web package while still letting history show who made a change.
_USER = sa.table("user", sa.column("id", sa.Integer), sa.column("email", sa.String))


@dataclass(frozen=True)
class KeyNumbers:
    """Spend, leads, customers and revenue to date (money in minor units)."""

    spend_minor: int = 0
    spend_weeks: int = 0
    leads: int = 0
    customers: int = 0
    revenue_minor: int = 0

    @property
    def cac_minor(self) -> int | None:
        """Return spend / customers rounded to a minor unit; None without customers or spend."""
        if self.customers == 0 or self.spend_weeks == 0:
            return None
        return (2 * self.spend_minor + self.customers) // (2 * self.customers)

    @property
    def cpl_minor(self) -> int | None:
        """Return spend / leads rounded to a minor unit; None without leads or spend."""
        if self.leads == 0 or self.spend_weeks == 0:
            return None
        return (2 * self.spend_minor + self.leads) // (2 * self.leads)

    @property
    def conversion(self) -> float | None:
        """Return customers / leads as a ratio in [0, 1]; None without leads."""
        return self.customers / self.leads if self.leads else None

    def __add__(self, other: "KeyNumbers") -> "KeyNumbers":
        return KeyNumbers(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(KeyNumbers))
        )


@dataclass(frozen=True)
class ChannelSummary:
    """A channel's identity and its key numbers."""

    id: int
    name: str
    kind: str
    ring: str
    status: str
    numbers: KeyNumbers


@dataclass(frozen=True)
class HistoryEntry:
    """One ring/status snapshot and who made it (email None when unknown or deleted)."""

    changed_at: datetime
    ring: str
    status: str
    user_email: str | None


@dataclass(frozen=True)
class SpendRow:
    """One week of the spend grid; amount None means nothing is recorded for that week."""

    week: date
    amount_minor: int | None = None
    impressions: int | None = None
    clicks: int | None = None


@dataclass(frozen=True)
class SpendGrid:
    """The weeks shown for a channel, newest first, and the total over every recorded week."""

    rows: tuple[SpendRow, ...]
    weeks: int
    total_minor: int


def _cutoff(as_of: date, timezone: str) -> datetime:
    """Return the UTC instant where the local day after `as_of` begins."""
    return to_utc(datetime.combine(as_of + timedelta(days=1), time()), timezone)


def _grouped(session: Session, query: Any) -> dict[int, tuple[int, ...]]:
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in session.exec(query)}


def key_numbers(
    *,
    session: Session,
    as_of: date,
    timezone: str = "UTC",
    channel_ids: Sequence[int] | None = None,
) -> dict[int, KeyNumbers]:
    """Return key numbers per channel id as of the end of `as_of` (local date in `timezone`).

    Customers are leads with at least one purchase on or before `as_of`; revenue sums
    those purchases (refunds are negative). Channels without any activity are absent.
    """
    cutoff = _cutoff(as_of, timezone)
    spend = select(
        WeeklySpend.channel_id, sa.func.sum(WeeklySpend.amount_minor), sa.func.count()
    ).where(WeeklySpend.week <= as_of)
    leads = select(Lead.channel_id, sa.func.count()).where(Lead.created_at < cutoff)
    purchases = (
        select(
            Lead.channel_id,
            sa.func.count(sa.distinct(col(Purchase.lead_id))),
            sa.func.sum(Purchase.amount_minor),
        )
        .join(Lead, col(Lead.id) == Purchase.lead_id)
        .where(Purchase.purchased_on <= as_of, Lead.created_at < cutoff)
    )
    if channel_ids is not None:
        spend = spend.where(col(WeeklySpend.channel_id).in_(channel_ids))
        leads = leads.where(col(Lead.channel_id).in_(channel_ids))
        purchases = purchases.where(col(Lead.channel_id).in_(channel_ids))
    spend_by = _grouped(session, spend.group_by(col(WeeklySpend.channel_id)))
    leads_by = _grouped(session, leads.group_by(col(Lead.channel_id)))
    bought_by = _grouped(session, purchases.group_by(col(Lead.channel_id)))
    result: dict[int, KeyNumbers] = {}
    for channel_id in spend_by.keys() | leads_by.keys() | bought_by.keys():
        spend_minor, spend_weeks = spend_by.get(channel_id, (0, 0))
        customers, revenue = bought_by.get(channel_id, (0, 0))
        result[channel_id] = KeyNumbers(
            spend_minor, spend_weeks, leads_by.get(channel_id, (0,))[0], customers, revenue
        )
    return result


def list_channels(*, session: Session, ring: str = "", status: str = "") -> list[Channel]:
    """Return channels (optionally of one ring and/or status), inner ring first, then by name."""
    query = select(Channel)
    if ring:
        query = query.where(Channel.ring == ring)
    if status:
        query = query.where(Channel.status == status)
    ring_order = {name: i for i, name in enumerate(RINGS)}
    channels = session.exec(query).all()
    return sorted(channels, key=lambda c: (ring_order.get(c.ring, len(RINGS)), c.name.casefold()))


def channel_summaries(
    *, session: Session, as_of: date, timezone: str = "UTC"
) -> list[ChannelSummary]:
    """Return every channel with its key numbers as of `as_of`, inner ring first."""
    numbers = key_numbers(session=session, as_of=as_of, timezone=timezone)
    return [
        ChannelSummary(
            c.id or 0, c.name, c.kind, c.ring, c.status, numbers.get(c.id or 0, KeyNumbers())
        )
        for c in list_channels(session=session)
    ]


def total_numbers(summaries: Sequence[ChannelSummary]) -> KeyNumbers:
    """Return the sum of the channels' key numbers (ratios are recomputed, never averaged)."""
    return sum((s.numbers for s in summaries), KeyNumbers())


def channel_numbers(
    *, session: Session, channel_id: int, as_of: date, timezone: str = "UTC"
) -> KeyNumbers:
    """Return one channel's key numbers as of `as_of`."""
    numbers = key_numbers(session=session, as_of=as_of, timezone=timezone, channel_ids=[channel_id])
    return numbers.get(channel_id, KeyNumbers())


def channel_history(*, session: Session, channel_id: int) -> list[HistoryEntry]:
    """Return a channel's ring/status history, newest first."""
    query = (
        sa.select(
            col(ChannelHistory.changed_at),
            col(ChannelHistory.ring),
            col(ChannelHistory.status),
            _USER.c.email,
        )
        .outerjoin(_USER, _USER.c.id == ChannelHistory.user_id)
        .where(col(ChannelHistory.channel_id) == channel_id)
        .order_by(col(ChannelHistory.changed_at).desc(), col(ChannelHistory.id).desc())
    )
    return [HistoryEntry(*row) for row in session.execute(query)]


def name_taken(*, session: Session, name: str, exclude_id: int | None = None) -> bool:
    """Return whether another channel already has `name`, ignoring case."""
    # SQLite's lower() folds ASCII only; channels number in the dozens, so fold in Python.
    wanted = name.casefold()
    rows = session.exec(select(Channel.id, Channel.name)).all()
    return any(n.casefold() == wanted and i != exclude_id for i, n in rows)


def _record_history(session: Session, channel: Channel, user_id: int | None) -> None:
    assert channel.id is not None
    session.add(
        ChannelHistory(
            channel_id=channel.id, ring=channel.ring, status=channel.status, user_id=user_id
        )
    )


def create_channel(*, session: Session, data: ChannelInput, user_id: int | None) -> Channel:
    """Add a channel and its first history row; the caller commits."""
    channel = Channel(**vars(data))
    session.add(channel)
    session.flush()
    _record_history(session, channel, user_id)
    return channel


def update_channel(
    *, session: Session, channel: Channel, data: ChannelInput, user_id: int | None
) -> Channel:
    """Apply `data` to `channel`, adding a history row when ring or status changed."""
    moved = (channel.ring, channel.status) != (data.ring, data.status)
    for name, value in vars(data).items():
        setattr(channel, name, value)
    session.add(channel)
    if moved:
        _record_history(session, channel, user_id)
    session.flush()
    return channel


def spend_row(*, session: Session, channel_id: int, week: date) -> WeeklySpend | None:
    """Return the stored spend of one channel-week, if any."""
    query = select(WeeklySpend).where(
        WeeklySpend.channel_id == channel_id, WeeklySpend.week == week
    )
    return session.exec(query).first()


def save_spend(*, session: Session, channel_id: int, week: date, data: SpendInput) -> None:
    """Upsert one channel-week of spend, or delete it when the amount is cleared."""
    row = spend_row(session=session, channel_id=channel_id, week=week)
    if data.amount_minor is None:
        if row is not None:
            session.delete(row)
        return
    row = row or WeeklySpend(channel_id=channel_id, week=week, amount_minor=0)
    row.amount_minor = data.amount_minor
    row.impressions = data.impressions
    row.clicks = data.clicks
    session.add(row)
    session.flush()


def spend_total(*, session: Session, channel_id: int) -> int:
    """Return the channel's spend over every recorded week, in minor units (0 when none)."""
    query = select(sa.func.sum(WeeklySpend.amount_minor)).where(
        WeeklySpend.channel_id == channel_id
    )
    return int(session.exec(query).one() or 0)


def spend_grid(
    *, session: Session, channel_id: int, current_week: date, weeks: int = 26
) -> SpendGrid:
    """Return the last `weeks` weeks up to `current_week` plus every other recorded week.

    Rows are newest first; weeks without a row have amount None. The total covers every
    recorded week, shown or not.
    """
    query = select(WeeklySpend).where(WeeklySpend.channel_id == channel_id)
    stored = {
        r.week: SpendRow(r.week, r.amount_minor, r.impressions, r.clicks)
        for r in session.exec(query)
    }
    recent = {current_week - timedelta(weeks=i) for i in range(weeks)}
    rows = tuple(stored.get(w, SpendRow(w)) for w in sorted(recent | stored.keys(), reverse=True))
    total = sum(r.amount_minor for r in stored.values() if r.amount_minor is not None)
    return SpendGrid(rows=rows, weeks=weeks, total_minor=total)
