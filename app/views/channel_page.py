"""What the channel page and its spend grid render from: economics, charts and the grid."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import render_template, request
from markupsafe import Markup

from app.charts.cohorts import (
    TRIANGLE_METRICS,
    heatmap,
    payback_chart,
    payback_counts,
    roi_chart,
    roi_curves,
)
from app.db import get_session
from app.results.cache import metrics_cache
from app.results.ltv import ltv_state, ltv_view
from app.results.metrics import cycles, parse_as_of, reports
from app.settings import load_settings
from app.views.cohorts import MIX_LABELS, tier_summary
from app.views.dashboard import requested_as_of
from channels import queries
from channels.models import Channel
from cohorts.economics import ChannelEconomics
from cohorts.queries import AsOf
from cohorts.report import ChannelReport
from cohorts.tiers import HEALTHY_MIX
from kernel.weeks import week_of

DEFAULT_WEEKS = 12  # the spend grid shows the last 12 weeks until asked for more
MORE_WEEKS = 26
DEFAULT_COHORTS = 26
MAX_WEEKS = 520


def today() -> date:
    return parse_as_of(None).day


def _report(channel: Channel, as_of: AsOf) -> ChannelReport:
    """Return the channel's cached report as of `as_of`."""
    return next(r for r in reports(as_of) if r.channel.id == channel.id)


def channel_numbers(channel: Channel) -> ChannelEconomics:
    return _report(channel, parse_as_of(None)).economics


def _requested_weeks() -> tuple[int, bool]:
    """Return how many recent weeks the spend grid shows, and whether every recorded week
    is shown too (`weeks=all`)."""
    text = request.args.get("weeks", "")
    if text == "all":
        return DEFAULT_WEEKS, True
    if not (text.isascii() and text.isdigit()):
        return DEFAULT_WEEKS, False
    return (MAX_WEEKS if len(text) > 9 else min(max(int(text), 1), MAX_WEEKS)), False


def page_context(
    channel: Channel, failed: Mapping[date, dict[str, Any] | None] | None = None
) -> dict[str, Any]:
    """Return what the channel page renders from (`failed`: refused rows of its spend grid)."""
    return {
        **grid_context(channel, failed),
        **_economics_context(channel),
        "history": queries.channel_history(session=get_session(), channel_id=channel.id or 0),
    }


def grid_context(
    channel: Channel, failed: Mapping[date, dict[str, Any] | None] | None = None
) -> dict[str, Any]:
    """Return what the spend grid alone renders from (`failed`: refused rows)."""
    current_week = week_of(today(), load_settings().week_start)
    weeks, everything = _requested_weeks()
    grid = queries.spend_grid(session=get_session(), channel_id=channel.id or 0,
                              current_week=current_week, weeks=weeks, everything=everything)
    return {
        "channel": channel,
        "grid": grid,
        "grid_total": grid.total_minor,
        "failed": failed or {},
        "more_weeks": min(grid.weeks + MORE_WEEKS, MAX_WEEKS),
    }


def requested_triangle(channel: Channel) -> Markup:
    """Return the cohort triangle the request asks for (as of, metric, how many cohorts)."""
    as_of, _ = requested_as_of()
    return _triangle(channel, as_of, _report(channel, as_of))


def _triangle(channel: Channel, as_of: AsOf, report: ChannelReport) -> Markup:
    metric = request.args.get("metric", "revenue")
    metric = metric if metric in TRIANGLE_METRICS else "revenue"
    text = request.args.get("cohorts", "")
    whole = text.isascii() and text.isdigit() and len(text) <= 9
    limit = int(text) if whole and int(text) > 0 else DEFAULT_COHORTS
    return triangle_html(channel, report, as_of.day, metric, limit)


def _economics_context(channel: Channel) -> dict[str, Any]:
    """Return the channel's economics, cohort charts and customer tiers as of the request."""
    as_of, as_of_error = requested_as_of()
    report = _report(channel, as_of)
    curves = roi_curves(report)
    payback = payback_counts(report.triangle)
    state = ltv_state(as_of, today())
    past = None if state.result is None else state.result.backtest
    return {
        "report": report,
        "ltv": ltv_view(state, report, load_settings()),
        "backtest": past,
        "backtest_row": None if past is None else past.channels.get(channel.id or 0),
        "numbers": report.economics,
        "as_of": as_of.day,
        "as_of_error": as_of_error,
        "cycle": cycles(as_of).get(channel.id or 0),
        "triangle_html": _triangle(channel, as_of, report),
        "curves": curves,
        "roi_chart": roi_chart(curves),
        "payback": payback,
        "payback_chart": payback_chart(payback),
        "tiers": tier_summary(as_of).channels.get(channel.id or 0),
        "mix_labels": MIX_LABELS,
        "healthy_mix": HEALTHY_MIX,
    }


def triangle_html(channel: Channel, report: ChannelReport, as_of: date, metric: str,
                  limit: int) -> Markup:
    """Return the rendered cohort triangle (hundreds of cells: the page's costliest part).

    It is kept with the report it was drawn from, and reused while `reports()` returns that
    very report object, i.e. until the channel's data (or the settings it depends on) change.
    """
    settings = load_settings()
    key = ("triangle_html", channel.id, metric, limit, as_of, settings.currency,
           settings.gross_margin, settings.min_customers_total)
    return metrics_cache().derived(key, report, lambda: Markup(render_template(
        "channels/_triangle.html", channel=channel, as_of=as_of, metrics=TRIANGLE_METRICS,
        heatmap=heatmap(report.triangle, metric, limit))))  # type: ignore[arg-type]
