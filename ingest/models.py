"""Import jobs: one row per CSV file uploaded through the web page, and how it went."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kernel.vocabulary import sql_in
from kernel.weeks import utcnow

JOB_STATUSES: tuple[str, ...] = ("queued", "running", "succeeded", "failed")


class ImportJob(SQLModel, table=True):
    """A CSV import run in the background: its file, state, counts and error report."""

    __tablename__ = "import_job"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {sql_in(JOB_STATUSES)}", name="ck_import_job_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    filename: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    user_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("user.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    status: str = Field(default="queued", sa_column=sa.Column(sa.String(10), nullable=False))
    rows_total: int | None = None
    rows_done: int = 0
    created: int = 0
    updated: int = 0
    error_count: int = 0
    report_path: str | None = Field(default=None, sa_column=sa.Column(sa.String(255)))
    message: str = Field(
        default="", sa_column=sa.Column(sa.Text, nullable=False, server_default="")
    )
    created_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def done(self) -> bool:
        """Return whether the job has finished, well or not."""
        return self.status in ("succeeded", "failed")
