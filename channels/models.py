"""Channels, their ring/status history and weekly spend (SPEC §2)."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kernel.vocabulary import CHANNEL_KINDS, RINGS, STATUSES, sql_in
from kernel.weeks import utcnow


def _version_column() -> sa.Column[int]:
    """Return an edit version column: 1 on insert, raised by every change (optimistic locking)."""
    return sa.Column("version", sa.Integer, nullable=False, server_default="1")


_CHANNEL_VERSION = _version_column()
_SPEND_VERSION = _version_column()


class Channel(SQLModel, table=True):
    """A named acquisition channel of one Traction kind."""

    __table_args__ = (
        sa.CheckConstraint(f"kind IN {sql_in(list(CHANNEL_KINDS))}", name="ck_channel_kind"),
        sa.CheckConstraint(f"ring IN {sql_in(RINGS)}", name="ck_channel_ring"),
        sa.CheckConstraint(f"status IN {sql_in(STATUSES)}", name="ck_channel_status"),
        sa.CheckConstraint("launch_days IS NULL OR launch_days >= 0", name="ck_channel_launch"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(120), nullable=False, unique=True))
    kind: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    ring: str = Field(default="outer", sa_column=sa.Column(sa.String(10), nullable=False))
    status: str = Field(default="idea", sa_column=sa.Column(sa.String(12), nullable=False))
    launch_days: int | None = None
    ice_impact: int | None = None
    ice_confidence: int | None = None
    ice_ease: int | None = None
    notes: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    # The ORM checks `version` in every UPDATE/DELETE (a concurrent change raises StaleDataError).
    version: int = Field(default=1, sa_column=_CHANNEL_VERSION)
    updated_at: datetime | None = None
    updated_by_id: int | None = None  # a user id; no foreign key (see migration 0004_edits)

    __mapper_args__ = {"version_id_col": _CHANNEL_VERSION}


class ChannelHistory(SQLModel, table=True):
    """A dated snapshot of a channel's ring and status, written on every change."""

    __tablename__ = "channel_history"

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("channel.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    changed_at: datetime = Field(default_factory=utcnow, nullable=False)
    ring: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))
    status: str = Field(sa_column=sa.Column(sa.String(12), nullable=False))
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    # The channel test whose decision made this move, and the decision (scale, iterate, kill).
    experiment_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("experiment.id", ondelete="SET NULL")),
    )
    decision: str | None = Field(default=None, sa_column=sa.Column(sa.String(8)))


class WeeklySpend(SQLModel, table=True):
    """Money spent on a channel in one week (one row per channel-week; amounts in minor units)."""

    __tablename__ = "weekly_spend"
    __table_args__ = (
        sa.UniqueConstraint("channel_id", "week", name="uq_weekly_spend_channel_week"),
        sa.CheckConstraint("amount_minor >= 0", name="ck_weekly_spend_amount"),
        sa.CheckConstraint("impressions IS NULL OR impressions >= 0", name="ck_spend_impr"),
        sa.CheckConstraint("clicks IS NULL OR clicks >= 0", name="ck_weekly_spend_clicks"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("channel.id", ondelete="CASCADE"), nullable=False
        )
    )
    week: date = Field(nullable=False)
    amount_minor: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    impressions: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    clicks: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    # Bumped by the ORM and by the import/API upsert alike, so an editor sees every change.
    version: int = Field(default=1, sa_column=_SPEND_VERSION)
    updated_at: datetime | None = None
    updated_by_id: int | None = None  # a user id; no foreign key (see migration 0004_edits)

    __mapper_args__ = {"version_id_col": _SPEND_VERSION}
