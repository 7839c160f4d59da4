"""Consistent backups of a running install, and restoring one (SPEC §9).

* SQLite: the online backup API copies the database page by page inside one read
  transaction, so writers carry on (WAL) and the copy is one consistent state.
* PostgreSQL: `pg_dump --format=custom` takes one snapshot; `pg_restore --clean
  --if-exists --single-transaction` puts it back. Both tools must match the server's
  major version and be on PATH (Debian: the `postgresql-client` package).

A restore never overwrites a database that holds data unless forced.
"""

import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

# Tables whose rows mean "someone uses this install": a restore over them needs --force.
DATA_TABLES = ("user", "channel", "weekly_spend", "lead", "purchase")


class BackupError(RuntimeError):
    """A backup or restore that could not be carried out; the message says why."""


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _libpq_url(url: sa.URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(done.stderr.strip() or f"{command[0]} failed ({done.returncode})")


def backup(engine: sa.Engine, target: Path) -> None:
    """Write a consistent copy of the database behind `engine` to `target`."""
    url = engine.url
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}",
              f"--dbname={_libpq_url(url)}"])
    else:
        raise BackupError(f"backups of {url.get_backend_name()} are not supported")


def holds_data(engine: sa.Engine) -> bool:
    """Return whether any of DATA_TABLES exists and has a row."""
    present = set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        return any(
            conn.execute(sa.text(f'SELECT 1 FROM "{table}" LIMIT 1')).first() is not None
            for table in DATA_TABLES if table in present
        )


def _check_sqlite_backup(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a Bullseye SQLite backup ({exc})") from None


def restore(engine: sa.Engine, source: Path, *, force: bool = False) -> None:
    """Replace the database behind `engine` with the backup in `source`."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    if holds_data(engine) and not force:
        raise BackupError("the database holds data; restoring would replace it. "
                          "Pass --force to overwrite it.")
    url = engine.url
    engine.dispose()
    if url.get_backend_name() == "sqlite":
        _check_sqlite_backup(source)
        copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(_sqlite_path(url))
        try:
            copy.backup(live)
        finally:
            live.close()
            copy.close()
    elif url.get_backend_name() == "postgresql":
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
              "--single-transaction", "--exit-on-error", f"--dbname={_libpq_url(url)}",
              str(source)])
    else:
        raise BackupError(f"restores of {url.get_backend_name()} are not supported")
