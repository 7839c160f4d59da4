"""Reading API input: query-string filters and JSON bodies; bad input is refused with a 4xx
that names the bad part."""

from collections.abc import Mapping, Sequence
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from app.errors import ApiError


def choice_filters(
    args: MultiDict[str, str], allowed: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """Return the requested values of each filter in `args`; raise ApiError(400) on bad input.

    Every query parameter must be one of `allowed` and each of its (possibly repeated)
    values one of that parameter's choices; an empty value is refused too.
    """
    for name in args:
        if name not in allowed:
            raise ApiError(
                400,
                f"Unknown query parameter {name!r}; use one of {', '.join(sorted(allowed))}.",
                {"parameter": name, "allowed_parameters": sorted(allowed)},
            )
    filters: dict[str, list[str]] = {}
    for name, choices in allowed.items():
        values = args.getlist(name)
        for value in values:
            if value not in choices:
                raise ApiError(
                    400,
                    f"Query parameter {name!r} must be one of {', '.join(choices)}; got {value!r}.",
                    {"parameter": name, "value": value, "allowed": list(choices)},
                )
        if values:
            filters[name] = values
    return filters


def json_object() -> dict[str, Any]:
    """Return the request's JSON object body; raise ApiError for a missing or malformed body."""
    if not request.is_json:
        raise ApiError(415, "Send the body as JSON with 'Content-Type: application/json'.")
    body = request.get_json()  # a malformed body raises BadRequest, answered as a JSON 400
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body
