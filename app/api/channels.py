"""GET /api/v1/channels and /api/v1/channels/{id}: channels with their Bullseye ranking."""

from typing import Any

from flask import request
from sqlmodel import col, select

from app.api import bp
from app.api.inputs import choice_filters
from app.api.openapi import (
    add_schema,
    error_response,
    json_response,
    object_schema,
    operation,
    query_choice,
)
from app.db import get_session
from app.errors import ApiError
from channels.models import Channel
from kernel.vocabulary import CHANNEL_KINDS, RINGS, STATUSES

FILTERS: dict[str, tuple[str, ...]] = {
    "ring": RINGS,
    "status": STATUSES,
    "kind": tuple(CHANNEL_KINDS),
}
_NULLABLE_SCORE = {"type": ["integer", "null"]}

CHANNEL = add_schema(
    "Channel",
    object_schema(
        {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": list(CHANNEL_KINDS)},
            "kind_label": {"type": "string", "description": "The kind's name in Traction."},
            "ring": {"type": "string", "enum": list(RINGS)},
            "status": {"type": "string", "enum": list(STATUSES)},
            "launch_days": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "Difficulty: days from decision to first lead.",
            },
            "ice_impact": _NULLABLE_SCORE,
            "ice_confidence": _NULLABLE_SCORE,
            "ice_ease": _NULLABLE_SCORE,
            "ice_score": {
                "type": ["number", "null"],
                "description": "Mean of impact, confidence and ease rounded to 2 decimals; "
                "null unless all three are set.",
            },
            "notes": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        }
    ),
)


def ice_score(impact: int | None, confidence: int | None, ease: int | None) -> float | None:
    """Return the mean of the three ICE scores rounded to 2 decimals; None if any is unset."""
    if impact is None or confidence is None or ease is None:
        return None
    return round((impact + confidence + ease) / 3, 2)


def channel_json(channel: Channel) -> dict[str, Any]:
    """Return the API representation of `channel` (see the Channel schema)."""
    return {
        "id": channel.id,
        "name": channel.name,
        "kind": channel.kind,
        "kind_label": CHANNEL_KINDS.get(channel.kind, channel.kind),
        "ring": channel.ring,
        "status": channel.status,
        "launch_days": channel.launch_days,
        "ice_impact": channel.ice_impact,
        "ice_confidence": channel.ice_confidence,
        "ice_ease": channel.ice_ease,
        "ice_score": ice_score(channel.ice_impact, channel.ice_confidence, channel.ice_ease),
        "notes": channel.notes,
        "created_at": channel.created_at,
    }


@bp.get("/channels")
@operation(
    summary="List channels, ordered by name (case-insensitive)",
    tags=["channels"],
    parameters=[
        query_choice("ring", RINGS, "Only channels in this Bullseye ring."),
        query_choice("status", STATUSES, "Only channels with this status."),
        query_choice("kind", tuple(CHANNEL_KINDS), "Only channels of this Traction kind."),
    ],
    responses={
        "200": json_response(
            "The channels.",
            object_schema({"channels": {"type": "array", "items": CHANNEL}}),
        ),
        "400": error_response(400),
    },
)
def list_channels() -> Any:
    """List channels, optionally filtered by ring, status and kind."""
    query = select(Channel)
    for name, values in choice_filters(request.args, FILTERS).items():
        query = query.where(col(getattr(Channel, name)).in_(values))
    channels = sorted(get_session().exec(query), key=lambda c: (c.name.casefold(), c.name))
    return {"channels": [channel_json(c) for c in channels]}


@bp.get("/channels/<int:channel_id>")
@operation(
    summary="One channel",
    description="The ETag header names the channel's edit version; send it back as If-Match "
    "with PATCH to change the channel only if nobody changed it since.",
    tags=["channels"],
    responses={
        "200": json_response(
            "The channel.",
            object_schema({"channel": CHANNEL}),
        ),
        "404": error_response(404),
    },
)
def get_channel(channel_id: int) -> Any:
    """Show one channel, with its edit version as the ETag (for PATCH's If-Match)."""
    channel = get_session().get(Channel, channel_id)
    if channel is None:
        raise ApiError(404, f"There is no channel with id {channel_id}.")
    return {"channel": channel_json(channel)}, 200, {"ETag": channel_etag(channel)}


def channel_tag(channel: Channel) -> str:
    """Return the entity tag (unquoted) of a channel's current edit version."""
    return f"channel-{channel.id}-v{channel.version}"


def channel_etag(channel: Channel) -> str:
    """Return the ETag header value of a channel's current edit version."""
    return '"' + channel_tag(channel) + '"'
