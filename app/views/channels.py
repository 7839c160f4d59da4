"""Channel list, channel page, create/edit form and the weekly spend grid."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app import htmx
from app.db import get_session
from app.forms import CHANNEL_LABELS, parse_channel, parse_spend
from app.settings import accepted_dates, load_settings
from app.views import render_page_or_partial
from app.views.channel_page import (
    channel_numbers,
    grid_context,
    page_context,
    requested_triangle,
)
from app.views.edits import form_state, spend_state, store_once_more_on_race
from channels import queries
from channels.edits import Conflict, ReadAt, Value, parse_read_at
from channels.inputs import ChannelInput, SpendInput
from channels.models import Channel, WeeklySpend
from channels.queries import SpendSaved
from kernel.vocabulary import RINGS, STATUSES
from kernel.weeks import week_of

bp = Blueprint("channels", __name__, url_prefix="/channels")

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
        "channels/show.html", "channels/_economics.html", **page_context(channel)
    )


@bp.get("/<int:channel_id>/triangle")
def triangle(channel_id: int) -> Any:
    """Show the cohort triangle heatmap of one metric (revenue, customers or ROI)."""
    channel = _get_channel(channel_id)
    if htmx:
        response = make_response(requested_triangle(channel))
        response.vary.add("HX-Request")
        return response
    return render_page_or_partial(
        "channels/show.html", "channels/_triangle.html", **page_context(channel)
    )


@bp.get("/<int:channel_id>/spend")
def spend(channel_id: int) -> Any:
    """Show the weekly spend grid (`weeks`: how many recent weeks, default 12; `all`: every
    recorded week too). An htmx request gets the grid alone, without the page's economics."""
    channel = _get_channel(channel_id)
    context = grid_context(channel) if htmx else page_context(channel)
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


@bp.get("/<int:channel_id>/spend/<week_text>")
def spend_week(channel_id: int, week_text: str) -> Any:
    """Show one week's row as stored now (how an editor keeps someone else's newer value)."""
    channel = _get_channel(channel_id)
    week = _parse_week(week_text)
    if not htmx:
        return redirect(url_for(".show", channel_id=channel_id, _anchor="spend"))
    stored = queries.spend_row(session=get_session(), channel_id=channel_id, week=week)
    row = queries.SpendRow(week) if stored is None else _spend_row(stored)
    return render_template("channels/_spend_row.html", channel=channel, row=row, state=None)


@bp.route("/<int:channel_id>/spend/<week_text>", methods=["POST", "PUT"])
def save_spend(channel_id: int, week_text: str) -> Any:
    """Store the cells of one week the editor changed (a blank amount deletes the week).

    Errors store nothing (422); so does a save over someone else's newer change (409).
    """
    channel = _get_channel(channel_id)
    week = _parse_week(week_text)
    _refuse_outside_window(week)
    db = get_session()
    read = parse_read_at(request.form, queries.SPEND_FIELDS)
    row = queries.spend_row(session=db, channel_id=channel_id, week=week)
    data, errors = parse_spend(request.form, row_exists=row is not None)
    saved = queries.SpendSaved()
    if data is not None:
        saved = store_once_more_on_race(db, lambda: _store_spend(channel_id, week, data, read))
        errors = saved.errors or {}
    status = 409 if saved.conflict else 422 if errors else 200
    state = None
    if status != 200:
        state = spend_state(request.form, read, data, errors, saved.conflict)
    if not htmx:
        if status == 200:
            return redirect(url_for(".show", channel_id=channel_id, _anchor="spend"))
        return render_template("channels/show.html", **page_context(channel, {week: state})), status
    stored = queries.spend_row(session=db, channel_id=channel_id, week=week)
    return render_template(
        "channels/_spend_saved.html",
        channel=channel,
        row=queries.SpendRow(week) if stored is None else _spend_row(stored),
        state=state,
        numbers=channel_numbers(channel),
        grid_total=queries.spend_total(session=db, channel_id=channel_id),
    ), status


def _store_spend(channel_id: int, week: date, data: SpendInput, read: ReadAt) -> SpendSaved:
    """Save one week's changed cells and commit, unless the save was refused."""
    db = get_session()
    saved = queries.save_spend(
        session=db, channel_id=channel_id, week=week, data=data, read=read, user_id=g.user.id
    )
    if saved.conflict or saved.errors:
        db.rollback()
    else:
        db.commit()
    return saved


def _get_channel(channel_id: int) -> Channel:
    channel = get_session().get(Channel, channel_id)
    if channel is None:
        abort(404, description=f"There is no channel #{channel_id}.")
    return channel


def _spend_row(stored: WeeklySpend) -> queries.SpendRow:
    return queries.SpendRow(
        stored.week, stored.amount_minor, stored.impressions, stored.clicks, stored.version
    )


def _parse_week(text: str) -> date:
    """Return the week named in the URL; 404 when not a date, 400 when not a week start."""
    try:
        week = date.fromisoformat(text)
    except ValueError:
        abort(404, description=f"{text!r} is not a date.")
    week_start = load_settings().week_start
    try:
        starts_a_week = week_of(week, week_start) == week
    except OverflowError:  # 0001-01-01 when weeks start on another day than Monday
        abort(422, description=f"The week of {week} {accepted_dates().refusal()}.")
    if not starts_a_week:
        abort(
            400, description=f"{week} is not a week start (weeks start on {WEEKDAYS[week_start]})."
        )
    return week


def _refuse_outside_window(week: date) -> None:
    """Answer 422 when no day of `week` lies in the date window, unless the form clears it."""
    window = accepted_dates()
    clears = not any(request.form.get(name, "").strip() for name in ("amount", "impressions",
                                                                      "clicks"))  # fmt: skip
    if (week > window.latest or week < window.first_week) and not clears:
        abort(422, description=f"The week of {week} {window.refusal()}; "
                               "a week outside them can only be cleared.")  # fmt: skip


def _form_values(channel: Channel) -> dict[str, str]:
    """Return a channel's fields as the text a form shows."""
    return {name: _text(value) for name, value in queries.channel_values(channel).items()}


def _text(value: Value) -> str:
    return "" if value is None else str(value)


def _render_form(
    channel: Channel | None,
    values: Mapping[str, str],
    errors: dict[str, str],
    status: int = 200,
    state: dict[str, Any] | None = None,
) -> Response:
    """Render the channel form; an edit form carries the read state (`version`, `read`)."""
    if state is None and channel is not None:
        read = ReadAt(channel.version, queries.channel_values(channel))
        state = form_state(read=read, shown=values, submitted={}, errors=errors)
    return render_page_or_partial(
        "channels/form.html",
        "channels/_form.html",
        http_status=status,
        channel=channel,
        values=values,
        errors=errors,
        state=state,
    )


def _redirect(url: str) -> Response:
    """Send the browser to `url`: HX-Redirect for htmx, 302 otherwise."""
    if htmx:
        response = Response(status=204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def _save_channel(channel: Channel | None) -> Response:
    """Validate the posted channel form and create or update; re-render with 422 on errors.

    An edit stores only the fields the editor changed, and nothing (409, the form shows the
    newer values) when someone else changed the channel since the form was read.
    """
    db = get_session()
    read = parse_read_at(request.form, queries.CHANNEL_FIELDS)
    data, errors = parse_channel(request.form)
    exclude_id = channel.id if channel else None
    name = " ".join((request.form.get("name") or "").split())
    if "name" not in errors and queries.name_taken(session=db, name=name, exclude_id=exclude_id):
        errors = {**errors, "name": f"A channel named “{name}” already exists (names ignore case)."}
    if data is None or errors:
        state = form_state(read=read, shown=request.form, submitted={}, errors=errors)
        return _render_form(channel, request.form, errors, 422, state if channel else None)
    try:
        if channel is None:
            saved = queries.create_channel(session=db, data=data, user_id=g.user.id)
            db.commit()
        else:
            conflict = store_once_more_on_race(db, lambda: _store_channel(channel, data, read))
            if conflict is not None:
                return _render_conflict(channel, data, read, conflict)
            saved = channel
    except IntegrityError:
        db.rollback()
        errors = {"name": f"A channel named “{data.name}” was just created by someone else."}
        return _render_form(channel, request.form, errors, 422)
    flash(f"Saved “{saved.name}”.", "ok")
    return _redirect(url_for(".show", channel_id=saved.id))


def _store_channel(channel: Channel, data: ChannelInput, read: ReadAt) -> Conflict | None:
    """Save the channel fields the editor changed and commit, unless there is a conflict."""
    db = get_session()
    db.refresh(channel)  # the newest stored values (again after a lost race)
    conflict = queries.update_channel(
        session=db, channel=channel, data=data, user_id=g.user.id, read=read
    )
    if conflict is None:
        db.commit()
    return conflict


def _render_conflict(
    channel: Channel, data: ChannelInput, read: ReadAt, conflict: Conflict
) -> Response:
    """Re-render the form with 409: the editor's changes over the newer values, and a choice."""
    stored_text = {name: _text(value) for name, value in conflict.stored.items()}
    state = form_state(read=read, shown=request.form, submitted=vars(data), errors={},
                       conflict=conflict, stored_text=stored_text)  # fmt: skip
    state["labels"] = CHANNEL_LABELS
    state["stored_text"] = stored_text
    return _render_form(channel, state["submitted"], {}, 409, state)
