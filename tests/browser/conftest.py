"""A live Bullseye server on a temporary SQLite database, and a headless Chromium page."""

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, sync_playwright
from sqlmodel import Session
from werkzeug.serving import make_server

from app import create_app
from app.accounts.users import create_user
from app.db import make_engine, upgrade
from app.settings import ensure_settings
from tests.conftest import missing

EMAIL = "owner@example.com"
PASSWORD = "correct horse battery"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class LiveServer:
    """A running app: its base URL and an engine on its database."""

    url: str
    engine: sa.Engine


def prepare_database(folder: Path) -> tuple[str, sa.Engine]:
    """Create a migrated SQLite database in `folder` with settings and one owner."""
    database_url = f"sqlite:///{folder / 'live.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        ensure_settings(session)
        create_user(session, email=EMAIL, password=PASSWORD, role="owner")
        session.commit()
    return database_url, engine


@contextmanager
def serving(app: Flask, engine: sa.Engine) -> Iterator[LiveServer]:
    """Serve `app` on 127.0.0.1 (random free port) from a background thread until exit."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", engine=engine)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        engine.dispose()


def served_app(database_url: str, folder: Path) -> Flask:
    """Return the app the browser tests serve, on `database_url`."""
    return create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "browser-test", "INSTANCE_DIR": str(folder)}
    )


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """Serve the app on 127.0.0.1 (random free port) from a background thread; one owner exists."""
    database_url, engine = prepare_database(tmp_path)
    with serving(served_app(database_url, tmp_path), engine) as server:
        yield server


@pytest.fixture
def browser_page() -> Iterator[Page]:
    """Yield a Playwright page in Debian's headless Chromium (never a downloaded browser)."""
    executable = shutil.which("chromium")
    if executable is None:
        missing("Chromium", "no `chromium` on PATH (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            browser.close()
