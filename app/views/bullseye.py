"""The Bullseye page: channels drawn in their rings, the brainstorm form, what to test next."""

from dataclasses import dataclass, replace
from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app import htmx
from app.charts.bullseye import HEIGHT, WIDTH, Dot, place_ring, place_untried
from app.db import get_session
from app.forms import parse_channel
from app.results.channel_tests import pending_iterations
from app.results.health import ChannelHealthReport, health_state
from app.results.metrics import parse_as_of, reports
from app.views import render_page_or_partial
from channels import queries
from channels.models import Channel
from channels.next_tests import (
    ChannelSituation,
    ice_score,
    idea_order,
    next_tests,
    untried_kinds,
)
from kernel.money import MINOR_PER_UNIT
from kernel.vocabulary import CHANNEL_KINDS, RINGS

bp = Blueprint("bullseye", __name__, url_prefix="/bullseye")

HEALTH_LABELS = {"healthy": "Healthy", "watch": "Watch", "burned_out": "Burned out",
                 "not_enough_data": "Not enough data", "computing": "Being computed"}
SORTS = {"ice": "ICE score", "difficulty": "difficulty (launch days)"}


@dataclass(frozen=True)
class BullseyeRow:
    """One channel as the page shows it: drawn dot, table row and the ranking's input."""

    channel: Channel
    health: str  # a HEALTH_LABELS key
    customers_12w: int
    cac_minor: int | None
    ice: int | None
    situation: ChannelSituation
    dot: Dot | None = None

    @property
    def cac_label(self) -> str:
        """Return the CAC in whole currency units for the drawing ("—" when undefined)."""
        return "—" if self.cac_minor is None else f"{round(self.cac_minor / MINOR_PER_UNIT):,}"


def _situation(channel: Channel, report: ChannelHealthReport | None) -> ChannelSituation:
    """Return what the ranking reads of `channel`; no report: its fit is not stored yet."""
    return ChannelSituation(
        name=channel.name, kind=channel.kind, ring=channel.ring, status=channel.status,
        health=report.health.status if report else None,
        health_reason=report.health.reason if report else "",
        capacity=report.health.capacity if report else None,
        impact=channel.ice_impact, confidence=channel.ice_confidence, ease=channel.ice_ease,
        launch_days=channel.launch_days,
    )


def bullseye_rows() -> list[BullseyeRow]:
    """Return every channel with its health (stored fits only), 12-week customers and CAC."""
    as_of = parse_as_of(None)
    economics = {r.channel.id: r for r in reports(as_of)}
    state = health_state(as_of)
    fits = {r.channel_id: r for r in state.reports}
    rows = []
    for channel in queries.list_channels(session=get_session()):
        situation = _situation(channel, fits.get(channel.id or 0))
        report = economics.get(channel.id)
        cac = report.economics.cac_minor if report else None
        health = situation.health or ("computing" if channel.id in state.pending
                                      else "not_enough_data")
        rows.append(BullseyeRow(
            channel=channel, health=health,
            customers_12w=int(report.weekly_customers.sum()) if report else 0,
            cac_minor=None if cac is None else round(cac),
            ice=ice_score(channel.ice_impact, channel.ice_confidence, channel.ice_ease),
            situation=situation,
        ))
    return _placed(rows)


def _placed(rows: list[BullseyeRow]) -> list[BullseyeRow]:
    """Return the rows with their dots, each ring's channels in name order around it."""
    most = max((row.customers_12w for row in rows), default=0)
    dots: dict[int, Dot] = {}
    for ring in RINGS:
        in_ring = sorted((r for r in rows if r.channel.ring == ring),
                         key=lambda r: (r.channel.name.casefold(), r.channel.id or 0))
        placed = place_ring(ring, [r.channel.id or 0 for r in in_ring],
                            [r.customers_12w for r in in_ring], most)
        dots.update({int(dot.key): dot for dot in placed})
    return [replace(r, dot=dots.get(r.channel.id or 0)) for r in rows]


def _outer_order(sort: str) -> Any:
    """Return the outer ring's sort key: ICE first or launch days first."""
    if sort == "difficulty":
        return lambda row: (row.channel.launch_days is None, row.channel.launch_days or 0,
                            *idea_order(row.situation))
    return lambda row: idea_order(row.situation)


def _context(values: dict[str, str], errors: dict[str, str], notice: str = "") -> dict[str, Any]:
    sort = request.args.get("sort", "ice")
    sort = sort if sort in SORTS else "ice"
    rows = bullseye_rows()
    situations = [row.situation for row in rows]
    untried = untried_kinds(situations)
    by_ring = {ring: [row for row in rows if row.channel.ring == ring] for ring in RINGS}
    by_ring["outer"].sort(key=_outer_order(sort))
    return dict(
        rows=rows, by_ring=by_ring, untried=untried,
        untried_labels=place_untried([CHANNEL_KINDS[k] for k in untried]),
        suggestions=next_tests(situations, pending_iterations()), labels=HEALTH_LABELS,
        sort=sort, sorts=SORTS,
        width=WIDTH, height=HEIGHT, values=values, errors=errors, notice=notice,
    )


@bp.get("/")
def index() -> Any:
    """Show the drawn bullseye, the channels' numbers, what to test next and the idea form."""
    return render_page_or_partial("bullseye/index.html", "bullseye/_content.html",
                                  **_context({}, {}))


@bp.post("/ideas")
def add_idea() -> Response:
    """Add a channel idea to the outer ring (status idea); 422 with field errors stores nothing."""
    form = {**request.form.to_dict(), "ring": "outer", "status": "idea"}
    data, errors = parse_channel(form)
    db = get_session()
    if data is not None and queries.name_taken(session=db, name=data.name):
        errors = {"name": f"A channel named “{data.name}” already exists (names ignore case)."}
    if data is not None and not errors:
        try:
            queries.create_channel(session=db, data=data, user_id=g.user.id)
            db.commit()
        except IntegrityError:
            db.rollback()
            errors = {"name": f"A channel named “{data.name}” was just created by someone else."}
    if errors:
        return render_page_or_partial("bullseye/index.html", "bullseye/_content.html",
                                      http_status=422, **_context(form, errors))
    notice = f"Added the idea “{data.name}” to the outer ring." if data else ""
    if htmx:  # the partial carries the notice: a flash would wait for the next full page
        return render_page_or_partial("bullseye/index.html", "bullseye/_content.html",
                                      **_context({}, {}, notice))
    flash(notice, "ok")
    return redirect(url_for(".index"))
