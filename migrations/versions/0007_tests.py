"""channel tests: criteria, what a test varies, follow-ups, signed decisions, history links

Revision ID: 0007_tests
Revises: 0006_throughput
Create Date: 2026-11-29 04:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007_tests'
down_revision: str | None = '0006_throughput'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('experiment') as batch:
        batch.add_column(sa.Column('min_customers', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('min_conversion', sa.Float(), nullable=True))
        batch.add_column(sa.Column('payback_weeks', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('varies', sa.String(length=8), nullable=False,
                                   server_default='channel'))
        batch.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_experiment_parent', 'experiment', ['parent_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_foreign_key('fk_experiment_decided_by', 'user', ['decided_by_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_check_constraint(
            'ck_experiment_varies', "varies IN ('audience', 'message', 'channel')")
    with op.batch_alter_table('channel_history') as batch:
        batch.add_column(sa.Column('experiment_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('decision', sa.String(length=8), nullable=True))
        batch.create_foreign_key('fk_channel_history_experiment', 'experiment',
                                 ['experiment_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('channel_history') as batch:
        batch.drop_constraint('fk_channel_history_experiment', type_='foreignkey')
        batch.drop_column('decision')
        batch.drop_column('experiment_id')
    with op.batch_alter_table('experiment') as batch:
        batch.drop_constraint('ck_experiment_varies', type_='check')
        batch.drop_constraint('fk_experiment_decided_by', type_='foreignkey')
        batch.drop_constraint('fk_experiment_parent', type_='foreignkey')
        for name in ('decided_by_id', 'parent_id', 'varies', 'payback_weeks', 'min_conversion',
                     'min_customers'):
            batch.drop_column(name)
