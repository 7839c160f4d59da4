"""GET /api/v1/audit: the audit log, for owners' tokens."""

from typing import Any

from flask import request

from app.accounts.audit_log import (
    ACTIONS,
    ENTITIES,
    PAGE_SIZE,
    AuditFilter,
    AuditFilterError,
    entry_json,
)
from app.accounts.audit_log import page as audit_page
from app.api import bp
from app.api.auth import current_api_user
from app.api.openapi import add_schema, error_response, json_response, object_schema, operation
from app.db import get_session
from app.errors import ApiError

_TEXT = {"type": "string"}
AUDIT_ENTRY = add_schema("AuditEntry", object_schema({
    "id": {"type": "integer"},
    "at": {"type": "string", "format": "date-time"},
    "user_id": {"type": ["integer", "null"], "description": "Null for the command line or a "
                "deleted user (see actor)."},
    "actor": {**_TEXT, "description": "The user's email at the time, or 'command line'."},
    "via": {"type": "string", "enum": ["web", "api", "cli"]},
    "action": {"type": "string", "enum": list(ACTIONS)},
    "entity": {"type": "string", "enum": list(ENTITIES)},
    "entity_id": {"type": ["string", "null"]},
    "summary": _TEXT,
    "changes": {"type": "object", "description": "changed: {field: [before, after]}; created: "
                "{after: {…}}; deleted: {before: {…}}; imported: {counts: {…}}. Secrets show "
                "as '(secret)'."},
}))


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


@bp.get("/audit")
@operation(
    summary="The audit log of data changes (owners only), newest first",
    tags=["audit"],
    parameters=[
        _query("entity", "Only this kind of record.", {"type": "string", "enum": list(ENTITIES)}),
        _query("action", "Only this kind of change.", {"type": "string", "enum": list(ACTIONS)}),
        _query("actor", "Only entries whose actor contains this text.", _TEXT),
        _query("since", "From this day (UTC), inclusive.", {"type": "string", "format": "date"}),
        _query("until", "To this day (UTC), inclusive.", {"type": "string", "format": "date"}),
        _query("page", f"Page number from 1 ({PAGE_SIZE} entries a page).",
               {"type": "integer", "minimum": 1}),
    ],
    responses={
        "200": json_response("One page of entries and whether more follow.", object_schema({
            "entries": {"type": "array", "items": AUDIT_ENTRY},
            "next_page": {"type": ["integer", "null"]},
        })),
        "400": error_response(400),
        "403": error_response(403),
    },
)
def audit_entries() -> Any:
    """Return a page of the audit log."""
    if current_api_user().role != "owner":
        raise ApiError(403, "Only owners read the audit log.")
    try:
        where = AuditFilter.parse(request.args)
    except AuditFilterError as exc:
        raise ApiError(400, str(exc), {"parameter": exc.field}) from exc
    text = request.args.get("page", "1")
    if not text.isdigit() or not 0 < len(text) < 7 or int(text) < 1:
        raise ApiError(400, "page must be a whole number from 1", {"parameter": "page"})
    number = int(text)
    entries, more = audit_page(get_session(), where, number)
    return {"entries": [entry_json(e) for e in entries],
            "next_page": number + 1 if more else None}
