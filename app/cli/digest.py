"""`flask --app app digest send|preview` and `flask --app app scheduler run`."""

import signal
import sys
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from app.digest.content import DigestWeekError, digest_for, digest_week
from app.digest.delivery import Outcome, deliver_week, send_copy

digest_cli = AppGroup("digest", help="The weekly email.")
scheduler_cli = AppGroup("scheduler", help="The weekly email's scheduler.")


def _week(text: str | None) -> date:
    try:
        return digest_week(text)
    except DigestWeekError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from exc


def _report(outcome: Outcome) -> bool:
    """Print the outcome (errors on standard error); return whether it failed."""
    if outcome.ok:
        click.echo(outcome.message)
        return False
    click.echo(outcome.message + (f" {outcome.error}" if outcome.error else ""), err=True)
    return True


@digest_cli.command("send")
@click.option("--week", "week_text", metavar="YYYY-MM-DD",
              help="A day of the week to send (default: the last complete week).")
@click.option("--force", is_flag=True, help="Send again even if this week was sent.")
@click.option("--to", "to", metavar="EMAIL",
              help="Also send one copy to EMAIL, outside the once-a-week rule.")
def digest_send(week_text: str | None, force: bool, to: str | None) -> None:
    """Send a week's email to the recipients once (a second call says it was sent)."""
    week = _week(week_text)
    failed = _report(deliver_week(week, trigger="cli", force=force))
    if to:
        failed = _report(send_copy(week, to)) or failed
    if failed:
        sys.exit(1)


@digest_cli.command("preview")
@click.option("--week", "week_text", metavar="YYYY-MM-DD", required=True,
              help="A day of the week to show.")
@click.option("--text", "as_text", is_flag=True, help="The plain-text version, not the HTML.")
def digest_preview(week_text: str, as_text: bool) -> None:
    """Write a week's email (HTML, or --text) to standard output."""
    rendered = digest_for(_week(week_text))
    click.echo(f"Subject: {rendered.subject}\n" if as_text else "", nl=False)
    click.echo(rendered.text if as_text else rendered.html)


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Run the weekly email's scheduler in this process until stopped."""
    from app.digest.scheduler import DigestScheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = DigestScheduler(app, blocking=True)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown())
    click.echo("Weekly email scheduler running; stop with Ctrl-C or SIGTERM.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown()
