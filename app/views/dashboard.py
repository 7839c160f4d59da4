"""Dashboard: every channel with spend, leads, customers and revenue to date."""

from datetime import date
from typing import Any

from flask import Blueprint, request

from app.db import get_session
from app.settings import load_settings
from app.views import render_page_or_partial
from channels.queries import channel_summaries, total_numbers
from cohorts.weeks import local_date, utcnow

bp = Blueprint("dashboard", __name__)


def parse_as_of(text: str | None, today: date) -> tuple[date, str | None]:
    """Return the as-of date from `text` (ISO), or today with an error message when unreadable."""
    if not text:
        return today, None
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return today, f"{text!r} is not a date like 2026-03-31; showing today instead."


@bp.get("/")
def index() -> Any:
    """Show every channel's key numbers to date, grouped by Bullseye ring, with totals."""
    settings = load_settings()
    today = local_date(utcnow(), settings.timezone)
    as_of, as_of_error = parse_as_of(request.args.get("as_of"), today)
    summaries = channel_summaries(session=get_session(), as_of=as_of, timezone=settings.timezone)
    return render_page_or_partial(
        "dashboard/index.html",
        "dashboard/_table.html",
        summaries=summaries,
        totals=total_numbers(summaries),
        as_of=as_of,
        today=today,
        as_of_error=as_of_error,
    )
