"""The weekly email page: preview any complete week, send it to yourself, past runs.

"Send now" and "retry" queue the send (app.digest.queue) and answer at once; the page polls
the send's status section until the worker has sent it.
"""

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, g, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app import htmx
from app.accounts.headers import CONTENT_SECURITY_POLICY
from app.db import get_session
from app.digest.content import DigestWeekError, digest_for, digest_week, last_complete_week
from app.digest.delivery import recipients
from app.digest.queue import Queued, enqueue
from app.digest.runs import recent_runs
from app.digest.schedule import next_run
from app.digest.scheduler import current_schedule
from app.models import DigestRun, DigestSend
from app.views import render_page_or_partial
from kernel.weeks import utcnow

bp = Blueprint("digest", __name__, url_prefix="/digest")


def _requested_week(source: dict[str, str] | Any) -> tuple[date, str | None]:
    """Return the requested week, or the last complete one with a message."""
    try:
        return digest_week(source.get("week", "")), None
    except DigestWeekError as exc:
        return last_complete_week(), f"{exc}; showing the last complete week instead."


def _owner_only() -> None:
    if g.user.role != "owner":
        abort(403, description="Only owners can send the weekly email.")


@bp.get("/")
def index() -> Response:
    """Show a week's email in a frame, the schedule and the last runs."""
    week, error = _requested_week(request.args)
    schedule = current_schedule()
    upcoming = next_run(schedule, utcnow())
    send_id = request.args.get("send", "")
    wellformed = send_id.isascii() and send_id.isdigit() and len(send_id) <= 9
    send = get_session().get(DigestSend, int(send_id)) if wellformed else None
    if send is not None and g.user.role != "owner":
        send = None  # owners' sends: who got a copy is theirs to see
    return render_page_or_partial(
        "digest/index.html", "digest/_runs.html", week=week, week_error=error,
        latest=last_complete_week(), runs=recent_runs(get_session()),
        recipients=recipients(), send=send,
        next_run=upcoming.astimezone(ZoneInfo(schedule.timezone)) if upcoming else None,
    )


@bp.get("/preview")
def preview() -> Response:
    """Return a week's email itself: HTML, or plain text with format=text."""
    week, error = _requested_week(request.args)
    if error:
        abort(400, description=error)
    rendered = digest_for(week)
    as_text = request.args.get("format") == "text"
    body = f"Subject: {rendered.subject}\n\n{rendered.text}" if as_text else rendered.html
    response = make_response(body)
    response.mimetype = "text/plain" if as_text else "text/html"
    # The /digest/ page shows this in a same-origin frame: allow that framing only.
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", "frame-ancestors 'self'")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _queued(queued: Queued) -> Response:
    """Answer a queued send at once: its status section (htmx), or the page showing it."""
    send = queued.send
    if htmx:
        return make_response(render_template("digest/_send.html", send=send), 202)
    return redirect(url_for(".index", week=send.week.isoformat(), send=send.id))


@bp.post("/send-now")
def send_now() -> Response:
    """Queue a week's email to the signed-in owner only, outside the weekly rule."""
    _owner_only()
    week, error = _requested_week(request.form)
    if error:
        abort(400, description=error)
    return _queued(enqueue(get_session(), kind="copy", week=week, recipient=g.user.email))


@bp.post("/runs/<int:run_id>/retry")
def retry(run_id: int) -> Response:
    """Queue a failed week to be sent again to the recipients (one attempt, by the worker)."""
    _owner_only()
    run = get_session().get(DigestRun, run_id)
    if run is None:
        abort(404, description=f"There is no weekly email run #{run_id}.")
    if run.status != "failed":
        abort(409, description=f"The email of the week of {run.week} has not failed "
                               f"({run.status}); only a failed one can be retried.")
    return _queued(enqueue(get_session(), kind="retry", week=run.week))


@bp.get("/sends/<int:send_id>")
def send_status(send_id: int) -> Response:
    """Show how a queued "send now" or "retry" went (polled by the page until it ends)."""
    _owner_only()
    send = get_session().get(DigestSend, send_id)
    if send is None:
        abort(404, description=f"There is no weekly email send #{send_id}.")
    return make_response(render_template("digest/_send.html", send=send))
