"""PUT /api/v1/channels/{id}/spend, POST /api/v1/leads and POST /api/v1/purchases.

Each takes a JSON array of items; every item is validated first (SPEC §8): if any is invalid
the answer is 422 `{"errors": [{"index", "field", "message"}]}` and nothing is stored,
otherwise the items are upserted and the answer counts what was created and updated.
"""

from typing import Any

from flask import request

from app.accounts import audit
from app.api import bp
from app.api.openapi import add_schema, error_response, json_response, object_schema, operation
from app.db import get_session
from app.errors import ApiError
from app.settings import accepted_dates
from channels.models import Channel
from ingest.batch_items import BATCH_MAX
from ingest.batches import store_items
from kernel.text import ATTRIBUTE_NAME_MAX, ATTRIBUTE_VALUE_MAX, ATTRIBUTES_MAX, EXTERNAL_ID_MAX
from kernel.vocabulary import GRADES, STAGES

_COUNT = {"type": ["integer", "null"], "minimum": 0}
_MONEY = {"type": "number", "description": "In currency units, at most 2 decimals."}
_MOMENT = {
    "type": "string",
    "description": "ISO 8601 date or date-time; without an offset it is local time of the "
    "install's time zone. Its date must lie in the date window (default 2000-01-01 to a year "
    "after today).",
}
SPEND_ITEM = object_schema(
    {
        "week": {"type": "string", "format": "date",
                 "description": "Any day of the week, inside the date window."},
        "amount": _MONEY | {"minimum": 0},
        "impressions": _COUNT,
        "clicks": _COUNT | {"description": "At most impressions."},
    },
    required=["week", "amount"],
)
LEAD_ITEM = object_schema(
    {
        "external_id": {"type": "string", "minLength": 1, "maxLength": EXTERNAL_ID_MAX},
        "channel_id": {"type": "integer"},
        "created_at": _MOMENT,
        "test_id": {"type": ["integer", "null"]},
        "stage": {"type": ["string", "null"], "enum": [*STAGES, None], "default": "lead"},
        "grade": {"type": ["string", "null"], "enum": [*GRADES, None]},
        "stage_changed_at": _MOMENT | {
            "type": ["string", "null"],
            "description": "When an existing lead's stage or grade changed to the values sent "
            "(default: when the batch is stored); not before its creation or its last recorded "
            "change. Dates no change of a new lead: it has its stage since creation. "
            + _MOMENT["description"]},
        "attributes": {
            "type": ["object", "null"],
            "maxProperties": ATTRIBUTES_MAX,
            "propertyNames": {"minLength": 1, "maxLength": ATTRIBUTE_NAME_MAX},
            "additionalProperties": {
                "type": ["string", "number", "null"],
                "maxLength": ATTRIBUTE_VALUE_MAX,
            },
            "description": "Free-form segmentation attributes (industry, region …); values "
            f"as text have at most {ATTRIBUTE_VALUE_MAX:,} characters.",
        },
    },
    required=["external_id", "channel_id", "created_at"],
)
PURCHASE_ITEM = object_schema(
    {
        "external_id": {"type": "string", "minLength": 1, "maxLength": EXTERNAL_ID_MAX},
        "lead_external_id": {"type": "string", "minLength": 1, "maxLength": EXTERNAL_ID_MAX},
        "purchased_at": _MOMENT,
        "amount": _MONEY | {"description": "Negative for refunds; at most 2 decimals."},
    }
)
BATCH_RESULT = add_schema(
    "BatchResult",
    object_schema(
        {
            "created": {"type": "integer", "minimum": 0},
            "updated": {"type": "integer", "minimum": 0, "description": "Changed records only."},
        }
    ),
)
BATCH_ERRORS = add_schema(
    "BatchErrors",
    object_schema(
        {
            "errors": {
                "type": "array",
                "minItems": 1,
                "items": object_schema(
                    {
                        "index": {"type": "integer", "minimum": 0},
                        "field": {"type": "string", "description": '"" for a whole item.'},
                        "message": {"type": "string"},
                    }
                ),
            }
        }
    ),
)


def _batch_operation(summary: str, item: dict[str, Any], **fields: Any) -> Any:
    """Return the OpenAPI operation of a batch write taking an array of `item`."""
    return operation(
        summary=summary,
        requestBody={
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "maxItems": BATCH_MAX, "items": item}
                }
            },
        },
        responses={
            "200": json_response("Every item was stored (upserted).", BATCH_RESULT),
            "400": error_response(400),
            "415": error_response(415),
            "422": json_response("Some items are invalid; nothing was stored.", BATCH_ERRORS),
            **fields.pop("responses", {}),
        },
        **fields,
    )


def _store(kind: str, channel_id: int | None = None) -> Any:
    """Store the request's items of `kind` whole or not at all and answer with the counts."""
    if not request.is_json:
        raise ApiError(415, "Send the body as JSON with 'Content-Type: application/json'.")
    items = request.get_json()
    if not isinstance(items, list):
        raise ApiError(400, "The request body must be a JSON array of items.")
    if len(items) > BATCH_MAX:
        raise ApiError(400, f"Send at most {BATCH_MAX} items per request.", {"max": BATCH_MAX})
    session = get_session()
    result = store_items(
        session.connection(), kind, items, channel_id=channel_id, window=accepted_dates()
    )
    if result.errors:
        session.rollback()
        errors = [{"index": i, "field": f, "message": m} for i, f, m in result.errors]
        return {"errors": errors}, 422
    where = f" for channel {channel_id}" if channel_id is not None else ""
    audit.record_bulk(session, entity=kind, summary=f"API batch of {len(items)} {kind}{where}",
                      counts={"items": len(items), "created": result.created,
                              "updated": result.updated})
    session.commit()
    return {"created": result.created, "updated": result.updated}


@bp.put("/channels/<int:channel_id>/spend")
@_batch_operation(
    "Upsert weekly spend of a channel (one row per week)",
    SPEND_ITEM,
    tags=["spend"],
    responses={"404": error_response(404)},
    description=(
        "Each item replaces the week's amount, impressions and clicks (an omitted impressions or "
        "clicks is stored as null): last write wins, with no check of what was stored before. "
        "A week whose values change gets a new edit version, so a person editing that week in "
        "the web spend grid at the same time is shown your values as a conflict instead of "
        "overwriting them unknowingly. Sending the same items again changes nothing."
    ),
)
def put_spend(channel_id: int) -> Any:
    """Upsert weeks of spend of one channel."""
    if get_session().get(Channel, channel_id) is None:
        raise ApiError(404, f"There is no channel with id {channel_id}.")
    return _store("spend", channel_id)


@bp.post("/leads")
@_batch_operation("Upsert leads by external_id", LEAD_ITEM, tags=["leads"])
def post_leads() -> Any:
    """Upsert leads."""
    return _store("leads")


@bp.post("/purchases")
@_batch_operation("Upsert purchases by external_id", PURCHASE_ITEM, tags=["purchases"])
def post_purchases() -> Any:
    """Upsert purchases (their leads must exist)."""
    return _store("purchases")
