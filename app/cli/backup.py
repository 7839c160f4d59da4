"""`flask --app app backup FILE` and `flask --app app restore FILE [--force]`."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from app import db as database
from app.accounts.backup import BackupError, backup, restore


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Write a consistent copy of the database to TARGET, while the app keeps running."""
    try:
        backup(database.get_engine(), target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backed up to {target} ({target.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database that holds data.")
@with_appcontext
def restore_command(source: Path, force: bool) -> None:
    """Replace the database with the backup in SOURCE (refuses a non-empty one without --force)."""
    try:
        restore(database.get_engine(), source, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored from {source}. Restart the app processes.")
