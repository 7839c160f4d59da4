"""GET/PUT /api/v1/goals: SMART monthly goals with their progress (see README "Goals")."""

from typing import Any

from flask import request
from sqlmodel import select

from app.api import bp
from app.api.metrics import AS_OF, _as_of
from app.api.openapi import add_schema, error_response, json_response, object_schema, operation
from app.api.write_batches import BATCH_ERRORS
from app.db import get_session
from app.errors import ApiError
from app.results.goals import goals_progress, save_goal
from app.settings import accepted_dates
from channels.models import Channel
from experiments.goals.progress import GoalProgress, ScopeProgress
from experiments.goals.targets import GOAL_KINDS, GoalInput, GoalKind, parse_goal, parse_month
from kernel.money import MINOR_PER_UNIT

GOALS_MAX = 1000
_NUMBER = {"type": ["number", "null"]}
_UNITS = {"count": "a count", "money": "in the install's currency",
          "ratio": "in percent (12.5 = 12.5 %)"}  # fmt: skip
_TARGETS = {kind.key: _NUMBER | {"description": f"{kind.label}, {_UNITS[kind.unit]}; at "
            f"{'least' if kind.direction == 'at_least' else 'most'}."} for kind in GOAL_KINDS}
GOAL_ITEM = object_schema(
    {"month": {"type": "string", "description": "YYYY-MM"},
     "channel_id": {"type": ["integer", "null"], "description": "null: all channels"},
     **_TARGETS},
    required=["month"],
)
_PROGRESS = object_schema({
    "kind": {"type": "string", "enum": [k.key for k in GOAL_KINDS]},
    "target": {"type": "number"},
    "actual": _NUMBER, "expected": _NUMBER, "low": _NUMBER, "high": _NUMBER,
    "status": {"type": "string",
               "enum": ["on_track", "at_risk", "off_track", "met", "missed", "no_data"]},
})  # fmt: skip
GOALS = add_schema("Goals", object_schema({
    "month": {"type": "string"},
    "as_of": {"type": "string", "format": "date"},
    "goals": {"type": "array", "items": object_schema({
        "month": {"type": "string"}, "channel_id": {"type": ["integer", "null"]},
        "targets": object_schema(_TARGETS), "progress": {"type": "array", "items": _PROGRESS},
    })},
}))  # fmt: skip
_SAVED = object_schema({name: {"type": "integer", "minimum": 0}
                        for name in ("created", "updated", "deleted")})  # fmt: skip


def _shown(kind: GoalKind, value: float | None) -> float | None:
    """Return a value in the API's unit for `kind` (currency units, percent, counts)."""
    if value is None:
        return None
    if kind.unit == "money":
        return round(value / MINOR_PER_UNIT, 2)
    return round(value * 100, 4) if kind.unit == "ratio" else value


def _target(kind: GoalKind, stored: int) -> float:
    return stored / MINOR_PER_UNIT if kind.unit == "money" else (
        stored / 100 if kind.unit == "ratio" else stored)  # fmt: skip


def _progress_json(p: GoalProgress) -> dict[str, Any]:
    return {"kind": p.kind.key, "target": _target(p.kind, p.target),
            **{name: _shown(p.kind, getattr(p, name))
               for name in ("actual", "expected", "low", "high")}, "status": p.status}


def _scope_json(scope: ScopeProgress) -> dict[str, Any]:
    targets = {p.kind.key: _target(p.kind, p.target) for p in scope.progress}
    return {"month": scope.month.isoformat()[:7], "channel_id": scope.channel_id,
            "targets": {k.key: targets.get(k.key) for k in GOAL_KINDS},
            "progress": [_progress_json(p) for p in scope.progress]}


@bp.get("/goals")
@operation(
    summary="A month's goals with progress, projection to month end and status",
    tags=["goals"],
    parameters=[AS_OF, {"name": "month", "in": "query", "required": False,
                        "schema": {"type": "string"},
                        "description": "YYYY-MM; default: the month of as_of."}],
    responses={"200": json_response("The month's goals.", GOALS), "400": error_response(400)},
)
def get_goals() -> Any:
    """Return the goals of a month, overall first, with progress as of a date."""
    as_of = _as_of()
    month = as_of.day.replace(day=1)
    if request.args.get("month"):
        try:
            month = parse_month(request.args["month"], accepted_dates())
        except ValueError as error:
            raise ApiError(400, f"month: {error}", {"parameter": "month"}) from None
    scopes = goals_progress(session=get_session(), as_of=as_of, month=month)
    return {"month": month.isoformat()[:7], "as_of": as_of.day.isoformat(),
            "goals": [_scope_json(s) for s in scopes]}


@bp.put("/goals")
@operation(
    summary="Set monthly goals (each item replaces its month and scope's targets)",
    description="Targets left out or null are cleared; an item with no target removes the "
    "goal. Every item is checked first: if any is invalid, the answer is 422 with every error "
    "and nothing is stored.",
    tags=["goals"],
    requestBody={"required": True, "content": {"application/json": {"schema": {
        "type": "array", "maxItems": GOALS_MAX, "items": GOAL_ITEM}}}},
    responses={"200": json_response("Stored.", _SAVED), "400": error_response(400),
               "415": error_response(415),
               "422": json_response("Some items are invalid; nothing was stored.",
                                    BATCH_ERRORS)},
)  # fmt: skip
def put_goals() -> Any:
    """Validate every goal, then store them all."""
    if not request.is_json:
        raise ApiError(415, "Send the body as JSON with 'Content-Type: application/json'.")
    items = request.get_json()
    if not isinstance(items, list) or len(items) > GOALS_MAX:
        raise ApiError(400, f"The request body must be a JSON array of at most {GOALS_MAX} goals.")
    session = get_session()
    channels = {int(c) for c in session.exec(select(Channel.id)).all() if c is not None}
    window, errors, goals = accepted_dates(), [], []
    seen: dict[tuple[Any, Any], int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append({"index": index, "field": "", "message": "must be an object"})
            continue
        data, problems = parse_goal(item, window, channels)
        errors += [{"index": index, "field": f, "message": m} for f, m in problems.items()]
        if data is not None:
            key = (data.month, data.channel_id)
            if key in seen:
                errors.append({"index": index, "field": "month", "message":
                               f"this month and channel already appear in item {seen[key]}"})
            seen.setdefault(key, index)
            goals.append(data)
    if errors:
        return {"errors": errors}, 422
    return _store(goals)


def _store(goals: list[GoalInput]) -> dict[str, int]:
    """Save every goal in one transaction; return how many were created, updated, deleted."""
    session = get_session()
    counts = {"created": 0, "updated": 0, "deleted": 0}
    for data in goals:
        outcome = save_goal(session, data)
        if outcome in counts:
            counts[outcome] += 1
    session.commit()
    return counts
