"""Leads and purchases (SPEC §2): the rows cohorts are built from."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from channels.kinds import sql_in

STAGES: tuple[str, ...] = ("inquiry", "lead", "sales_ready", "opportunity", "customer", "lost")
GRADES: tuple[str, ...] = ("hot", "warm", "future")


class Lead(SQLModel, table=True):
    """A person or company that reached us through a channel.

    `created_at` is an aware UTC time; `cohort_week` is the first day of its local week (SPEC §3),
    stored so that cohorts group in SQL.
    """

    __table_args__ = (
        sa.CheckConstraint(f"stage IN {sql_in(STAGES)}", name="ck_lead_stage"),
        sa.CheckConstraint(f"grade IS NULL OR grade IN {sql_in(GRADES)}", name="ck_lead_grade"),
        sa.Index("ix_lead_channel_week", "channel_id", "cohort_week"),
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
    purchased_on: date = Field(nullable=False)
    amount_minor: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
