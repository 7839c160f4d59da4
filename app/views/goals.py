"""SMART goals: set monthly targets (overall or per channel) and follow their progress."""

from datetime import date
from typing import Any

from flask import Blueprint, redirect, request, url_for

from app.db import get_session
from app.results.goals import (
    goals_history,
    goals_progress,
    month_goals,
    save_goal,
    targets_of,
)
from app.settings import accepted_dates, load_settings
from app.views import render_page_or_partial
from app.views.dashboard import requested_as_of
from app.views.pickers import choices
from cohorts.as_of import AsOf
from experiments.goals.progress import STATUS_LABELS, ScopeProgress
from experiments.goals.targets import GOAL_KINDS, GoalKind, parse_goal, parse_month

bp = Blueprint("goals", __name__, url_prefix="/goals")


def form_value(kind: GoalKind, value: int | None) -> str:
    """Return a stored target as the text its form field shows (units, percent)."""
    if value is None:
        return ""
    if kind.unit == "money":
        return f"{value // 100}.{value % 100:02d}"
    if kind.unit == "ratio":
        return f"{value / 100:g}"
    return str(value)


def _month(as_of_day: date) -> tuple[date, str | None]:
    """Return the month asked for (default: the as-of month) and a message when unreadable."""
    text = request.args.get("month", "")
    if not text:
        return as_of_day.replace(day=1), None
    try:
        return parse_month(text, accepted_dates()), None
    except ValueError as error:
        return as_of_day.replace(day=1), f"{error}; showing the as-of month instead."


def _page(values: dict[str, str], errors: dict[str, str], status: int = 200) -> Any:
    """Render the goals page with the form holding `values` and `errors`."""
    as_of, as_of_error = requested_as_of()
    month, month_error = _month(as_of.day)
    if "month" in values and not errors:
        month = parse_month(values["month"], accepted_dates())
    session = get_session()
    return render_page_or_partial(
        "goals/index.html", "goals/_progress.html", http_status=status,
        scopes=goals_progress(session=session, as_of=as_of, month=month),
        history=goals_history(session=session, as_of=as_of), month=month, as_of=as_of.day,
        as_of_error=as_of_error or month_error, kinds=GOAL_KINDS, labels=STATUS_LABELS,
        channels=choices().channels, values=values, errors=errors,
    )


@bp.get("/")
def index() -> Any:
    """Show the month's goals with progress, the form to set them, and past months."""
    as_of, _error = requested_as_of()
    month, _month_error = _month(as_of.day)
    channel = request.args.get("channel", "")
    values = {"month": month.isoformat()[:7], "channel_id": channel}
    for goal in month_goals(get_session(), month):
        if str(goal.channel_id or "") == channel:
            stored = targets_of(goal)
            values |= {k.key: form_value(k, stored.get(k.column)) for k in GOAL_KINDS}
    return _page(values, {})


@bp.app_context_processor
def goal_panel() -> dict[str, Any]:
    """Let any page include "goals/_panel.html" (the dashboard's compact goals panel)."""

    def goal_scopes(as_of: date) -> list[ScopeProgress]:
        settings = load_settings()
        day = AsOf(as_of, settings.week_start, settings.timezone, accepted_dates().earliest)
        return goals_progress(session=get_session(), as_of=day)

    return {"goal_scopes": goal_scopes, "goal_labels": STATUS_LABELS}


@bp.post("/")
def save() -> Any:
    """Set (or clear, when every target is empty) a month's goal, overall or for a channel."""
    fields = {k: v for k, v in request.form.items() if k != "csrf_token"}
    known = {cid for cid, _name in choices().channels}
    data, errors = parse_goal(fields, accepted_dates(), known)
    if data is None:
        return _page(fields, errors, 422)
    session = get_session()
    save_goal(session, data)
    session.commit()
    return redirect(url_for("goals.index", month=data.month.isoformat()[:7],
                            channel=data.channel_id or ""))  # fmt: skip
