"""Channel list, channel page, create/edit form and the weekly spend grid."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app import htmx
from app.charts.cohorts import (
    TRIANGLE_METRICS,
    heatmap,
    payback_chart,
    payback_counts,
    roi_chart,
    roi_curves,
)
from app.db import get_session
from app.forms import parse_channel, parse_spend
from app.results.metrics import cycles, parse_as_of, reports
from app.settings import load_settings
from app.views import render_page_or_partial
from app.views.cohorts import MIX_LABELS, tier_summary
from app.views.dashboard import requested_as_of
from channels import queries
from channels.inputs import ChannelInput
from channels.models import Channel, WeeklySpend
from cohorts.economics import ChannelEconomics
from cohorts.queries import AsOf
from cohorts.report import ChannelReport
from cohorts.tiers import HEALTHY_MIX
from kernel.vocabulary import RINGS, STATUSES
from kernel.weeks import week_of

bp = Blueprint("channels", __name__, url_prefix="/channels")

DEFAULT_WEEKS = 26
DEFAULT_COHORTS = 26
MAX_WEEKS = 520
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@bp.get("/")
def index() -> Any:
    """List channels, optionally filtered by ring and status."""
    ring = request.args.get("ring", "") if request.args.get("ring") in RINGS else ""
    status = request.args.get("status", "") if request.args.get("status") in STATUSES else ""
    channels = queries.list_channels(session=get_session(), ring=ring, status=status)
    return render_page_or_partial(
        "channels/index.html", "channels/_table.html", channels=channels, ring=ring, status=status
    )


@bp.get("/<int:channel_id>")
def show(channel_id: int) -> Any:
    """Show a channel: economics as of a date, cohorts, history and the weekly spend grid."""
    channel = _get_channel(channel_id)
    return render_page_or_partial(
        "channels/show.html", "channels/_economics.html", **_page_context(channel)
    )


@bp.get("/<int:channel_id>/triangle")
def triangle(channel_id: int) -> Any:
    """Show the cohort triangle heatmap of one metric (revenue, customers or ROI)."""
    channel = _get_channel(channel_id)
    return render_page_or_partial(
        "channels/show.html", "channels/_triangle.html", **_page_context(channel)
    )


@bp.get("/<int:channel_id>/spend")
def spend(channel_id: int) -> Any:
    """Show the weekly spend grid (`weeks` = how many recent weeks, default 26)."""
    context = _page_context(_get_channel(channel_id))
    return render_page_or_partial("channels/show.html", "channels/_spend_grid.html", **context)


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    """Show the new-channel form; create the channel from valid input."""
    if request.method == "GET":
        return _render_form(None, {"ring": "outer", "status": "idea"}, {})
    return _save_channel(None)


@bp.route("/<int:channel_id>/edit", methods=["GET", "POST"])
def edit(channel_id: int) -> Any:
    """Show the edit form of a channel; save valid changes."""
    channel = _get_channel(channel_id)
    if request.method == "GET":
        return _render_form(channel, _form_values(channel), {})
    return _save_channel(channel)


@bp.route("/<int:channel_id>/spend/<week_text>", methods=["POST", "PUT"])
def save_spend(channel_id: int, week_text: str) -> Any:
    """Upsert one week of spend (a blank amount deletes the week); errors store nothing."""
    channel = _get_channel(channel_id)
    week = _parse_week(week_text)
    db = get_session()
    row = queries.spend_row(session=db, channel_id=channel_id, week=week)
    data, errors = parse_spend(request.form, row_exists=row is not None)
    if data is not None:
        queries.save_spend(session=db, channel_id=channel_id, week=week, data=data)
        db.commit()
    status = 422 if errors else 200
    if not htmx:
        if not errors:
            return redirect(url_for(".show", channel_id=channel_id, _anchor="spend"))
        context = _page_context(channel, failed={week: (request.form, errors)})
        return render_template("channels/show.html", **context), status
    stored = queries.spend_row(session=db, channel_id=channel_id, week=week)
    return render_template(
        "channels/_spend_saved.html",
        channel=channel,
        row=queries.SpendRow(week) if stored is None else _spend_row(stored),
        submitted=request.form if errors else None,
        errors=errors,
        numbers=_numbers(channel),
        grid_total=queries.spend_total(session=db, channel_id=channel_id),
    ), status


def _get_channel(channel_id: int) -> Channel:
    channel = get_session().get(Channel, channel_id)
    if channel is None:
        abort(404, description=f"There is no channel #{channel_id}.")
    return channel


def _today() -> date:
    return parse_as_of(None).day


def _report(channel: Channel, as_of: AsOf) -> ChannelReport:
    """Return the channel's cached report as of `as_of`."""
    return next(r for r in reports(as_of) if r.channel.id == channel.id)


def _numbers(channel: Channel) -> ChannelEconomics:
    return _report(channel, parse_as_of(None)).economics


def _requested_weeks() -> int:
    text = request.args.get("weeks", "")
    if not (text.isascii() and text.isdigit()):
        return DEFAULT_WEEKS
    return MAX_WEEKS if len(text) > 9 else min(max(int(text), 1), MAX_WEEKS)


def _page_context(
    channel: Channel, failed: Mapping[date, tuple[Mapping[str, str], dict[str, str]]] | None = None
) -> dict[str, Any]:
    """Return what the channel page and its spend grid render from."""
    db = get_session()
    current_week = week_of(_today(), load_settings().week_start)
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
    return {
        "report": report,
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


def _spend_row(stored: WeeklySpend) -> queries.SpendRow:
    return queries.SpendRow(stored.week, stored.amount_minor, stored.impressions, stored.clicks)


def _parse_week(text: str) -> date:
    """Return the week named in the URL; 404 when not a date, 400 when not a week start."""
    try:
        week = date.fromisoformat(text)
    except ValueError:
        abort(404, description=f"{text!r} is not a date.")
    week_start = load_settings().week_start
    if week_of(week, week_start) != week:
        abort(
            400, description=f"{week} is not a week start (weeks start on {WEEKDAYS[week_start]})."
        )
    return week


def _form_values(channel: Channel) -> dict[str, str]:
    """Return a channel's fields as the text a form shows."""
    names = ChannelInput.__dataclass_fields__
    return {
        name: "" if getattr(channel, name) is None else str(getattr(channel, name))
        for name in names
    }


def _render_form(
    channel: Channel | None, values: Mapping[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    return render_page_or_partial(
        "channels/form.html",
        "channels/_form.html",
        http_status=status,
        channel=channel,
        values=values,
        errors=errors,
    )


def _redirect(url: str) -> Response:
    """Send the browser to `url`: HX-Redirect for htmx, 302 otherwise."""
    if htmx:
        response = Response(status=204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def _save_channel(channel: Channel | None) -> Response:
    """Validate the posted channel form and create or update; re-render with 422 on errors."""
    db = get_session()
    data, errors = parse_channel(request.form)
    exclude_id = channel.id if channel else None
    if data is not None and queries.name_taken(session=db, name=data.name, exclude_id=exclude_id):
        errors = {"name": f"A channel named “{data.name}” already exists (names ignore case)."}
    if data is None or errors:
        return _render_form(channel, request.form, errors, 422)
    try:
        if channel is None:
            saved = queries.create_channel(session=db, data=data, user_id=g.user.id)
        else:
            saved = queries.update_channel(
                session=db, channel=channel, data=data, user_id=g.user.id
            )
        db.commit()
    except IntegrityError:
        db.rollback()
        errors = {"name": f"A channel named “{data.name}” was just created by someone else."}
        return _render_form(channel, request.form, errors, 422)
    flash(f"Saved “{saved.name}”.", "ok")
    return _redirect(url_for(".show", channel_id=saved.id))
