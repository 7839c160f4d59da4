"""sequential tests: the customer minimum counts both groups together; mixture tuning

Revision ID: 0005_seqstats
Revises: 0004_edits
Create Date: 2026-11-29 02:15:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005_seqstats'
down_revision: str | None = '0004_edits'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The minimum of customers now counts both groups of a comparison together (issue 13).
    with op.batch_alter_table('settings') as batch:
        batch.alter_column('min_customers_per_group', new_column_name='min_customers_total',
                           existing_type=sa.Integer(), existing_nullable=False)
        batch.add_column(sa.Column('sequential_expected_leads', sa.Integer(),
                                   server_default='5000', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('settings') as batch:
        batch.drop_column('sequential_expected_leads')
        batch.alter_column('min_customers_total', new_column_name='min_customers_per_group',
                           existing_type=sa.Integer(), existing_nullable=False)
