"""Channel health partials: the alerts panel and one channel's trends and capacity charts."""

from typing import Any

from flask import Blueprint, render_template, request
from markupsafe import Markup

from app.charts.health import Chart, cac_chart, capacity_chart, signal_chart
from app.results.cache import metrics_cache
from app.results.health import ChannelHealthReport, health_state, recent_changes
from app.results.metrics import AsOfError, parse_as_of
from app.settings import load_settings
from channels.health import Capacity
from channels.health_text import capacity_disagreement, capacity_sentence
from cohorts.queries import AsOf
from kernel.money import MINOR_PER_UNIT, format_money
from kernel.numbers import format_p

bp = Blueprint("health", __name__, url_prefix="/health")

STATUS_LABELS = {"healthy": "Healthy", "watch": "Watch", "burned_out": "Burned out",
                 "not_enough_data": "Not enough data"}


def _as_of() -> AsOf:
    try:
        return parse_as_of(request.args.get("as_of"))
    except AsOfError:
        return parse_as_of(None)


@bp.get("/alerts")
def alerts() -> Any:
    """Render the channels whose health status changed, newest first, with reasons."""
    as_of = _as_of()
    state = health_state(as_of)
    return render_template("health/_alerts.html", changes=recent_changes(state), as_of=as_of,
                           labels=STATUS_LABELS, state=state)


def _money(minor: float | None) -> str:
    return format_money(None if minor is None else round(minor), load_settings().currency)


def _charts(report: ChannelHealthReport) -> list[tuple[Chart, str]]:
    """Return each chart with the sentence of key numbers that describes it."""
    h = report.health
    charts = [(signal_chart(h.conversion), h.conversion.reason)]
    if h.ctr is not None:
        charts.append((signal_chart(h.ctr), h.ctr.reason))
    cac = (f"CAC changes by {_money(h.cac_trend.slope)} per week (Theil–Sen), "
           f"Mann–Kendall {format_p(h.cac_trend.p_value)}" if h.cac_trend else "no CAC trend yet")
    charts.append((cac_chart(h, MINOR_PER_UNIT, load_settings().currency), cac))
    cap = h.capacity
    if cap is not None:
        observed = (f"{cap.observed_per_month:.1f} customers per month observed"
                    if cap.observed_per_month is not None else "none observed")
        model = _capacity_sentence(cap)
        text = (f"{model[:1].upper()}{model[1:]}; {observed}; "
                f"marginal CAC {_money(cap.marginal_cac_minor)}")
        charts.append((capacity_chart(report.series, cap, MINOR_PER_UNIT, load_settings().currency),
                       text))
    return charts


def _charts_html(report: ChannelHealthReport) -> Markup:
    """Return the rendered charts of a stored fit, drawn once per fit (and currency)."""
    key = ("health_charts_html", report.channel_id, load_settings().currency)
    return metrics_cache().derived(key, report, lambda: Markup(render_template(
        "health/_charts.html", charts=_charts(report))))


def _capacity_sentence(cap: Capacity) -> str:
    """Return the capacity model's sentence with money in the install's currency."""
    return capacity_sentence(cap.model, cap.modelled_per_month, cap.modelled_interval_per_month,
                             cap.saturation_p_value, _money(cap.no_limit_up_to_weekly_spend_minor),
                             _money(cap.linear_cac_minor))


def _capacity_advice(cap: Capacity) -> str | None:
    """Return which capacity figure to believe when the fit and the best 4 weeks disagree."""
    if cap.model != "saturating":
        return None
    return capacity_disagreement(cap.observed_per_month, cap.modelled_per_month,
                                 cap.modelled_interval_per_month)


@bp.get("/channels/<int:channel_id>")
def channel(channel_id: int) -> Any:
    """Render one channel's health: status, trend and capacity numbers and SVG charts."""
    as_of = _as_of()
    state = health_state(as_of)
    if channel_id in state.pending:  # no result yet: the worker is computing it
        return render_template("health/_computing.html", channel_id=channel_id, as_of=as_of)
    report = next((r for r in state.reports if r.channel_id == channel_id), None)
    if report is None:  # a 200, not a 404: the page loads this partial for every channel
        return render_template("health/_no_data.html", as_of=as_of)
    capacity = report.health.capacity
    return render_template("health/_channel.html", report=report,
                           charts_html=_charts_html(report),
                           as_of=as_of, labels=STATUS_LABELS, minor=MINOR_PER_UNIT,
                           currency=load_settings().currency,
                           capacity_text=_capacity_sentence(capacity) if capacity else None,
                           capacity_advice=_capacity_advice(capacity) if capacity else None,
                           computed_at=state.notice(channel_id))
