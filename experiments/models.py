"""Channel tests (experiments) of SPEC §2."""

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kernel.vocabulary import DECISIONS, TEST_STATUSES, VARIES, sql_in


class Experiment(SQLModel, table=True):
    """A time-boxed test of one channel that fixes two of audience, message and channel."""

    __table_args__ = (
        sa.CheckConstraint(f"status IN {sql_in(TEST_STATUSES)}", name="ck_experiment_status"),
        sa.CheckConstraint(
            f"decision IS NULL OR decision IN {sql_in(DECISIONS)}", name="ck_experiment_decision"
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name="ck_experiment_dates"
        ),
        sa.CheckConstraint(f"varies IN {sql_in(VARIES)}", name="ck_experiment_varies"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(160), nullable=False))
    channel_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("channel.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    audience: str = ""
    message: str = ""
    hypothesis: str = ""
    start_date: date = Field(nullable=False)
    end_date: date | None = None
    budget_cap_minor: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    max_cac_minor: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    min_leads: int | None = None
    min_ltv_to_cac: float | None = None
    min_customers: int | None = None
    min_conversion: float | None = None  # a fraction: 0.05 is 5 %
    payback_weeks: int | None = None
    varies: str = Field(
        default="channel",
        sa_column=sa.Column(sa.String(8), nullable=False, server_default="channel"),
    )
    parent_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("experiment.id", ondelete="SET NULL")),
    )
    decided_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    status: str = Field(default="planned", sa_column=sa.Column(sa.String(10), nullable=False))
    decision: str | None = Field(default=None, sa_column=sa.Column(sa.String(8)))
    decision_note: str = ""
    decided_on: date | None = None
