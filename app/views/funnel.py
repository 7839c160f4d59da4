"""The lead funnel: stages reached and lost, conversion and cost per stage, grades, sales cycle."""

from typing import Any

from flask import Blueprint, request

from app.db import get_session
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
    as_of, as_of_error = requested_as_of()
    channels = choices().channels
    known = {str(cid): cid for cid, _ in channels}
    channel_id = known.get(request.args.get("channel", ""))
    scope = None if channel_id is None else [channel_id]
    session, settings = get_session(), load_settings()
    report = funnel_report(
        funnel_data(session=session, as_of=as_of, channel_ids=scope),
        quarterly_cycle_rows(session=session, as_of=as_of, channel_ids=scope),
        min_leads=settings.min_leads_per_group, min_customers=settings.min_customers_total,
    )
    return render_page_or_partial(
        "funnel/index.html", "funnel/_funnel.html", report=report, channels=channels,
        channel_names=dict(channels), channel_id=channel_id, as_of=as_of.day,
        as_of_error=as_of_error, format_p=format_p,
    )
