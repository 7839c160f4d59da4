"""The settings page: owners change install-wide settings, everyone else reads them."""

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from werkzeug.wrappers import Response

from app import htmx
from app.db import get_engine, get_session
from app.jobs.change_progress import ChangeRunning
from app.jobs.settings_change import (
    apply_settings,
    changed_fields,
    current_change,
    needs_rederive,
    running_change,
    start_change,
    stored_values,
)
from app.settings import accepted_dates, ensure_settings
from app.settings_input import (
    ACCOUNT_QUALITY,
    DAY_NAMES,
    FIELDS,
    currencies,
    form_text,
    parse_settings,
    time_zones,
)
from app.views import render_page_or_partial
from cohorts.rederive import STEPS
from kernel.weeks import utcnow

bp = Blueprint("settings", __name__, url_prefix="/settings")
SHOW_FINISHED = timedelta(minutes=10)  # a finished change's outcome stays on the page this long
BUSY = ("A change of week start or time zone is still being applied; nothing was saved. "
        "Wait until it finishes, then save again.")


def _render(status: int = 200, partial: str = "settings/_settings.html",
            **context: Any) -> Response:  # fmt: skip
    if "values" not in context:
        context["values"] = form_text(stored_values(ensure_settings(get_session())))
    context.setdefault("errors", {})
    change = current_change(get_engine(), current_app.config["INSTANCE_DIR"])
    return render_page_or_partial(
        "settings/index.html", partial, http_status=status,
        fields=FIELDS, days=DAY_NAMES, currencies=currencies(), time_zones=sorted(time_zones()),
        qualities=ACCOUNT_QUALITY, steps=STEPS, can_change=g.user.role == "owner", change=change,
        show_change=change is not None and utcnow() - change.started_at < SHOW_FINISHED,
        **context)


@bp.get("/")
def index() -> Response:
    """Show every setting, editable for owners."""
    return _render()


@bp.post("/")
def save() -> Response:
    """Validate and store the settings (owners only); a week change runs as a job."""
    if g.user.role != "owner":
        abort(403, description="Only owners can change the settings.")
    values, errors = parse_settings(request.form)
    if values is None:
        return _render(422, values=dict(request.form), errors=errors)
    if running_change(get_engine(), current_app.config["INSTANCE_DIR"]) is not None:
        return _render(409, values=dict(request.form), busy=BUSY)
    changed = changed_fields(ensure_settings(get_session()), values)
    get_session().rollback()  # the job and the save use their own transaction
    window = accepted_dates(values["timezone"])
    if needs_rederive(changed):
        try:
            start_change(get_engine(), values, window=window,
                         instance_dir=current_app.config["INSTANCE_DIR"],
                         synchronous=bool(current_app.config.get("SETTINGS_SYNCHRONOUS")))
        except ChangeRunning:
            return _render(409, values=dict(request.form), busy=BUSY)
    else:
        apply_settings(get_engine(), values, window=window)
    saved = "Settings saved." if changed else "Nothing changed."
    if htmx:
        return _render(saved=None if needs_rederive(changed) else saved)
    if not needs_rederive(changed):
        flash(saved, "ok")
    return redirect(url_for(".index"))


@bp.get("/change")
def change() -> Response:
    """Show how far the running week-start or time-zone change got (polled by the page)."""
    return _render(partial="settings/_change.html")
