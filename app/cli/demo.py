"""`flask --app app demo`: load a realistic, deterministic demo dataset (SPEC §8)."""

import os
import secrets
from datetime import date, datetime, timedelta
from time import perf_counter

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from sqlmodel import Session

from app import db as database
from app.accounts.users import create_user
from app.settings import accepted_dates, ensure_settings
from demo.generator import generate
from demo.loader import clear_data, write_dataset
from kernel.weeks import local_date, utcnow, week_of

DEMO_OWNER_EMAIL = "demo@bullseye.local"


def default_end(timezone: str) -> date:
    """Return today (in `timezone`): the demo's calendar ends in the week still running, so
    its last week is drawn as partial instead of a finished week of zeros."""
    return local_date(utcnow(), timezone)


def _row_counts(conn: sa.Connection) -> dict[str, int]:
    """Return how many channels, leads and users the database holds."""
    return {
        table: int(conn.execute(sa.text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one())
        for table in ("channel", "lead", "user")
    }


def _may_load(counts: dict[str, int], if_empty: bool, replace: bool) -> bool:
    """Return whether to load; refuse (ClickException) when data exists and may not be replaced."""
    if if_empty:
        if counts["channel"] or counts["user"]:
            click.echo("The database already has data; the demo was not loaded.")
            return False
        return True
    if (counts["channel"] or counts["lead"]) and not replace:
        raise click.ClickException(
            f"the database already has {counts['channel']:,} channels and {counts['lead']:,} "
            "leads; pass --replace to delete them and load the demo (users and API tokens "
            "are kept)"
        )
    return True


def _sign_in_line(password: str) -> str:
    """Return the line that tells the demo owner how to sign in."""
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    return f"Sign in at http://{host}:{port} with {DEMO_OWNER_EMAIL} / {password}"


@click.command("demo")
@click.option("--leads", type=click.IntRange(min=0), default=20_000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--weeks", type=click.IntRange(min=1, max=1040), default=104, show_default=True)
@click.option(
    "--end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of data, YYYY-MM-DD  [default: last day of the last complete week]",
)
@click.option("--if-empty", is_flag=True, help="Load only into an empty database; add an owner.")
@click.option("--replace", is_flag=True, help="Delete channel data first (keeps users, tokens).")
@with_appcontext
def demo_command(
    leads: int, seed: int, weeks: int, end: datetime | None, if_empty: bool, replace: bool
) -> None:
    """Generate a demo dataset; the same seed and end date give the same rows."""
    engine = database.get_engine()
    with database.session_scope(engine) as session:
        settings = ensure_settings(session)
        timezone, week_start = settings.timezone, settings.week_start
    with engine.connect() as conn:
        if not _may_load(_row_counts(conn), if_empty, replace):
            return
    last_day = end.date() if end else default_end(timezone)
    if last_day > local_date(utcnow(), timezone):
        raise click.ClickException("--end must not be after today")
    window = accepted_dates(timezone)
    try:
        first_day = week_of(last_day, week_start) - timedelta(weeks=weeks - 1)
    except OverflowError:
        first_day = date.min
    if first_day < window.earliest:
        raise click.ClickException(
            f"--end {last_day} with --weeks {weeks} starts the data on {first_day}, which "
            f"{window.refusal()}; choose a later --end or fewer --weeks"
        )
    started = perf_counter()
    data = generate(
        leads=leads, seed=seed, weeks=weeks, end=last_day, timezone=timezone, week_start=week_start
    )
    click.echo(
        f"Generated {leads:,} leads and {data.purchase_lead.size:,} purchases over {weeks} weeks "
        f"({data.first_week} to {last_day}) in {perf_counter() - started:.1f} s."
    )
    password = secrets.token_urlsafe(12) if if_empty else None
    with engine.begin() as conn:
        if replace and not if_empty:
            clear_data(conn)
            click.echo("  existing channel data deleted")
        write_dataset(conn, data, progress=click.echo)
        if password is not None:
            with Session(bind=conn) as session:
                create_user(session, email=DEMO_OWNER_EMAIL, password=password, role="owner")
    click.echo(f"Demo data loaded in {perf_counter() - started:.1f} s.")
    if password is not None:
        click.echo(_sign_in_line(password))
