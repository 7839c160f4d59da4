"""the audience fit (issue 18): stored fit, lead scores, account-quality setting

Revision ID: 0020_audience
Revises: 0014_access
Create Date: 2026-11-29 07:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0020_audience'
down_revision: str | None = '0017_backtest_weeks'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audience_fit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('settings_key', sa.String(length=64), nullable=False),
    sa.Column('min_node', sa.Integer(), nullable=False),
    sa.Column('max_depth', sa.Integer(), nullable=False),
    sa.Column('data_version', sa.BigInteger(), nullable=True),
    sa.Column('computed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.Column('requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('progress', sa.Float(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('settings_key')
    )
    op.create_table('lead_score',
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('fitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('lead_id')
    )
    with op.batch_alter_table('settings') as batch_op:
        batch_op.add_column(sa.Column('account_quality', sa.String(length=16), nullable=False,
                                      server_default='revenue_margin'))


def downgrade() -> None:
    with op.batch_alter_table('settings') as batch_op:
        batch_op.drop_column('account_quality')
    op.drop_table('lead_score')
    op.drop_table('audience_fit')
