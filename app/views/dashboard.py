"""Dashboard: channels ranked by cohort economics, grouped by Bullseye ring, with totals."""

from datetime import timedelta
from typing import Any

from flask import Blueprint, request

from app.charts.svg import Sparkline, sparkline
from app.results.decisions import dashboard_health
from app.results.ltv import ltv_views
from app.results.metrics import AsOfError, economics_settings, parse_as_of, reports, today
from app.settings import load_settings
from app.views import render_page_or_partial
from app.views.health import STATUS_LABELS
from cohorts.queries import AsOf
from cohorts.report import RANKINGS, AllChannels, ChannelReport, Ranking, all_channels, rank
from kernel.money import MINOR_PER_UNIT

bp = Blueprint("dashboard", __name__)


def requested_as_of() -> tuple[AsOf, str | None]:
    """Return the request's `as_of` date, or today with a message when it is unreadable."""
    text = request.args.get("as_of", "")
    try:
        return parse_as_of(text), None
    except AsOfError as exc:
        message = f"{exc}; showing today instead."
        return parse_as_of(None), message


def trends(report: ChannelReport | AllChannels, partial: bool) -> dict[str, Sparkline]:
    """Return sparklines of weekly customers and weekly spend (in currency units); `partial`
    when the last week is still running on the as-of date."""
    return {
        "customers": sparkline([float(v) for v in report.weekly_customers], partial_last=partial),
        "spend": sparkline([v / MINOR_PER_UNIT for v in report.weekly_spend_minor],
                           partial_last=partial),
    }  # fmt: skip


@bp.get("/")
def index() -> Any:
    """Show channels ranked by the chosen metric within their Bullseye ring, with totals."""
    as_of, as_of_error = requested_as_of()
    ranking: Ranking = request.args.get("rank", "roi")  # type: ignore[assignment]
    if ranking not in RANKINGS:
        ranking = "roi"
    ranked = rank(reports(as_of), ranking)
    settings = load_settings()
    totals = all_channels(ranked, economics_settings(settings)) if ranked else None
    running = as_of.day < as_of.week + timedelta(days=6)  # the as-of week has days to come
    ltv = ltv_views(ranked, as_of, today(), settings)
    return render_page_or_partial(
        "dashboard/index.html",
        "dashboard/_table.html",
        reports=ranked,
        positions={r.channel.id: i for i, r in enumerate(ranked, start=1)},
        totals=totals,
        trends={r.channel.id: trends(r, running) for r in ranked},
        ltv=ltv,
        totals_trends=trends(totals, running) if totals else None,
        ranking=ranking,
        rankings=RANKINGS,
        as_of=as_of.day,
        today=today(),
        as_of_error=as_of_error,
        health_labels=STATUS_LABELS,
        significance_before=as_of.day - timedelta(days=7),
        **vars(dashboard_health(ranked, as_of, settings, ltv)),
    )
