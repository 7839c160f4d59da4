"""Shared fixtures: apps on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL.

Every test that asks for `app`, `db` or `client` runs once per available backend.
With BULLSEYE_REQUIRE_ALL=1 (CI), a missing PostgreSQL or Chromium fails instead of skipping.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, SQLModel

import app.models  # noqa: F401  (registers tables)
from app import create_app
from app.accounts import access
from app.db import make_engine, upgrade
from app.models import User
from tests import factories

REQUIRE_ALL = os.environ.get("BULLSEYE_REQUIRE_ALL") == "1"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def missing(component: str, reason: str) -> None:
    """Skip locally, fail in CI, when a component a test needs is absent."""
    message = f"{component} unavailable: {reason}"
    if REQUIRE_ALL:
        pytest.fail(message + " (BULLSEYE_REQUIRE_ALL=1 forbids skipping)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a migrated SQLite database file that each test copies."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[sa.Engine]:
    """Return an engine on a freshly migrated PostgreSQL database."""
    if not PG_URL:
        missing("PostgreSQL", "TEST_DATABASE_URL is not set")
    engine = make_engine(PG_URL)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    except sa.exc.OperationalError as exc:
        missing("PostgreSQL", str(exc).splitlines()[0])
    upgrade(engine)
    yield engine
    engine.dispose()


def _truncate_all(engine: sa.Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(sa.text("INSERT INTO data_version (id, version) VALUES (1, 0)"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "bullseye.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        make_engine(f"sqlite:///{path}").dispose()
    else:
        engine = request.getfixturevalue("pg_engine")
        _truncate_all(engine)
        yield PG_URL


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Flask:
    """Return the app on an empty database (CSRF checks off; see test_auth for them on)."""
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "test-secret",
            "INSTANCE_DIR": str(tmp_path),
        }
    )
    with application.app_context():
        from app.settings import ensure_settings

        with Session(make_engine(database_url)) as session:
            ensure_settings(session)
            session.commit()
    return application


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """Yield a session on the test database."""
    with Session(make_engine(app.config["DATABASE_URL"]), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client that is not signed in."""
    return app.test_client()


def sign_in(client: FlaskClient, user: User) -> FlaskClient:
    """Mark `client` as signed in as `user`, with a server-side session as a real sign-in."""
    app = client.application
    with Session(make_engine(app.config["DATABASE_URL"])) as session:
        secret = access.start_session(session, user, app.permanent_session_lifetime)
        session.commit()
    with client.session_transaction() as flask_session:
        flask_session["sid"] = secret
    return client


@pytest.fixture
def owner(db: Session) -> User:
    return factories.user(db, role="owner")


@pytest.fixture
def editor(db: Session) -> User:
    return factories.user(db, role="editor")


@pytest.fixture
def viewer(db: Session) -> User:
    return factories.user(db, role="viewer")


@pytest.fixture
def editor_client(client: FlaskClient, editor: User) -> FlaskClient:
    return sign_in(client, editor)


@pytest.fixture
def viewer_client(client: FlaskClient, viewer: User) -> FlaskClient:
    return sign_in(client, viewer)
