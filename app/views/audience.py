"""Who is worth acquiring (issue 18): quality quartiles, the segment tree, lead scores, lift.

The page reads the audience fit the worker stored (app.results.audience) and never fits: a
missing or outdated fit wakes the worker, and the page shows the last fit with its date and
a progress bar that htmx polls while a new one runs.
"""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, request

from app.charts.audience import find_node, lift_chart, tree_drawing
from app.db import get_session
from app.forms import parse_count
from app.results.audience import (
    MAX_DEPTH_DEFAULT,
    MIN_NODE_DEFAULT,
    AudienceState,
    TreeSettings,
    audience_state,
)
from app.settings import load_settings
from app.views import render_page_or_partial
from app.views.pickers import choices
from cohorts.models import Lead

bp = Blueprint("audience", __name__, url_prefix="/audience")
TARGETS = {"quality": "Account quality", "conversion": "Conversion"}
GROUPS = {"4": "Quartiles A–D", "10": "Deciles 1–10"}
MIN_NODE_RANGE, DEPTH_RANGE = (20, 100_000), (1, 5)


@dataclass(frozen=True)
class AudienceForm:
    """The page's choices, validated; `errors` names each field that was refused."""

    groups: str
    target: str
    tree: TreeSettings
    errors: dict[str, str]
    texts: dict[str, str]


def read_form(args: Any) -> AudienceForm:
    """Return the page's choices from the query string (defaults where a field is refused)."""
    errors: dict[str, str] = {}
    texts = {"min_node": args.get("min_node", str(MIN_NODE_DEFAULT)),
             "depth": args.get("depth", str(MAX_DEPTH_DEFAULT))}
    values = {"min_node": MIN_NODE_DEFAULT, "depth": MAX_DEPTH_DEFAULT}
    for name, (low, high) in (("min_node", MIN_NODE_RANGE), ("depth", DEPTH_RANGE)):
        try:
            values[name] = parse_count(texts[name], low=low, high=high)
        except ValueError as exc:
            label = "Minimum leads per node" if name == "min_node" else "Maximum depth"
            errors[name] = f"{label} {exc}."
    groups = args.get("groups", "4")
    target = args.get("target", "quality")
    return AudienceForm(groups if groups in GROUPS else "4",
                        target if target in TARGETS else "quality",
                        TreeSettings(values["min_node"], values["depth"]), errors, texts)


def _lead_names(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    lead = Lead.__table__.c  # type: ignore[attr-defined]
    rows = get_session().connection().execute(
        sa.select(lead.id, lead.external_id).where(lead.id.in_(ids)))
    return {int(i): str(e) for i, e in rows}


def _compare_spec(conditions: list[Any]) -> str | None:
    """Return the Compare group of a node whose every condition is "attribute = value"
    (Compare filters on equal values only; "≠", the grade at creation and a missing value
    cannot be expressed there)."""
    parts = []
    for attribute, value, equals in conditions:
        if not equals or not value or attribute == "grade":
            return None
        if any(ch in f"{attribute}{value}" for ch in "+=:"):
            return None
        parts.append(f"segment:{attribute}={value}")
    return "+".join(parts) or None


def _context(form: AudienceForm, state: AudienceState) -> dict[str, Any]:
    payload = state.payload or {}
    channel_names = dict(choices().channels)
    tree = (payload.get("trees") or {}).get(form.target)
    lift = payload.get("lift")
    call_first = payload.get("call_first") or []
    return {
        "form": form, "state": state, "fit": payload, "targets": TARGETS, "groups": GROUPS,
        "rankings": (payload.get("rankings") or {}).get(form.groups, []),
        "tree": tree_drawing(tree) if tree else None,
        "lift": lift_chart(lift, payload.get("perfect")) if lift else None,
        "schemes": lift or [], "call_first": call_first,
        "lead_names": _lead_names([c["lead_id"] for c in call_first]),
        "channel_names": channel_names, "compare_spec": _compare_spec,
        "channels": payload.get("channels") or {},
    }


@bp.get("/")
def index() -> Any:
    """Show the stored audience fit for the chosen tree settings and views."""
    form = read_form(request.args)
    state = audience_state(load_settings(), form.tree)
    return render_page_or_partial("audience/index.html", "audience/_fit.html",
                                  **_context(form, state))


@bp.get("/node/<node_path>")
def node(node_path: str) -> Any:
    """Show one node of the stored tree: its rule, its numbers and its leads' link targets."""
    form = read_form(request.args)
    state = audience_state(load_settings(), form.tree)
    tree = ((state.payload or {}).get("trees") or {}).get(form.target)
    found = find_node(tree, node_path) if tree else None
    if found is None:
        abort(404)
    sample = found.get("sample") or []
    return render_page_or_partial("audience/node.html", "audience/node.html", form=form,
                                  node=found, state=state, compare_spec=_compare_spec,
                                  path=node_path, names=_lead_names([s[0] for s in sample]))
