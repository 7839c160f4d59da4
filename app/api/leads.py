"""PATCH /api/v1/leads/{external_id}: move a lead to another stage or grade, kept as history."""

from datetime import datetime
from typing import Any

from sqlmodel import col, select

from app.api import bp
from app.api.inputs import json_object
from app.api.openapi import add_schema, error_response, json_response, object_schema, operation
from app.db import get_session
from app.errors import ApiError
from app.settings import accepted_dates, load_settings
from cohorts import aggregates, stage_history
from cohorts.models import Lead, LeadStageChange
from ingest.values import CellError, parse_moment
from kernel.vocabulary import GRADES, STAGES
from kernel.weeks import safe_local_date, utcnow

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
        }
    ),
)


def _changes(body: dict[str, Any], lead: Lead, last: datetime) -> tuple[str, str | None, datetime]:
    """Return the new stage, grade and time of the change; raise ApiError(422) naming fields."""
    errors: dict[str, str] = {}
    for name in body.keys() - {"stage", "grade", "changed_at"}:
        errors[name] = "is not a field of a stage change (stage, grade, changed_at)"
    stage, grade = body.get("stage", lead.stage), body.get("grade", lead.grade)
    if stage not in STAGES:
        errors["stage"] = f"must be one of {', '.join(STAGES)}"
    if grade is not None and grade not in GRADES:
        errors["grade"] = f"must be null or one of {', '.join(GRADES)}"
    at, now = utcnow(), utcnow()
    if "changed_at" in body:
        at = _moment(body["changed_at"], errors)
        if "changed_at" not in errors and not last <= at <= now:
            errors["changed_at"] = (
                f"must lie between the lead's last change or creation ({last.isoformat()}) "
                "and now"
            )
    if errors:
        raise ApiError(422, "The stage change is invalid.", {"fields": errors})
    return str(stage), grade, at


def _moment(value: Any, errors: dict[str, str]) -> datetime:
    """Return `value` as an aware UTC time within the date window, or record the error."""
    if not isinstance(value, str):
        errors["changed_at"] = "must be an ISO 8601 date-time string"
        return utcnow()
    timezone = load_settings().timezone
    try:
        moment = parse_moment(value, timezone)
    except CellError as error:
        errors["changed_at"] = f"{value!r} {error}"
        return utcnow()
    window = accepted_dates(timezone)
    if safe_local_date(moment, timezone) not in window:
        errors["changed_at"] = f"{value!r} {window.refusal()}"
    return moment


def _history(lead: Lead) -> list[LeadStageChange]:
    """Return a lead's stage history, oldest first."""
    query = select(LeadStageChange).where(LeadStageChange.lead_id == lead.id)
    return list(get_session().exec(query.order_by(col(LeadStageChange.id))).all())


def _answer(lead: Lead) -> dict[str, Any]:
    """Return a lead's current stage and grade with their history as JSON."""
    rows = [{"changed_at": None if row.changed_at is None else row.changed_at.isoformat(),
             "stage": row.stage, "grade": row.grade} for row in _history(lead)]  # fmt: skip
    return {"external_id": lead.external_id, "stage": lead.stage, "grade": lead.grade,
            "history": rows or [{"changed_at": None, "stage": lead.stage, "grade": lead.grade}]}


def _lead(external_id: str) -> Lead:
    """Return the lead with `external_id`; raise ApiError(404)."""
    lead = get_session().exec(select(Lead).where(Lead.external_id == external_id)).first()
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
    body, lead = json_object(), _lead(external_id)
    dated = [row.changed_at for row in _history(lead) if row.changed_at is not None]
    stage, grade, at = _changes(body, lead, max([lead.created_at, *dated]))
    session = get_session()
    conn, where = session.connection(), "l.id = :lead_id"
    stage_history.remember_creation(conn, where, {"lead_id": lead.id})
    lead.stage, lead.grade = stage, grade
    session.add(lead)
    session.flush()
    if stage_history.record_changes(conn, where, {"lead_id": lead.id}, at):
        aggregates.bump_version(conn, [lead.channel_id])
    session.commit()
    return _answer(lead)
