"""The weekly spend sheet: every channel's spend for recent weeks, entered in one go."""

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for

from app.db import get_session
from app.forms import parse_sheet, sheet_input
from app.settings import load_settings
from app.views.channel_page import today
from app.views.edits import store_once_more_on_race
from channels.edits import Conflict
from channels.inputs import CellEdit
from channels.sheet import Cell, Sheet, save_sheet, spend_sheet
from kernel.money import to_decimal
from kernel.weeks import week_of

bp = Blueprint("spend_sheet", __name__, url_prefix="/spend")

WEEKS_SHOWN, WEEKS_MAX = 6, 26


def _weeks() -> list[date]:
    """Return the weeks asked for (`weeks`, 1–26, default 6), ending in the running week."""
    text = (request.values.get("weeks") or "").strip()
    count = int(text) if text.isdigit() and len(text) < 4 else WEEKS_SHOWN
    count = min(max(count, 1), WEEKS_MAX)
    current = week_of(today(), load_settings().week_start)
    return [current - timedelta(weeks=i) for i in range(count - 1, -1, -1)]


def _cells(sheet: Sheet) -> dict[str, Cell]:
    """Return every input name of the sheet with its (channel id, week)."""
    return {sheet_input(c.id or 0, w): (c.id or 0, w) for c in sheet.channels for w in sheet.weeks}


def _text(minor: int | None) -> str:
    return "" if minor is None else str(to_decimal(minor))


def _render(sheet: Sheet, status: int = 200, *, typed: dict[str, str] | None = None,
            read: dict[str, int | None] | None = None, errors: dict[str, str] | None = None,
            conflicts: dict[str, Conflict] | None = None, saved: int | None = None) -> Any:
    """Render the sheet: typed text over stored amounts after a refused save."""
    cells = _cells(sheet)
    stored = {name: sheet.amounts.get(cell) for name, cell in cells.items()}
    shown = {name: _text(minor) for name, minor in stored.items()} | (typed or {})
    return render_template(
        "spend_sheet/index.html", sheet=sheet, shown=shown, read=stored | (read or {}),
        errors=errors or {}, conflicts=conflicts or {}, saved=saved, input_name=sheet_input,
        weeks_count=len(sheet.weeks), labels=_labels(sheet),
    ), status


def _labels(sheet: Sheet) -> dict[str, str]:
    """Return each input's channel and week, as its label and its errors name them."""
    names = {c.id or 0: c.name for c in sheet.channels}
    return {name: f"{names[cid]}, week of {week.isoformat()}"
            for name, (cid, week) in _cells(sheet).items()}


@bp.get("/")
def index() -> Any:
    """Show the sheet of recent weeks × channels with totals per week and per channel."""
    return _render(spend_sheet(session=get_session(), weeks=_weeks()), saved=_saved_count())


@bp.post("/")
def save() -> Any:
    """Store every changed amount, or none: any error (422) or conflict (409) stores nothing."""
    db = get_session()
    sheet = spend_sheet(session=db, weeks=_weeks())
    cells = _cells(sheet)
    typed = {name: request.form.get(name, "") for name in cells if name in request.form}
    edits, errors = parse_sheet(request.form, cells)
    if errors:
        return _render(sheet, 422, typed=typed, errors=errors)
    conflicts = store_once_more_on_race(db, lambda: _store(edits))
    if conflicts:
        by_name = {sheet_input(*cell): conflict for cell, conflict in conflicts.items()}
        sheet = spend_sheet(session=db, weeks=sheet.weeks)
        # the editor has now seen the newer amounts: saving again replaces them deliberately
        read = {name: sheet.amounts.get(cells[name]) for name in by_name}
        return _render(sheet, 409, typed=typed, read=read, conflicts=by_name)
    return redirect(url_for(".index", weeks=len(sheet.weeks), saved=len(edits)), 303)


def _store(edits: list[CellEdit]) -> dict[Cell, Conflict]:
    """Write the edits and commit; roll everything back when a cell conflicts."""
    db = get_session()
    conflicts = save_sheet(session=db, edits=edits, user_id=g.user.id)
    if conflicts:
        db.rollback()
    else:
        db.commit()
    return conflicts


def _saved_count() -> int | None:
    """Return how many cells the last save stored (from the redirect), if any."""
    text = request.args.get("saved", "")
    return int(text) if text.isdigit() and len(text) < 6 else None

