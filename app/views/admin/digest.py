"""The weekly email page: preview any complete week, send it to yourself, past runs."""

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, g, make_response, redirect, request, url_for
from werkzeug.wrappers import Response

from app.accounts.headers import CONTENT_SECURITY_POLICY
from app.db import get_session
from app.digest.content import DigestWeekError, digest_for, digest_week, last_complete_week
from app.digest.delivery import Outcome, deliver_week, recipients, send_copy
from app.digest.runs import recent_runs
from app.digest.schedule import next_run
from app.digest.scheduler import current_schedule
from app.models import DigestRun
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
    return render_page_or_partial(
        "digest/index.html", "digest/_runs.html", week=week, week_error=error,
        latest=last_complete_week(), runs=recent_runs(get_session()),
        recipients=recipients(),
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


def _flash(outcome: Outcome) -> None:
    flash(outcome.message + (f" {outcome.error}" if outcome.error else ""),
          "ok" if outcome.ok else "error")


@bp.post("/send-now")
def send_now() -> Response:
    """Send a week's email to the signed-in owner only, outside the weekly rule."""
    _owner_only()
    week, error = _requested_week(request.form)
    if error:
        abort(400, description=error)
    _flash(send_copy(week, g.user.email, attempts=1))
    return redirect(url_for(".index", week=week.isoformat()))


@bp.post("/runs/<int:run_id>/retry")
def retry(run_id: int) -> Response:
    """Send a failed week again to the recipients (one attempt, the result shown at once)."""
    _owner_only()
    run = get_session().get(DigestRun, run_id)
    if run is None:
        abort(404, description=f"There is no weekly email run #{run_id}.")
    if run.status != "failed":
        abort(409, description=f"The email of the week of {run.week} has not failed "
                               f"({run.status}); only a failed one can be retried.")
    _flash(deliver_week(run.week, trigger="retry", retry=True, attempts=1))
    return redirect(url_for(".index", week=run.week.isoformat()))
