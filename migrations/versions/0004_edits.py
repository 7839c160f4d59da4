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


def upgrade() -> None:
    for table in _TABLES:
        # Adding columns is a plain ALTER TABLE on SQLite too (batch mode recreates nothing),
        # so the tables that reference these rows with ON DELETE CASCADE are never touched.
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1',
                                          nullable=False))
            batch_op.add_column(sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                          nullable=True))
            batch_op.add_column(sa.Column(
                'updated_by_id', sa.Integer(),
                sa.ForeignKey('user.id', name=f'{table}_updated_by_id_fkey', ondelete='SET NULL'),
                nullable=True,
            ))


def downgrade() -> None:
    for table in reversed(_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('updated_by_id')
            batch_op.drop_column('updated_at')
            batch_op.drop_column('version')
