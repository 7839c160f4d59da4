"""Segment insights (SPEC §6): which audiences convert differently, per channel or overall."""

from typing import Any

from flask import Blueprint, request

from app.results.comparisons import adjustment, segment_report
from app.views import render_page_or_partial
from app.views.compare import ADJUSTMENT_LABELS
from app.views.dashboard import requested_as_of
from app.views.pickers import choices
from experiments.segments.insights import top_finding
from experiments.verdict import OBSERVATIONAL_CAVEAT, TEST_LABELS

bp = Blueprint("segments", __name__, url_prefix="/segments")


def _channel_id(text: str | None, known: list[tuple[int, str]]) -> int | None:
    """Return the chosen channel id when it names a channel; None means all channels."""
    ids = {str(cid): cid for cid, _ in known}
    return ids.get(text or "")


@bp.get("/")
def index() -> Any:
    """Show every attribute value against the rest, ranked by its effect on conversion."""
    as_of, as_of_error = requested_as_of()
    method = adjustment(request.args.get("method"))
    channels = choices().channels
    channel_id = _channel_id(request.args.get("channel"), channels)
    report = segment_report(as_of, channel_id, method)
    return render_page_or_partial(
        "segments/index.html", "segments/_insights.html",
        insights=report.insights, finding=top_finding(report.insights, report.rule),
        rule=report.rule, plan=report.plan, limits=report.limits, test_labels=TEST_LABELS,
        channels=channels, channel_id=channel_id, method=method, methods=ADJUSTMENT_LABELS,
        as_of=as_of.day, as_of_error=as_of_error,
        caveat=OBSERVATIONAL_CAVEAT,
    )
