"""PATCH /api/v1/leads/{external_id}: move a lead to another stage or grade, kept as history."""

from typing import Any

from app.api import bp
from app.api.inputs import json_object
from app.api.openapi import add_schema, error_response, json_response, object_schema, operation
from app.db import get_session
from app.errors import ApiError
from app.lead_stages import apply_change, find_lead, parse_change, stage_history_of
from app.results.audience import lead_score
from cohorts.models import Lead
from kernel.vocabulary import GRADES, STAGES

_CHANGES = add_schema(
    "LeadStageChangeInput",
    object_schema(
        {
            "stage": {"type": "string", "enum": list(STAGES)},
            "grade": {"type": ["string", "null"], "enum": [*GRADES, None]},
            "changed_at": {
                "type": "string",
                "description": "When the change happened (ISO 8601; without an offset, local "
                "time of the install). Default: now. Not before the lead's creation or its "
                "last recorded change, not in the future.",
            },
        },
        [],
    ),
)
_STAGE_ROW = object_schema(
    {
        "changed_at": {"type": ["string", "null"], "description": "null: since creation"},
        "stage": {"type": "string", "enum": list(STAGES)},
        "grade": {"type": ["string", "null"], "enum": [*GRADES, None]},
    }
)
_LEAD_STAGES = add_schema(
    "LeadStages",
    object_schema(
        {
            "external_id": {"type": "string"},
            "stage": {"type": "string", "enum": list(STAGES)},
            "grade": {"type": ["string", "null"], "enum": [*GRADES, None]},
            "history": {"type": "array", "items": _STAGE_ROW},
            "score": {"type": ["number", "null"], "minimum": 0, "maximum": 100,
                      "description": "The lead score (0–100) of the newest audience fit, "
                      "from the lead's attributes at creation; null until a fit scored it."},
            "scored_at": {"type": ["string", "null"],
                          "description": "When the fit that gave the score ran (ISO 8601)."},
        }
    ),
)


def _answer(lead: Lead) -> dict[str, Any]:
    """Return a lead's current stage and grade with their history as JSON."""
    history = stage_history_of(get_session(), lead)
    rows = [{"changed_at": None if row.changed_at is None else row.changed_at.isoformat(),
             "stage": row.stage, "grade": row.grade} for row in history]  # fmt: skip
    score = lead_score(get_session(), lead.id or 0)
    return {"external_id": lead.external_id, "stage": lead.stage, "grade": lead.grade,
            "history": rows or [{"changed_at": None, "stage": lead.stage, "grade": lead.grade}],
            "score": None if score is None else score[0],
            "scored_at": None if score is None else score[1].isoformat()}


def _lead(external_id: str) -> Lead:
    """Return the lead with `external_id`; raise ApiError(404)."""
    lead = find_lead(get_session(), external_id)
    if lead is None:
        raise ApiError(404, f"There is no lead with external id {external_id!r}.")
    return lead


@bp.get("/leads/<path:external_id>/stages")
@operation(
    summary="A lead's stage and grade with their dated history",
    tags=["leads"],
    responses={"200": json_response("The lead's stages.", _LEAD_STAGES),
               "404": error_response(404)},
)
def lead_stages(external_id: str) -> Any:
    """Return a lead's stage history."""
    return _answer(_lead(external_id))


@bp.patch("/leads/<path:external_id>")
@operation(
    summary="Move a lead to another stage or grade (kept as dated history)",
    description=(
        "Only the fields sent change. The change is recorded with its time (`changed_at`, "
        "default now), so the funnel as of an earlier date still shows the stage the lead "
        "had then. Sending the stage and grade the lead already has records nothing."
    ),
    tags=["leads"],
    requestBody={"required": True, "content": {"application/json": {"schema": _CHANGES}}},
    responses={
        "200": json_response("The lead's stages after the change.", _LEAD_STAGES),
        "400": error_response(400),
        "404": error_response(404),
        "415": error_response(415),
        "422": error_response(422),
    },
)
def patch_lead(external_id: str) -> Any:
    """Change a lead's stage and/or grade and record the change."""
    body, lead, session = json_object(), _lead(external_id), get_session()
    change, errors = parse_change(session, body, lead)
    if change is None:
        raise ApiError(422, "The stage change is invalid.", {"fields": errors})
    apply_change(session, lead, *change)
    session.commit()
    return _answer(lead)
