"""per-channel data versions and stored model fits

Revision ID: 0006_throughput
Revises: 0005_seqstats
Create Date: 2026-11-29 02:05:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0006_throughput'
down_revision: str | None = '0005_seqstats'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('channel_data_version',
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('channel_id')
    )
    op.create_table('channel_fit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('settings_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('data_version', sa.BigInteger(), nullable=True),
    sa.Column('computed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('payload', sa.LargeBinary(), nullable=True),
    sa.Column('requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('claimed_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel_id', 'as_of', 'settings_key', name='uq_channel_fit_key')
    )
    with op.batch_alter_table('channel_fit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_fit_channel_id'), ['channel_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('channel_fit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_fit_channel_id'))
    op.drop_table('channel_fit')
    op.drop_table('channel_data_version')
