"""The quick log (`/log`): one keyboard-first form per channel-week for founders who know only
aggregates (spend, new leads, buyers and revenue per earlier cohort)."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, request, session, url_for
from werkzeug.wrappers import Response

from app.accounts import audit
from app.db import get_session
from app.log_input import buyers_field, field_label, parse_week_log, revenue_field
from app.settings import accepted_dates, load_settings
from app.views import render_page_or_partial
from channels import queries
from channels.models import Channel
from ingest.quick_log import WeekLog, read_week, store_week, week_problems
from kernel.weeks import last_complete_week, local_date, utcnow, week_of

bp = Blueprint("log", __name__, url_prefix="/log")
CONFLICT = ("Not saved: someone else changed this week's log since you loaded this page. "
            "Their values are shown under the fields; save again to store yours over them.")


@dataclass
class Picked:
    """The channel and week a request is about, and what is wrong with them."""

    channels: list[Channel]
    channel: Channel | None = None
    week: date | None = None
    named: str = ""  # the week as written
    errors: dict[str, str] = field(default_factory=dict)


def _pick(args: Any) -> Picked:
    """Return the channel (given, else the last used, else the first) and the week asked for."""
    settings = load_settings()
    picked = Picked(queries.list_channels(session=get_session()))
    by_id = {str(c.id): c for c in picked.channels}
    wanted = (args.get("channel") or str(session.get("log_channel", ""))).strip()
    picked.channel = by_id.get(wanted) or (picked.channels[0] if picked.channels else None)
    if args.get("channel") and args.get("channel") not in by_id:
        picked.errors["channel"] = "Choose a channel from the list."
    today = local_date(utcnow(), settings.timezone)
    picked.named = (args.get("week") or "").strip()
    if not picked.named:
        picked.week = last_complete_week(today, settings.week_start)
        picked.named = picked.week.isoformat()
        return picked
    try:
        day = date.fromisoformat(picked.named)
        week = week_of(day, settings.week_start)
    except (ValueError, OverflowError):
        picked.errors["week"] = "Week must be a date like 2026-03-02 (any day of the week)."
        return picked
    problems = week_problems(week, day, accepted_dates(), today)
    picked.errors.update({f: f"Week: {m}." for f, m in problems})
    picked.week = None if problems else week
    return picked


def _values(log: WeekLog) -> dict[str, str]:
    """Return the form's inputs as stored (blank where nothing is logged)."""
    values = {"spend": _amount(log.spend_minor), "leads": str(log.leads) if log.leads else ""}
    for cohort in log.cohorts:
        if cohort.week_buyers or cohort.week_revenue_minor:
            values[buyers_field(cohort.week)] = str(cohort.week_buyers)
            values[revenue_field(cohort.week)] = _amount(cohort.week_revenue_minor)
    return values


def _amount(minor: int | None) -> str:
    if minor is None:
        return ""
    units, cents = divmod(minor, 100)
    return f"{units}.{cents:02d}"


def _render(picked: Picked, *, values: dict[str, str] | None = None,
            errors: dict[str, str] | None = None, now: dict[str, str] | None = None,
            status: int = 200) -> Response:  # fmt: skip
    log = None
    if picked.channel is not None and picked.week is not None:
        log = read_week(get_session().connection(), picked.channel.id or 0, picked.week)
    return render_page_or_partial(
        "log/index.html", "log/_form.html", http_status=status, picked=picked, log=log,
        values=_values(log) if log and values is None else values or {},
        errors=errors or {}, now=now or {}, buyers_field=buyers_field,
        revenue_field=revenue_field, currency=load_settings().currency,
    )


@bp.get("/")
def index() -> Response:
    """Show the log form of a channel-week (default: the last used channel, last week)."""
    picked = _pick(request.args)
    return _render(picked, status=400 if picked.errors else 200)


@bp.post("/")
def save() -> Response:
    """Replace the channel-week's log; 422 names every bad field, 409 an edit conflict."""
    picked = _pick(request.form)
    form = request.form.to_dict()
    if picked.errors or picked.channel is None or picked.week is None:
        return _render(picked, values=form, status=422)
    db = get_session()
    conn = db.connection()
    channel_id = picked.channel.id or 0
    stored = read_week(conn, channel_id, picked.week)
    entry, errors = parse_week_log(form, [c.week for c in stored.cohorts])
    problems = [] if entry is None else store_week(
        conn, channel_id, picked.week, entry, window=accepted_dates(),
        read_tag=form.get("tag") or None)  # fmt: skip
    if entry is None or problems:
        db.rollback()
        if problems and problems[0][0] == "tag":
            return _conflict(picked, form)
        errors |= {f: f"{field_label(f)}: {m}." for f, m in problems}
        return _render(picked, values=form, errors=errors, status=422)
    audit.record_quick_log(db, channel_id, picked.week, entry)
    db.commit()
    session["log_channel"] = channel_id
    flash(f"Saved the week of {picked.week} for {picked.channel.name}.", "ok")
    return redirect(url_for(".index", channel=channel_id, week=picked.week.isoformat()))


def _conflict(picked: Picked, form: dict[str, str]) -> Response:
    """Re-render the editor's values with the newer stored ones beside them, and the new tag."""
    assert picked.channel is not None and picked.week is not None
    stored = read_week(get_session().connection(), picked.channel.id or 0, picked.week)
    newer = _values(stored)
    now = {name: newer.get(name, "") or "nothing" for name in {*newer, *form}
           if name not in ("tag", "channel", "week", "csrf_token")
           and (newer.get(name) or "").strip() != (form.get(name) or "").strip()}
    return _render(picked, values=form | {"tag": stored.tag}, errors={"": CONFLICT}, now=now,
                   status=409)
