"""Backup while writers write, and restore: every table comes back (issue 20)."""

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import SQLModel

from app.accounts.backup import BackupError, backup, holds_data, restore
from app.db import make_engine, upgrade
from tests.ingest.test_roundtrip import engine_of

SPEND_ROWS = 10


def _tables(engine: sa.Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, sorted, so two databases can be compared whole."""
    names = sorted(set(sa.inspect(engine).get_table_names()) - {"alembic_version"})
    with engine.connect() as conn:
        return {name: sorted(tuple(map(repr, row)) for row in
                             conn.execute(sa.text(f'SELECT * FROM "{name}"')))
                for name in names}


@pytest.fixture
def empty_target(database_url: str, tmp_path: Path) -> Iterator[sa.Engine]:
    """A second, migrated, empty database on the same backend."""
    if database_url.startswith("sqlite"):
        engine = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    else:
        url = sa.make_url(database_url)
        name = f"{url.database}_restore"
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine = sa.create_engine(url.set(database=name))
    upgrade(engine)
    yield engine
    engine.dispose()
    if not database_url.startswith("sqlite"):
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _write_channel(engine: sa.Engine, number: int) -> None:
    """One transaction: a channel and SPEND_ROWS weeks of spend."""
    with engine.begin() as conn:
        channel_id = conn.execute(sa.text(
            "INSERT INTO channel (name, kind, ring, status, notes, created_at, version) "
            "VALUES (:n, 'sem', 'outer', 'idea', '', CURRENT_TIMESTAMP, 1) RETURNING id"),
            {"n": f"Writer {number}"}).scalar_one()
        conn.execute(sa.text(
            "INSERT INTO weekly_spend (channel_id, week, amount_minor, version) "
            "VALUES (:c, :w, :a, 1)"),
            [{"c": channel_id, "w": date(2024, 1, 1) + timedelta(weeks=i), "a": 100 * i}
             for i in range(SPEND_ROWS)])


def test_backup_during_writes_restores_a_consistent_copy(
    app: Flask, empty_target: sa.Engine, tmp_path: Path
) -> None:
    source = engine_of(app)
    for number in range(5):
        _write_channel(source, number)
    stop = threading.Event()
    written = [5]

    def writer() -> None:
        while not stop.is_set() and written[0] < 2000:
            _write_channel(source, written[0])
            written[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 15:
            stop.wait(0.01)
        backup(source, tmp_path / "during.backup")
    finally:
        stop.set()
        thread.join(timeout=60)
    assert written[0] > 15
    restore(empty_target, tmp_path / "during.backup")
    restored, now = _tables(empty_target), _tables(source)
    assert restored.keys() == now.keys()
    for name, rows in restored.items():
        assert set(rows) <= set(now[name]), name  # nothing in the copy that never existed
    with empty_target.connect() as conn:
        counts = conn.execute(sa.text(
            "SELECT c.id, COUNT(s.id) FROM channel c LEFT JOIN weekly_spend s "
            "ON s.channel_id = c.id GROUP BY c.id")).all()
    assert len(counts) >= 15
    assert {count for _id, count in counts} == {SPEND_ROWS}  # no half transaction


def test_a_quiet_backup_restores_every_table_exactly(
    app: Flask, empty_target: sa.Engine, tmp_path: Path
) -> None:
    source = engine_of(app)
    for number in range(3):
        _write_channel(source, number)
    backup(source, tmp_path / "quiet.backup")
    restore(empty_target, tmp_path / "quiet.backup")
    assert _tables(empty_target) == _tables(source)


def test_restore_refuses_a_database_with_data_without_force(
    app: Flask, empty_target: sa.Engine, tmp_path: Path
) -> None:
    source = engine_of(app)
    _write_channel(source, 1)
    backup(source, tmp_path / "one.backup")
    _write_channel(empty_target, 99)
    assert holds_data(empty_target)
    with pytest.raises(BackupError, match="--force"):
        restore(empty_target, tmp_path / "one.backup")
    restore(empty_target, tmp_path / "one.backup", force=True)
    assert _tables(empty_target) == _tables(source)


def test_backup_never_overwrites_a_file(app: Flask, tmp_path: Path) -> None:
    target = tmp_path / "exists.backup"
    target.write_text("keep me")
    with pytest.raises(BackupError, match="exists already"):
        backup(engine_of(app), target)
    assert target.read_text() == "keep me"


def test_the_cli_commands(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    _write_channel(engine_of(app), 1)
    done = runner.invoke(args=["backup", str(tmp_path / "cli.backup")])
    assert done.exit_code == 0, done.output
    refused = runner.invoke(args=["restore", str(tmp_path / "cli.backup")])
    assert refused.exit_code == 1 and "--force" in refused.output
    assert SQLModel.metadata.tables  # the models are registered for the comparison above
