"""Migration 0012_funnel: stored leads get their stage since creation; goals keep their rows."""

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from app.db import alembic_config, make_engine, upgrade


def test_stored_leads_count_at_their_stage_since_creation(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0006_throughput")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO channel (name, kind, ring, status, notes, created_at, version) "
            "VALUES ('Ads', 'sem', 'outer', 'idea', '', '2026-01-01 00:00:00.000000', 1)"))
        conn.execute(sa.text(
            "INSERT INTO lead (external_id, channel_id, created_at, cohort_week, stage, grade, "
            "attributes) VALUES ('a', 1, '2026-01-06 00:00:00.000000', '2026-01-05', "
            "'sales_ready', 'hot', '{}'), ('b', 1, '2026-01-07 00:00:00.000000', "
            "'2026-01-05', 'lost', NULL, '{}')"))
        conn.execute(sa.text("INSERT INTO goal (month, leads) VALUES ('2026-01-01', 10)"))
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT lead_id, changed_at, stage, grade FROM lead_stage_change ORDER BY id")).all()
        goal = conn.execute(sa.text("SELECT leads, inquiries, min_conversion_bp FROM goal")).one()
    assert [tuple(r) for r in rows] == [(1, None, "sales_ready", "hot"), (2, None, "lost", None)]
    assert tuple(goal) == (10, None, None)
    command.downgrade(alembic_config(engine), "0006_throughput")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM lead")).scalar_one() == 2
        assert conn.execute(sa.text("SELECT leads FROM goal")).scalar_one() == 10
    upgrade(engine)
