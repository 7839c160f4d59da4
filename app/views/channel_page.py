"""What the channel page and its spend grid render from: economics, charts and the grid."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import request

from app.charts.cohorts import (
    TRIANGLE_METRICS,
    heatmap,
    payback_chart,
    payback_counts,
    roi_chart,
    roi_curves,
)
from app.db import get_session
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

DEFAULT_WEEKS = 26
DEFAULT_COHORTS = 26
MAX_WEEKS = 520


def today() -> date:
    return parse_as_of(None).day


def _report(channel: Channel, as_of: AsOf) -> ChannelReport:
    """Return the channel's cached report as of `as_of`."""
    return next(r for r in reports(as_of) if r.channel.id == channel.id)


def channel_numbers(channel: Channel) -> ChannelEconomics:
    return _report(channel, parse_as_of(None)).economics


def _requested_weeks() -> int:
    text = request.args.get("weeks", "")
    if not (text.isascii() and text.isdigit()):
        return DEFAULT_WEEKS
    return MAX_WEEKS if len(text) > 9 else min(max(int(text), 1), MAX_WEEKS)


def page_context(
    channel: Channel, failed: Mapping[date, dict[str, Any] | None] | None = None
) -> dict[str, Any]:
    """Return what the channel page and its spend grid render from (`failed`: refused rows)."""
    db = get_session()
    current_week = week_of(today(), load_settings().week_start)
    grid = queries.spend_grid(
        session=db, channel_id=channel.id or 0, current_week=current_week, weeks=_requested_weeks()
    )
    return {
        "channel": channel,
        **_economics_context(channel),
        "history": queries.channel_history(session=db, channel_id=channel.id or 0),
        "grid": grid,
        "grid_total": grid.total_minor,
        "failed": failed or {},
        "more_weeks": min(grid.weeks + DEFAULT_WEEKS, MAX_WEEKS),
    }


def _economics_context(channel: Channel) -> dict[str, Any]:
    """Return the channel's economics, cohort charts and customer tiers as of the request."""
    as_of, as_of_error = requested_as_of()
    report = _report(channel, as_of)
    metric = request.args.get("metric", "revenue")
    metric = metric if metric in TRIANGLE_METRICS else "revenue"
    text = request.args.get("cohorts", "")
    whole = text.isascii() and text.isdigit() and len(text) <= 9
    limit = int(text) if whole and int(text) > 0 else DEFAULT_COHORTS
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
        "heatmap": heatmap(report.triangle, metric, limit),  # type: ignore[arg-type]
        "metrics": TRIANGLE_METRICS,
        "curves": curves,
        "roi_chart": roi_chart(curves),
        "payback": payback,
        "payback_chart": payback_chart(payback),
        "tiers": tier_summary(as_of).channels.get(channel.id or 0),
        "mix_labels": MIX_LABELS,
        "healthy_mix": HEALTHY_MIX,
    }
