"""`flask --app app …` commands: db, users, tokens, demo, import, export, digest, scheduler."""

import signal
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlmodel import select

from app import db as database
from app.accounts.users import (
    UserError,
    change_password,
    create_token,
    create_user,
    set_active,
    set_role,
)
from app.models import ROLES, User
from app.settings import ensure_settings

db_cli = AppGroup("db", help="Database schema.")
users_cli = AppGroup("users", help="Users who sign in.")
tokens_cli = AppGroup("tokens", help="API tokens.")
worker_cli = AppGroup("worker", help="Background model fits (capacity, channel health).")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply database migrations (safe to run again)."""
    engine = database.get_engine()
    database.upgrade(engine, revision)
    with database.session_scope(engine) as session:
        ensure_settings(session)
    click.echo(f"Database at {engine.url.render_as_string(hide_password=True)} is up to date.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(email: str, role: str, password_stdin: bool) -> None:
    """Create a user who can sign in."""
    password = _read_password(password_stdin)
    try:
        with database.session_scope(database.get_engine()) as session:
            user = create_user(session, email=email, password=password, role=role)
            click.echo(f"Created {user.role} {user.email}.")
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc


def _find_user(session: Any, email: str) -> User:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


@users_cli.command("list")
def users_list() -> None:
    """List users with their role and state."""
    with database.session_scope(database.get_engine()) as session:
        for user in session.exec(select(User).order_by(User.email)):
            state = "active" if user.active else "deactivated"
            click.echo(f"{user.email}\t{user.role}\t{state}")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def users_set_role(email: str, role: str) -> None:
    """Change a user's role (the last active owner keeps theirs)."""
    try:
        with database.session_scope(database.get_engine()) as session:
            set_role(session, _find_user(session, email), role)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{email} is now {role}.")


@users_cli.command("deactivate")
@click.argument("email")
@click.option("--reactivate", is_flag=True, help="Let the user sign in again.")
def users_deactivate(email: str, reactivate: bool) -> None:
    """Deactivate a user: their sessions end and their API tokens stop working."""
    try:
        with database.session_scope(database.get_engine()) as session:
            set_active(session, _find_user(session, email), reactivate)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{email} is {'active' if reactivate else 'deactivated'}.")


@users_cli.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from standard input instead of printing a link.")
def users_reset_password(email: str, password_stdin: bool) -> None:
    """Set a new password, or print a one-time link (24 hours) the user opens to set theirs."""
    from flask import url_for

    from app.accounts.access import new_reset_link
    from app.views.admin.account import RESET_LIFETIME

    try:
        with database.session_scope(database.get_engine()) as session:
            user = _find_user(session, email)
            if password_stdin:
                change_password(session, user, _read_password(True))
                click.echo(f"Password of {user.email} changed; their sessions were ended.")
                return
            assert user.id is not None
            secret = new_reset_link(session, user.id, RESET_LIFETIME)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    base = current_app.config["BASE_URL"].rstrip("/")
    with current_app.test_request_context():
        path = url_for("account.reset", secret=secret)
    click.echo(f"One-time link for {email} (valid 24 hours):")
    click.echo(base + path)


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="A label to recognise the token by.")
def tokens_create(email: str, name: str) -> None:
    """Create an API token for a user and print it (last line; shown only once)."""
    with database.session_scope(database.get_engine()) as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None:
            raise click.ClickException(f"no user {email}")
        _row, token = create_token(session, user=user, name=name)
        click.echo(f"Token for {user.email} ({user.role}); it will not be shown again:")
        click.echo(token)


@worker_cli.command("run")
@click.option("--once", is_flag=True, help="Send what is queued and compute what is stale "
              "now, then exit.")
def worker_run(once: bool) -> None:
    """Compute stale per-channel fits and send the weekly email page's queued sends until
    stopped (one process for many server processes)."""
    from app.digest.queue import run_pending
    from app.jobs.fits import FitWorker, run_once, worker_id

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        owner = worker_id()
        sent = run_pending(app, owner)
        click.echo(f"Computed {run_once(app, owner)} fits. Sent {sent} queued weekly emails.")
        return
    worker = FitWorker(app)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    click.echo(f"Fit worker {worker.owner} running; stop with Ctrl-C or SIGTERM.")
    try:
        worker.run()
    except KeyboardInterrupt:
        worker.stop()


def init_app(app: Flask) -> None:
    """Register the command groups on `app`."""
    from app.cli.backup import backup_command, restore_command
    from app.cli.data import export_command, import_command
    from app.cli.demo import demo_command
    from app.cli.digest import digest_cli, scheduler_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(worker_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(digest_cli)
    app.cli.add_command(scheduler_cli)
