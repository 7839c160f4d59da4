"""Channel reads and writes: the channel list, ring/status history and the weekly spend grid.

Channel economics (spend, customers, CAC, ROI …) come from cohorts.report through the
cached app.results.metrics.reports, never from queries over raw leads and purchases here.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from channels.edits import Conflict, ReadAt, Values, conflicting, merged
from channels.inputs import ChannelInput, SpendInput
from channels.models import Channel, ChannelHistory, WeeklySpend
from kernel.vocabulary import RINGS
from kernel.weeks import utcnow

# The user table lives in app.models; a bare table clause keeps this domain module free of
# the web package while still letting history show who made a change.
_USER = sa.table("user", sa.column("id", sa.Integer), sa.column("email", sa.String))
# Likewise the channel tests (experiments) whose decisions moved a channel.
_TEST = sa.table("experiment", sa.column("id", sa.Integer), sa.column("name", sa.String))


@dataclass(frozen=True)
class HistoryEntry:
    """One ring/status snapshot and who made it (email None when unknown or deleted)."""

    changed_at: datetime
    ring: str
    status: str
    user_email: str | None
    test_id: int | None = None  # the channel test whose decision made the move
    test_name: str | None = None
    decision: str | None = None


@dataclass(frozen=True)
class SpendRow:
    """One week of the spend grid; amount None means nothing is recorded for that week."""

    week: date
    amount_minor: int | None = None
    impressions: int | None = None
    clicks: int | None = None
    version: int = 0  # 0: no row stored for this week

    def values(self) -> dict[str, int | None]:
        """Return the stored cells by field name (what an edit form was read with)."""
        return {name: getattr(self, name) for name in SPEND_FIELDS}


SPEND_FIELDS: tuple[str, ...] = ("amount_minor", "impressions", "clicks")
CHANNEL_FIELDS: tuple[str, ...] = tuple(ChannelInput.__dataclass_fields__)


@dataclass(frozen=True)
class SpendSaved:
    """What a spend save did: stored it, or found a conflict or a field error (nothing stored)."""

    conflict: Conflict | None = None
    errors: dict[str, str] | None = None


@dataclass(frozen=True)
class SpendGrid:
    """The weeks shown for a channel, newest first, and the total over every recorded week.

    `weeks` recent weeks are shown (with or without spend); `everything` adds every other
    recorded week; `hidden` counts the recorded weeks not shown (they still count in the total).
    """

    rows: tuple[SpendRow, ...]
    weeks: int
    total_minor: int
    everything: bool = False
    hidden: int = 0


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


def channel_history(*, session: Session, channel_id: int) -> list[HistoryEntry]:
    """Return a channel's ring/status history, newest first."""
    query = (
        sa.select(
            col(ChannelHistory.changed_at),
            col(ChannelHistory.ring),
            col(ChannelHistory.status),
            _USER.c.email,
            col(ChannelHistory.experiment_id),
            _TEST.c.name,
            col(ChannelHistory.decision),
        )
        .outerjoin(_USER, _USER.c.id == ChannelHistory.user_id)
        .outerjoin(_TEST, _TEST.c.id == ChannelHistory.experiment_id)
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


def channel_values(channel: Channel) -> dict[str, str | int | None]:
    """Return a channel's editable fields by name (what an edit form is read with)."""
    return {name: getattr(channel, name) for name in CHANNEL_FIELDS}


def update_channel(
    *,
    session: Session,
    channel: Channel,
    data: ChannelInput,
    user_id: int | None,
    read: ReadAt | None = None,
) -> Conflict | None:
    """Apply `data` to `channel`, adding a history row when ring or status changed.

    With `read` (what an edit form was read with), only the fields the editor changed are
    written, and nothing is when someone else's newer change would be lost (the conflict is
    returned). A concurrent write between this check and the flush raises StaleDataError.
    """
    stored = channel_values(channel)
    values: Values = vars(data)
    if read is not None:
        lost = conflicting(read, channel.version, stored, values)
        if lost:
            return _conflict(session, channel, lost, stored)
        values = merged(read.values, stored, values)
    moved = (channel.ring, channel.status) != (values["ring"], values["status"])
    for name, value in values.items():
        setattr(channel, name, value)
    if session.is_modified(channel):
        channel.updated_at, channel.updated_by_id = utcnow(), user_id
    session.add(channel)
    if moved:
        _record_history(session, channel, user_id)
    session.flush()
    return None


def _conflict(
    session: Session, row: Channel | WeeklySpend | None, lost: tuple[str, ...], stored: Values
) -> Conflict:
    """Return the conflict with `row` (None: deleted), naming who changed it when known."""
    if row is None:
        return Conflict(0, lost, stored)
    email = None
    if row.updated_by_id is not None:
        query = sa.select(_USER.c.email).where(_USER.c.id == row.updated_by_id)
        email = session.execute(query).scalar()
    return Conflict(row.version, lost, stored, row.updated_at, email)


def spend_row(*, session: Session, channel_id: int, week: date) -> WeeklySpend | None:
    """Return the stored spend of one channel-week, if any."""
    query = select(WeeklySpend).where(
        WeeklySpend.channel_id == channel_id, WeeklySpend.week == week
    )
    return session.exec(query).first()


def save_spend(
    *,
    session: Session,
    channel_id: int,
    week: date,
    data: SpendInput,
    read: ReadAt,
    user_id: int | None,
) -> SpendSaved:
    """Upsert the cells of one channel-week the editor changed, or delete the week when the
    amount is cleared; nothing when someone else's newer change would be lost (see `edits`).
    """
    row = spend_row(session=session, channel_id=channel_id, week=week)
    stored = _spend_values(row)
    submitted = {"amount_minor": data.amount_minor, "impressions": data.impressions,
                 "clicks": data.clicks}  # fmt: skip
    lost = conflicting(read, row.version if row else 0, stored, submitted)
    if lost:
        return SpendSaved(conflict=_conflict(session, row, lost, stored))
    values = merged(read.values, stored, submitted)
    if values["amount_minor"] is None:
        if row is not None:
            session.delete(row)
            session.flush()
        return SpendSaved()
    impressions, clicks = values["impressions"], values["clicks"]
    if isinstance(impressions, int) and isinstance(clicks, int) and clicks > impressions:
        message = f"Clicks ({clicks:,}) cannot exceed impressions ({impressions:,})."
        return SpendSaved(errors={"clicks": message})
    row = row or WeeklySpend(channel_id=channel_id, week=week, amount_minor=0)
    for name, value in values.items():
        setattr(row, name, value)
    if row.id is None or session.is_modified(row):
        row.updated_at, row.updated_by_id = utcnow(), user_id
    session.add(row)
    session.flush()
    return SpendSaved()


def _spend_values(row: WeeklySpend | None) -> dict[str, int | None]:
    if row is None:
        return dict.fromkeys(SPEND_FIELDS)
    return {name: getattr(row, name) for name in SPEND_FIELDS}


def spend_total(*, session: Session, channel_id: int) -> int:
    """Return the channel's spend over every recorded week, in minor units (0 when none)."""
    query = select(sa.func.sum(WeeklySpend.amount_minor)).where(
        WeeklySpend.channel_id == channel_id
    )
    return int(session.exec(query).one() or 0)


def spend_grid(
    *, session: Session, channel_id: int, current_week: date, weeks: int = 12,
    everything: bool = False,
) -> SpendGrid:
    """Return the last `weeks` weeks up to `current_week` (with `everything`, plus every other
    recorded week).

    Rows are newest first; weeks without a row have amount None. The total covers every
    recorded week, shown or not.
    """
    spend = WeeklySpend.__table__.c  # type: ignore[attr-defined]  # plain rows, no ORM objects
    query = sa.select(spend.week, spend.amount_minor, spend.impressions, spend.clicks,
                      spend.version).where(spend.channel_id == channel_id)
    stored = {r[0]: SpendRow(*r) for r in session.connection().execute(query)}
    recent = {current_week - timedelta(weeks=i) for i in range(weeks)}
    shown = recent | stored.keys() if everything else recent
    rows = tuple(stored.get(w, SpendRow(w)) for w in sorted(shown, reverse=True))
    total = sum(r.amount_minor for r in stored.values() if r.amount_minor is not None)
    return SpendGrid(rows=rows, weeks=weeks, total_minor=total, everything=everything,
                     hidden=len(stored.keys() - shown))
