"""lead stage history and more goal kinds

Revision ID: 0012_funnel
Revises: 0010_ltv
Create Date: 2026-11-29 04:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0012_funnel'
down_revision: str | None = '0010_ltv'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STAGES = "('inquiry', 'lead', 'sales_ready', 'opportunity', 'customer', 'lost')"
_GRADES = "('hot', 'warm', 'future')"


def upgrade() -> None:
    op.create_table('lead_stage_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('grade', sa.String(length=8), nullable=True),
    sa.CheckConstraint(f'stage IN {_STAGES}', name='ck_lead_stage_change_stage'),
    sa.CheckConstraint(f'grade IS NULL OR grade IN {_GRADES}',
                       name='ck_lead_stage_change_grade'),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lead_stage_change', schema=None) as batch_op:
        batch_op.create_index('ix_lead_stage_change_lead', ['lead_id', 'id'], unique=False)
    # Stored leads have only their current stage: they count as having reached it at creation.
    op.execute("INSERT INTO lead_stage_change (lead_id, changed_at, stage, grade) "
               "SELECT id, NULL, stage, grade FROM lead ORDER BY id")
    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inquiries', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_cpl_minor', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('min_conversion_bp', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.drop_column('min_conversion_bp')
        batch_op.drop_column('max_cpl_minor')
        batch_op.drop_column('inquiries')
    with op.batch_alter_table('lead_stage_change', schema=None) as batch_op:
        batch_op.drop_index('ix_lead_stage_change_lead')
    op.drop_table('lead_stage_change')
