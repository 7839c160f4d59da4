"""the stored projected-LTV fit (BG/NBD + Gamma-Gamma, pooled and per channel)

Revision ID: 0010_ltv
Revises: 0009_digest
Create Date: 2026-11-29 04:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010_ltv'
down_revision: str | None = '0009_digest'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ltv_fit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('settings_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('data_version', sa.BigInteger(), nullable=True),
    sa.Column('computed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('payload', sa.LargeBinary(), nullable=True),
    sa.Column('requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('as_of', 'settings_key', name='uq_ltv_fit_key')
    )


def downgrade() -> None:
    op.drop_table('ltv_fit')
