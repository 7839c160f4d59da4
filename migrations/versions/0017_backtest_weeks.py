"""the LTV backtest's holdout length becomes a setting (settings.ltv_backtest_weeks)

Revision ID: 0017_backtest_weeks
Revises: 0014_access
Create Date: 2026-11-29 08:05:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0017_backtest_weeks'
down_revision: str | None = '0016_job_state'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ltv_backtest_weeks', sa.Integer(), server_default='26',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('settings', schema=None) as batch_op:
        batch_op.drop_column('ltv_backtest_weeks')
