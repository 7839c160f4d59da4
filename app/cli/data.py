"""`flask --app app import KIND FILE` and `flask --app app export KIND`: CSV in and out."""

import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from app import db as database
from app.accounts import audit
from app.results.metrics import economics_settings
from app.settings import accepted_dates, ensure_settings
from cohorts.queries import AsOf
from ingest.exporter import (
    EXPORT_KINDS,
    export_cohorts,
    export_leads,
    export_metrics,
    export_purchases,
    export_spend,
)
from ingest.formats import FORMATS, describe, report_csv
from ingest.importer import ImportResult, Progress, import_file
from kernel.weeks import EARLIEST_DATE, local_date, utcnow

SHOWN_ERRORS = 100


def _summary(result: ImportResult) -> str:
    rate = result.rows / result.seconds if result.seconds else 0.0
    return (
        f"Imported {result.rows:,} {result.kind} rows in {result.seconds:.1f} s "
        f"({rate:,.0f} rows/s): {result.created:,} created, {result.updated:,} updated, "
        f"{result.rows - result.created - result.updated:,} unchanged "
        f"({', '.join(f'{phase} {seconds:.1f} s' for phase, seconds in result.phases.items())})."
    )


def _fail(result: ImportResult, report_path: Path | None) -> None:
    """Print the first problems (and write the full report) and exit with status 1."""
    errors = result.report.sorted()
    total = result.report.total
    found = f"{total:,} problem{'' if total == 1 else 's'} found"
    click.echo(f"Nothing was imported: {found}.", err=True)
    for error in errors[:SHOWN_ERRORS]:
        click.echo(f"  {describe(error)}", err=True)
    if result.report.total > SHOWN_ERRORS:
        click.echo(f"  … and {result.report.total - SHOWN_ERRORS:,} more.", err=True)
    if report_path is not None:
        report_path.write_text(report_csv(result.report), encoding="utf-8")
        click.echo(f"The full report is in {report_path}.", err=True)
    sys.exit(1)


@click.command("import")
@click.argument("kind", type=click.Choice(list(FORMATS)))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every problem to this CSV file.")  # fmt: skip
@with_appcontext
def import_command(kind: str, path: Path, report_path: Path | None) -> None:
    """Import a CSV file of spend, leads or purchases (whole file or nothing)."""
    size = path.stat().st_size
    label = f"Importing {kind} from {path.name}"
    bar: Any = click.progressbar(
        length=size or 1, label=label, file=sys.stderr,
        item_show_func=lambda p: f"{p.rows:,} rows, {p.phase}" if p else None,
    )  # fmt: skip
    with path.open("rb") as stream, bar:

        def progress(state: Progress) -> None:
            target = size if state.phase != "reading" else int(state.fraction * size)
            bar.update(max(0, target - bar.pos), current_item=state)

        def record(conn: sa.Connection, done: ImportResult) -> None:
            audit.record_bulk(conn, entity=kind, summary=f"import of {path.name}",
                              counts={"rows": done.rows, "created": done.created,
                                      "updated": done.updated})

        result = import_file(
            database.get_engine(), kind, stream, size=size, progress=progress,
            window=accepted_dates(), max_columns=current_app.config["CSV_MAX_COLUMNS"],
            before_commit=record,
        )  # fmt: skip
    if not result.ok:
        _fail(result, report_path)
    click.echo(_summary(result))


def export_chunks(kind: str, as_of_day: date | None) -> Iterator[str]:
    """Yield the CSV text of export `kind` (one of EXPORT_KINDS) in chunks, header first.

    Metrics and cohorts are computed as of `as_of_day` (None: today in the workspace's time
    zone); spend, leads and purchases ignore it. Needs an app context (it uses the app's
    engine) and opens its own session, so a view can stream it with `stream_with_context`.
    """
    engine = database.get_engine()
    with Session(engine) as session:
        settings = ensure_settings(session)
        timezone, week_start = settings.timezone, settings.week_start
        economics = economics_settings(settings)
        day = as_of_day or local_date(utcnow(), timezone)
        earliest = current_app.config.get("DATES_EARLIEST", EARLIEST_DATE)
        as_of = AsOf(day=day, week_start=week_start, timezone=timezone, earliest=earliest)
        if kind == "metrics":
            yield from export_metrics(session, as_of, economics)
            return
        if kind == "cohorts":
            yield from export_cohorts(session, as_of, economics)
            return
        conn = session.connection()
        if kind == "spend":
            yield from export_spend(conn)
        elif kind == "leads":
            yield from export_leads(conn, timezone)
        else:
            yield from export_purchases(conn, timezone)


@click.command("export")
@click.argument("kind", type=click.Choice(EXPORT_KINDS))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")  # fmt: skip
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Metrics as of this date, YYYY-MM-DD  [default: today]")  # fmt: skip
@with_appcontext
def export_command(kind: str, output: Path | None, as_of: datetime | None) -> None:
    """Export spend, leads, purchases, channel metrics or cohorts as CSV."""
    day = as_of.date() if as_of else None
    if output is None:
        for chunk in export_chunks(kind, day):
            click.echo(chunk, nl=False)
        return
    with output.open("w", encoding="utf-8", newline="") as out:
        for chunk in export_chunks(kind, day):
            out.write(chunk)
    click.echo(f"Wrote {kind} to {output}.", err=True)
