"""The lead funnel: stages reached and lost, conversion and cost per stage, grades, sales cycle."""

from functools import partial
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for

from app.db import get_session
from app.lead_stages import apply_change, find_lead, parse_change
from app.results.cache import cached
from app.settings import load_settings
from app.views import render_page_or_partial
from app.views.dashboard import requested_as_of
from app.views.pickers import choices
from experiments.funnel.queries import funnel_data, quarterly_cycle_rows
from experiments.funnel.report import funnel_report
from experiments.verdict import format_p

bp = Blueprint("funnel", __name__, url_prefix="/funnel")


@bp.get("/")
def index() -> Any:
    """Show the funnel as of a date, of one channel or all of them."""
    return _page({}, {})


def _page(values: dict[str, str], errors: dict[str, str], status: int = 200) -> Any:
    """Render the funnel page with the stage form holding `values` and `errors`."""
    as_of, as_of_error = requested_as_of()
    channels = choices().channels
    known = {str(cid): cid for cid, _ in channels}
    channel_id = known.get(request.args.get("channel", ""))
    scope = None if channel_id is None else [channel_id]
    session, settings = get_session(), load_settings()
    # Current, never served stale (app.results.cache): moving a lead here must show at once.
    report = funnel_report(
        cached(("funnel", channel_id, as_of), partial(
            funnel_data, session=session, as_of=as_of, channel_ids=scope), stale=False),
        cached(("quarterly_cycles", channel_id, as_of), partial(
            quarterly_cycle_rows, session=session, as_of=as_of, channel_ids=scope), stale=False),
        min_leads=settings.min_leads_per_group, min_customers=settings.min_customers_total,
    )
    return render_page_or_partial(
        "funnel/index.html", "funnel/_funnel.html", http_status=status, report=report,
        channels=channels, channel_names=dict(channels), channel_id=channel_id,
        as_of=as_of.day, as_of_error=as_of_error, format_p=format_p, values=values,
        errors=errors,
    )


@bp.post("/stage")
def move_lead() -> Any:
    """Move one lead to another stage or grade (kept as dated history, like the API)."""
    values = {k: v.strip() for k, v in request.form.items() if k != "csrf_token"}
    session = get_session()
    lead = find_lead(session, values.get("external_id", ""))
    if lead is None:
        errors = {"external_id": f"no lead has the external id {values.get('external_id')!r}"}
        return _page(values, errors, 422)
    body: dict[str, Any] = {k: values[k] for k in ("stage", "changed_at") if values.get(k)}
    if values.get("grade"):
        body["grade"] = None if values["grade"] == "none" else values["grade"]
    change, errors = parse_change(session, body, lead)
    if change is None:
        return _page(values, errors, 422)
    moved = apply_change(session, lead, *change)
    session.commit()
    flash(f"Lead {lead.external_id}: {lead.stage}, grade {lead.grade or 'none'}"
          + ("." if moved else " (unchanged)."), "ok")
    return redirect(url_for("funnel.index"))
