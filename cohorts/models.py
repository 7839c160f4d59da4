"""Leads and purchases (SPEC §2): the rows cohorts are built from."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kernel.vocabulary import GRADES, STAGES, sql_in


class Lead(SQLModel, table=True):
    """A person or company that reached us through a channel.

    `created_at` is an aware UTC time; `cohort_week` is the first day of its local week (SPEC §3),
    stored so that cohorts group in SQL.
    """

    __table_args__ = (
        sa.CheckConstraint(f"stage IN {sql_in(STAGES)}", name="ck_lead_stage"),
        sa.CheckConstraint(f"grade IS NULL OR grade IN {sql_in(GRADES)}", name="ck_lead_grade"),
        sa.Index("ix_lead_channel_week", "channel_id", "cohort_week"),
        sa.Index("ix_lead_cohort_week", "cohort_week"),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, unique=True))
    channel_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("channel.id", ondelete="CASCADE"), nullable=False
        )
    )
    experiment_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("experiment.id", ondelete="SET NULL"), index=True
        ),
    )
    created_at: datetime = Field(nullable=False)
    cohort_week: date = Field(nullable=False)
    stage: str = Field(default="lead", sa_column=sa.Column(sa.String(12), nullable=False))
    grade: str | None = Field(default=None, sa_column=sa.Column(sa.String(8)))
    attributes: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )


class Purchase(SQLModel, table=True):
    """A payment by a lead (negative for refunds); amounts in minor units.

    `purchased_at` is an aware UTC time; `purchased_on` is its local calendar date, used for ages.
    """

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, unique=True))
    lead_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("lead.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    purchased_at: datetime = Field(nullable=False)
    purchased_on: date = Field(nullable=False, index=True)
    amount_minor: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))


class LeadStageChange(SQLModel, table=True):
    """A lead's stage and grade from a moment on: one row per change, from every write path.

    `changed_at` is an aware UTC time; None means "since the lead was created" (a lead imported
    with only its current stage counts as having reached it at creation).
    """

    __tablename__ = "lead_stage_change"
    __table_args__ = (
        sa.CheckConstraint(f"stage IN {sql_in(STAGES)}", name="ck_lead_stage_change_stage"),
        sa.CheckConstraint(
            f"grade IS NULL OR grade IN {sql_in(GRADES)}", name="ck_lead_stage_change_grade"
        ),
        sa.Index("ix_lead_stage_change_lead", "lead_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("lead.id", ondelete="CASCADE"), nullable=False
        )
    )
    changed_at: datetime | None = Field(default=None)
    stage: str = Field(sa_column=sa.Column(sa.String(12), nullable=False))
    grade: str | None = Field(default=None, sa_column=sa.Column(sa.String(8)))


def _channel_fk() -> sa.Column[int]:
    return sa.Column(
        sa.Integer, sa.ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )


class CohortSize(SQLModel, table=True):
    """Leads per cohort (channel × cohort week), maintained from `lead` on every write."""

    __tablename__ = "cohort_size"

    channel_id: int = Field(sa_column=_channel_fk())
    cohort_week: date = Field(primary_key=True)
    leads: int = Field(nullable=False)


class CohortPurchases(SQLModel, table=True):
    """Purchases of a cohort's leads by age in weeks, maintained from `purchase` on write.

    new_customers counts leads whose first purchase falls at this age.
    """

    __tablename__ = "cohort_purchases"

    channel_id: int = Field(sa_column=_channel_fk())
    cohort_week: date = Field(primary_key=True)
    age: int = Field(primary_key=True)
    new_customers: int = Field(nullable=False)
    purchases: int = Field(nullable=False)
    revenue_minor: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))


class FirstPurchaseDays(SQLModel, table=True):
    """Customers by channel, week of first purchase and whole days from lead to first purchase."""

    __tablename__ = "first_purchase_days"

    channel_id: int = Field(sa_column=_channel_fk())
    first_purchase_week: date = Field(primary_key=True)
    days: int = Field(primary_key=True)
    customers: int = Field(nullable=False)


class DataVersion(SQLModel, table=True):
    """A counter bumped by every write to channels, spend, leads or purchases (cache key)."""

    __tablename__ = "data_version"

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))


class ChannelDataVersion(SQLModel, table=True):
    """A per-channel counter bumped with every write to that channel's data (scoped cache key)."""

    __tablename__ = "channel_data_version"

    channel_id: int = Field(sa_column=_channel_fk())
    version: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
