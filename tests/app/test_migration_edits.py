"""Migration 0004_edits adds and removes its columns without touching any stored row."""

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from app.db import alembic_config, make_engine, upgrade

TABLES = ("channel", "weekly_spend", "lead")


def _counts(engine: sa.Engine) -> list[int]:
    with engine.connect() as conn:
        return [conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES]


def test_upgrade_and_downgrade_keep_channels_spend_and_leads_on_sqlite(tmp_path: Path) -> None:
    # Rebuilding `channel` on SQLite would cascade-delete its spend and leads (foreign keys on).
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO channel (name, kind, ring, status, notes, created_at) "
                "VALUES ('Ads', 'sem', 'outer', 'idea', '', '2026-01-01 00:00:00.000000')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO weekly_spend (channel_id, week, amount_minor) "
                "VALUES (1, '2026-01-05', 4600)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO lead (external_id, channel_id, created_at, cohort_week, stage, "
                "attributes) "
                "VALUES ('a', 1, '2026-01-06 00:00:00.000000', '2026-01-05', 'lead', '{}')"
            )
        )
    upgrade(engine)
    assert _counts(engine) == [1, 1, 1]
    with engine.connect() as conn:
        versions = (
            conn.execute(
                sa.text("SELECT version FROM channel UNION ALL SELECT version FROM weekly_spend")
            )
            .scalars()
            .all()
        )
    assert versions == [1, 1]
    command.downgrade(alembic_config(engine), "0003")
    assert _counts(engine) == [1, 1, 1]
    upgrade(engine)
    assert _counts(engine) == [1, 1, 1]
