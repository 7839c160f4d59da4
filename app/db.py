"""Engine, per-request session and schema migrations."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlmodel import Session

from app.config import ROOT
from cohorts import aggregates

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

_engines: dict[str, sa.Engine] = {}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Turn on WAL, foreign keys and a busy timeout for every SQLite connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, echo: bool = False) -> sa.Engine:
    """Return a shared engine for `url` (one per URL per process)."""
    aggregates.install()
    if url in _engines:
        return _engines[url]
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        engine = sa.create_engine(url, echo=echo, pool_pre_ping=True)
    _engines[url] = engine
    return engine


def get_engine() -> sa.Engine:
    """Return the engine of the current app."""
    engine: sa.Engine = current_app.extensions["bullseye_engine"]
    return engine


def get_session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    session: Session = g.db_session
    return session


@contextmanager
def session_scope(engine: sa.Engine) -> Iterator[Session]:
    """Open a session for a job or CLI command; commit on success, roll back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    """Bind the engine to `app` and close the request session on teardown."""
    app.extensions["bullseye_engine"] = make_engine(
        app.config["DATABASE_URL"], echo=app.config.get("SQL_ECHO", False)
    )
    app.teardown_appcontext(_close_session)


def alembic_config(engine: sa.Engine) -> "AlembicConfig":
    """Return an Alembic config that migrates `engine` with the repository's migrations."""
    from alembic.config import Config as AlembicConfig  # only migrations need Alembic (fast CLI)

    config = AlembicConfig()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
