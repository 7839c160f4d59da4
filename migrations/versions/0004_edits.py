"""edit versions: who changed a channel or a week of spend, when, and how often

Revision ID: 0004_edits
Revises: 0003
Create Date: 2026-11-29 02:00:00

`version` starts at 1 (existing rows included) and is raised by every change, by the web
forms (SQLAlchemy's version counter) and by the import/API upsert alike; edit forms carry
it so that a save over someone else's newer change is refused instead of overwriting it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004_edits'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ('channel', 'weekly_spend')

# `updated_by_id` has no foreign key on purpose: on SQLite adding (or dropping) one rebuilds
# the table, and dropping the old `channel` or `weekly_spend` while foreign keys are on
# deletes every row that references it with ON DELETE CASCADE (leads, spend). Plain columns
# are added and dropped with ALTER TABLE (recreate="never"). A deleted user's changes just
# show no name.


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1',
                                          nullable=False))
            batch_op.add_column(sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                          nullable=True))
            batch_op.add_column(sa.Column('updated_by_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in reversed(_TABLES):
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.drop_column('updated_by_id')
            batch_op.drop_column('updated_at')
            batch_op.drop_column('version')
