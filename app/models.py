"""Install-wide tables: settings, goals, stored fits and job state (SPEC §2); the account
tables (users, tokens, sessions, audit log: `app.accounts.models`) are re-exported here."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.accounts.models import (
    ROLES,
    ApiToken,
    AuditEntry,
    LoginFailure,
    PasswordReset,
    User,
    UserSession,
)
from channels.models import Channel, ChannelHistory, WeeklySpend
from cohorts.models import Lead, LeadStageChange, Purchase
from experiments.models import Experiment
from ingest.models import ImportJob  # noqa: F401  (registers the import_job table)
from kernel.vocabulary import sql_in
from kernel.weeks import utcnow


class Settings(SQLModel, table=True):
    """The single row of install-wide settings (id = 1)."""

    id: int | None = Field(default=None, primary_key=True)
    currency: str = Field(default="USD", sa_column=sa.Column(sa.String(3), nullable=False))
    week_start: int = Field(default=0, ge=0, le=6)
    timezone: str = Field(default="UTC", sa_column=sa.Column(sa.String(64), nullable=False))
    gross_margin: float = 1.0
    ltv_to_cac_min: float = 3.0
    payback_max_months: float = 6.0
    projection_horizon_weeks: int = 52
    ltv_backtest_weeks: int = 26  # how far back the projected-LTV backtest starts
    mature_weeks: int = 4
    burnout_p: float = 0.05
    watch_p: float = 0.10
    burnout_level: float = 0.5
    watch_level: float = 0.7
    min_leads_per_group: int = 30
    min_customers_total: int = 5  # customers of both compared groups together
    # Expected total leads of both groups where sequential tests are tuned to be narrowest.
    sequential_expected_leads: int = Field(
        default=5000, sa_column=sa.Column(sa.Integer, nullable=False, server_default="5000"))
    digest_enabled: bool = True
    digest_weekday: int = 0
    digest_time: str = Field(default="08:00", sa_column=sa.Column(sa.String(5), nullable=False))
    digest_recipients: str = Field(
        default="", sa_column=sa.Column(sa.Text, nullable=False, server_default="")
    )
    # Account quality of a customer (issue 18): revenue × margin to date, or projected LTV.
    account_quality: str = Field(default="revenue_margin", sa_column=sa.Column(
        sa.String(16), nullable=False, server_default="revenue_margin"))


class Goal(SQLModel, table=True):
    """SMART monthly targets, overall (no channel) or for one channel."""

    __table_args__ = (sa.UniqueConstraint("month", "channel_id", name="uq_goal_month_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    month: date = Field(nullable=False)
    channel_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("channel.id", ondelete="CASCADE")),
    )
    inquiries: int | None = None
    leads: int | None = None
    sales_ready_leads: int | None = None
    new_customers: int | None = None
    revenue_minor: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    max_cac_minor: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    max_cpl_minor: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    # customers per 10,000 leads (basis points), so the ratio is stored exactly
    min_conversion_bp: int | None = None


class ChannelFit(SQLModel, table=True):
    """A channel's model fits (health, capacity) as of a day, computed off the request path.

    One row per channel, as-of day and settings key; `data_version` is the channel's data
    version the stored `payload` was computed from (None: never computed). A worker claims a
    row by setting `claimed_until` (a lease): an abandoned claim expires and is retried.
    """

    __tablename__ = "channel_fit"
    __table_args__ = (
        sa.UniqueConstraint("channel_id", "as_of", "settings_key", name="uq_channel_fit_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("channel.id", ondelete="CASCADE"),
                            nullable=False, index=True))
    as_of: date = Field(nullable=False)
    settings_key: str = Field(max_length=64, nullable=False)
    data_version: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    computed_at: datetime | None = Field(default=None)
    payload: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary))
    requested_at: datetime = Field(default_factory=utcnow, nullable=False)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None)
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


DIGEST_STATUSES: tuple[str, ...] = ("claimed", "sending", "sent", "failed")


class DigestRun(SQLModel, table=True):
    """The weekly email of one week: at most one row per week, claimed before it is sent.

    status: claimed (a sender holds `claim` until `claimed_until`, nothing handed to SMTP
    yet), sending (the message is being handed to the SMTP server), sent, failed (`error`).
    """

    __tablename__ = "digest_run"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {sql_in(DIGEST_STATUSES)}", name="ck_digest_run_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    week: date = Field(sa_column=sa.Column(sa.Date, nullable=False, unique=True))
    status: str = Field(sa_column=sa.Column(sa.String(8), nullable=False))
    trigger: str = Field(default="", max_length=16, nullable=False)
    recipients: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    attempts: int = Field(default=0, nullable=False)
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    claim: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    sent_at: datetime | None = Field(default=None)


SEND_STATUSES: tuple[str, ...] = ("queued", "sending", "done", "failed")


class DigestSend(SQLModel, table=True):
    """A "send now" copy (`to`) or a "retry" of a failed week asked for on the weekly email
    page, sent by the background worker (app.digest.queue) while the page polls this row."""

    __tablename__ = "digest_send"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {sql_in(SEND_STATUSES)}", name="ck_digest_send_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8, nullable=False)  # copy or retry
    week: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    recipient: str = Field(default="", max_length=254, nullable=False)  # a copy's
    status: str = Field(default="queued", sa_column=sa.Column(sa.String(8), nullable=False))
    message: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    claim: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class LtvFit(SQLModel, table=True):
    """The install's projected-LTV fit (pooled, per channel, backtest) as of a day.

    One row per as-of day and settings key; `data_version` is the global data version the
    `payload` was computed from (None: not yet). The fit pools every channel, so any write
    makes it stale; the fit worker recomputes it, pages only read it.
    """

    __tablename__ = "ltv_fit"
    __table_args__ = (sa.UniqueConstraint("as_of", "settings_key", name="uq_ltv_fit_key"),)

    id: int | None = Field(default=None, primary_key=True)
    as_of: date = Field(nullable=False)
    settings_key: str = Field(max_length=64, nullable=False)
    data_version: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    computed_at: datetime | None = Field(default=None)
    payload: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary))
    requested_at: datetime = Field(default_factory=utcnow, nullable=False)
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))

class AudienceFit(SQLModel, table=True):
    """The stored audience fit (issue 18) per settings key: quartiles, rankings, tree, lift.

    `payload` is JSON text written by the fit worker; `data_version` is the global data
    version it was computed from (None: not yet); `progress` (0–1) and `started_at` are set
    while a fit runs. Pages only read it.
    """

    __tablename__ = "audience_fit"

    id: int | None = Field(default=None, primary_key=True)
    settings_key: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    min_node: int = Field(nullable=False)  # the tree settings the row was requested with
    max_depth: int = Field(nullable=False)
    data_version: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    computed_at: datetime | None = Field(default=None)
    payload: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    requested_at: datetime = Field(default_factory=utcnow, nullable=False)
    started_at: datetime | None = Field(default=None)
    progress: float | None = Field(default=None)
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


class LeadScore(SQLModel, table=True):
    """A lead's score (0–100) from the newest audience fit (its reasons are in the fit)."""

    __tablename__ = "lead_score"

    lead_id: int = Field(sa_column=sa.Column(
        sa.Integer, sa.ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True))
    score: float = Field(nullable=False)
    fitted_at: datetime = Field(nullable=False)


__all__ = [
    "ApiToken",
    "AuditEntry",
    "AudienceFit",
    "Channel",
    "ChannelFit",
    "ChannelHistory",
    "DigestRun",
    "DigestSend",
    "Experiment",
    "Goal",
    "Lead",
    "LeadScore",
    "LeadStageChange",
    "LoginFailure",
    "LtvFit",
    "PasswordReset",
    "Purchase",
    "ROLES",
    "Settings",
    "SettingsChange",
    "User",
    "UserSession",
    "WeeklySpend",
]


class SettingsChange(SQLModel, table=True):
    """A week-start or time-zone change: `done` steps, `step` under way, `finished` with an
    `error` or the `changed` fields; every process shows the newest (app.jobs.change_progress)."""

    __tablename__ = "settings_change"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow, nullable=False)
    done: int = Field(default=0, nullable=False)
    step: str = Field(default="", max_length=40, nullable=False)
    finished: bool = Field(default=False, nullable=False)
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    changed: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False,
                                                          server_default=""))
