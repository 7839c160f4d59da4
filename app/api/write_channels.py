"""POST /api/v1/channels and PATCH /api/v1/channels/{id}: create and change channels.

The body is validated by the channel form's rules (`app.forms.parse_channel`); a ring or
status change adds a dated history row, as in the web UI.
"""

from collections.abc import Mapping
from typing import Any

from flask import request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.api import bp
from app.api.auth import current_api_user
from app.api.channels import CHANNEL, channel_etag, channel_json, channel_tag
from app.api.inputs import json_object
from app.api.openapi import add_schema, error_response, json_response, object_schema, operation
from app.db import get_session
from app.errors import ApiError
from app.forms import parse_channel
from channels import queries
from channels.inputs import ICE_FIELDS, LAUNCH_DAYS_MAX, NAME_MAX, ChannelInput
from channels.models import Channel
from kernel.text import NOTES_MAX
from kernel.vocabulary import CHANNEL_KINDS, RINGS, STATUSES

NEW_CHANNEL = {"ring": "outer", "status": "idea", "notes": ""}
_TEXT_FIELDS = {"name", "kind", "ring", "status", "notes"}
_NUMBER_FIELDS = {"launch_days", *ICE_FIELDS}
_SCORE = {"type": ["integer", "null"], "minimum": 1, "maximum": 10}
_INPUT_PROPERTIES: dict[str, Any] = {
    "name": {"type": "string", "minLength": 1, "maxLength": NAME_MAX},
    "kind": {"type": "string", "enum": list(CHANNEL_KINDS)},
    "ring": {"type": "string", "enum": list(RINGS), "default": "outer"},
    "status": {"type": "string", "enum": list(STATUSES), "default": "idea"},
    "launch_days": {"type": ["integer", "null"], "minimum": 0, "maximum": LAUNCH_DAYS_MAX},
    **{name: _SCORE for name in ICE_FIELDS},
    "notes": {"type": "string", "maxLength": NOTES_MAX},
}
CHANNEL_INPUT = add_schema("ChannelInput", object_schema(_INPUT_PROPERTIES, ["name", "kind"]))
CHANNEL_CHANGES = add_schema("ChannelChanges", object_schema(_INPUT_PROPERTIES, []))
_ANSWER = object_schema({"channel": CHANNEL})


def _form(body: Mapping[str, Any]) -> dict[str, str]:
    """Return the body as the text fields the channel form takes; raise ApiError(422)."""
    form: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, value in body.items():
        if name not in _TEXT_FIELDS | _NUMBER_FIELDS:
            errors[name] = "is not a channel field"
        elif value is None and name in _NUMBER_FIELDS:
            form[name] = ""
        elif name in _TEXT_FIELDS and isinstance(value, str):
            form[name] = value
        elif name in _NUMBER_FIELDS and isinstance(value, int) and not isinstance(value, bool):
            form[name] = str(value)
        else:
            errors[name] = "must be a string" if name in _TEXT_FIELDS else "must be an integer"
    if errors:
        raise ApiError(422, "The channel is invalid.", {"fields": errors})
    return form


def _current(channel: Channel) -> dict[str, str]:
    """Return a stored channel's fields as form text."""
    values = {name: getattr(channel, name) for name in ChannelInput.__dataclass_fields__}
    return {name: "" if value is None else str(value) for name, value in values.items()}


def _save(channel: Channel | None, form: dict[str, str]) -> Channel:
    """Validate `form` and create or update the channel; raise ApiError (422 or 409)."""
    data, errors = parse_channel(form)
    if data is None:
        raise ApiError(422, "The channel is invalid.", {"fields": errors})
    session = get_session()
    exclude_id = channel.id if channel else None
    conflict = ApiError(409, f"A channel named {data.name!r} already exists (names ignore case).")
    if queries.name_taken(session=session, name=data.name, exclude_id=exclude_id):
        raise conflict
    user_id = current_api_user().id
    try:
        if channel is None:
            saved = queries.create_channel(session=session, data=data, user_id=user_id)
        else:
            queries.update_channel(session=session, channel=channel, data=data, user_id=user_id)
            saved = channel
        session.commit()
    except IntegrityError:
        session.rollback()
        raise conflict from None
    return saved


@bp.post("/channels")
@operation(
    summary="Create a channel",
    tags=["channels"],
    requestBody={"required": True, "content": {"application/json": {"schema": CHANNEL_INPUT}}},
    responses={
        "201": json_response("The new channel.", _ANSWER),
        "400": error_response(400),
        "409": error_response(409),
        "415": error_response(415),
        "422": error_response(422),
    },
)
def create_channel() -> Any:
    """Create a channel (ring defaults to outer, status to idea)."""
    channel = _save(None, NEW_CHANNEL | _form(json_object()))
    return {"channel": channel_json(channel)}, 201


@bp.patch("/channels/<int:channel_id>")
@operation(
    summary="Change some fields of a channel (ring/status changes are kept as history)",
    description=(
        "Only the fields sent change; the others keep their stored values. The change gets a "
        "new edit version, so a person saving an older edit form of this channel in the web UI "
        "is shown a conflict instead of overwriting it unknowingly. Optional If-Match (the "
        "ETag of GET /channels/{id} or of an earlier PATCH answer) makes the change happen "
        "only if nobody changed the channel since: otherwise 412 and nothing is saved."
    ),
    tags=["channels"],
    parameters=[
        {
            "name": "If-Match",
            "in": "header",
            "required": False,
            "description": 'An ETag such as "channel-3-v7", or *.',
            "schema": {"type": "string"},
        }
    ],
    requestBody={"required": True, "content": {"application/json": {"schema": CHANNEL_CHANGES}}},
    responses={
        "200": json_response("The changed channel.", _ANSWER),
        "400": error_response(400),
        "404": error_response(404),
        "409": error_response(409),
        "412": error_response(412),
        "415": error_response(415),
        "422": error_response(422),
    },
)
def update_channel(channel_id: int) -> Any:
    """Update the fields sent; the others keep their values (If-Match: only if unchanged)."""
    session = get_session()
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise ApiError(404, f"There is no channel with id {channel_id}.")
    _check_if_match(channel)
    changes = _form(json_object())
    try:
        channel = _save(channel, _current(channel) | changes)
    except StaleDataError:  # another write committed between reading and storing the channel
        session.rollback()
        session.refresh(channel)
        _check_if_match(channel)
        channel = _save(channel, _current(channel) | changes)
    return {"channel": channel_json(channel)}, 200, {"ETag": channel_etag(channel)}


def _check_if_match(channel: Channel) -> None:
    """Raise ApiError(412) when If-Match was sent and names no current version of `channel`."""
    wanted = request.if_match
    if wanted and not wanted.contains(channel_tag(channel)):  # "*" matches any version
        raise ApiError(
            412,
            f"The channel changed since you read it (its ETag is now {channel_etag(channel)}); "
            "nothing was saved. GET it again and re-apply your change.",
            {"etag": channel_etag(channel)},
        )
