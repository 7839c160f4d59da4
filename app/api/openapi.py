"""The OpenAPI 3.1 document of /api/v1, built from the routes that really exist.

An endpoint module documents each view with `@operation(...)` (one HTTP method per view)
and adds the component schemas it uses with `add_schema(...)`. `document()` walks the
app's URL map, so paths and path parameters come from the routes themselves; every
operation that needs a token also gets the 401 (and for writes, 403) responses that the
blueprint-wide authentication hook can send, and every operation gets 500.
"""

import re
from collections.abc import Callable, Sequence
from importlib.metadata import version
from typing import Any, TypeVar

from flask import current_app, request

from app.api import bp
from app.errors import API_CODES

View = TypeVar("View", bound=Callable[..., Any])

OPENAPI_VERSION = "3.1.0"
OPERATION_ATTRIBUTE = "openapi_operation"
ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The request is malformed (bad parameter or body)."),
    401: ("Unauthorized", "No valid Bearer token was sent (missing, unknown or revoked)."),
    403: ("Forbidden", "The token's user may not do this (viewers may only read)."),
    404: ("NotFound", "No such resource."),
    405: ("MethodNotAllowed", "The path exists but not with this HTTP method."),
    409: ("Conflict", "The request conflicts with stored data."),
    412: (
        "PreconditionFailed",
        "If-Match named a version the resource no longer has; nothing was saved. GET it again.",
    ),
    415: ("UnsupportedMediaType", "The body must be JSON (Content-Type: application/json)."),
    422: ("ValidationFailed", "The body is well-formed but invalid; details list every error."),
    500: ("InternalError", "An unexpected error; nothing was saved."),
    503: (
        "Busy",
        "Another write (such as a large import) held the database (SQLite) for too long; "
        "nothing was saved. Send the request again after Retry-After seconds.",
    ),
}
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_ROUTE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_SCHEMAS: dict[str, dict[str, Any]] = {
    "int": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    "float": {"type": "number", "minimum": 0},
}
_schemas: dict[str, dict[str, Any]] = {}


def schema_ref(name: str) -> dict[str, str]:
    """Return a JSON reference to the component schema `name`."""
    return {"$ref": f"#/components/schemas/{name}"}


def add_schema(name: str, schema: dict[str, Any]) -> dict[str, str]:
    """Register the component schema `name` and return a reference to it."""
    _schemas[name] = schema
    return schema_ref(name)


def object_schema(
    properties: dict[str, Any], required: Sequence[str] | None = None
) -> dict[str, Any]:
    """Return a closed object schema; every property is required unless `required` is given."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties if required is None else required),
        "properties": properties,
    }


def json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Return an OpenAPI response object whose JSON body follows `schema`."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_response(status: int) -> dict[str, str]:
    """Return a reference to the shared response of the error `status` (see ERROR_RESPONSES)."""
    return {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}


def query_choice(name: str, choices: Sequence[str], description: str) -> dict[str, Any]:
    """Return a repeatable query parameter that takes values from `choices`."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description + " Repeat the parameter to accept several values.",
        "schema": {"type": "array", "items": {"type": "string", "enum": list(choices)}},
        "style": "form",
        "explode": True,
    }


def operation(
    *, summary: str, responses: dict[str, Any], public: bool = False, **fields: Any
) -> Callable[[View], View]:
    """Attach an OpenAPI operation (summary, responses, parameters, tags …) to an API view."""

    def attach(view: View) -> View:
        setattr(
            view,
            OPERATION_ATTRIBUTE,
            {"summary": summary, "responses": responses, "public": public, **fields},
        )
        return view

    return attach


def _error_schema() -> dict[str, Any]:
    codes = sorted({*API_CODES.values(), "error"})
    return {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "enum": codes},
                    "message": {"type": "string", "description": "A sentence for people."},
                    "details": {
                        "description": "Machine-readable specifics (e.g. the bad parameter, "
                        "or one entry per invalid item), or null."
                    },
                },
            }
        },
    }


def _components() -> dict[str, Any]:
    responses = {
        name: json_response(description, schema_ref("Error"))
        for name, description in ERROR_RESPONSES.values()
    }
    responses["Unauthorized"]["headers"] = {
        "WWW-Authenticate": {"description": "The Bearer challenge.", "schema": {"type": "string"}}
    }
    responses["Busy"]["headers"] = {
        "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
    }
    return {
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from `flask --app app tokens create EMAIL`.",
            }
        },
        "schemas": {"Error": _error_schema(), **_schemas},
        "responses": responses,
    }


def _path_and_parameters(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """Turn a Flask rule under the blueprint prefix into an OpenAPI path and its parameters."""
    parameters = [
        {
            "name": match["name"],
            "in": "path",
            "required": True,
            "schema": _CONVERTER_SCHEMAS.get(match["converter"] or "", {"type": "string"}),
        }
        for match in _ROUTE_ARGUMENT.finditer(rule)
    ]
    path = _ROUTE_ARGUMENT.sub(lambda m: "{" + m["name"] + "}", rule)
    return path.removeprefix(bp.url_prefix or ""), parameters


def _operation_object(endpoint: str, method: str, declared: dict[str, Any]) -> dict[str, Any]:
    """Complete a declared operation with its id, security and the generic error responses."""
    fields = dict(declared)
    public = fields.pop("public")
    responses = dict(fields.pop("responses"))
    if public:
        fields["security"] = []
    else:
        responses.setdefault("401", error_response(401))
        if method not in _SAFE_METHODS:
            responses.setdefault("403", error_response(403))
    if method not in _SAFE_METHODS:
        responses.setdefault("503", error_response(503))
    responses.setdefault("500", error_response(500))
    return {"operationId": endpoint.removeprefix("api."), **fields, "responses": responses}


def _paths() -> dict[str, dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        declared = getattr(current_app.view_functions.get(rule.endpoint), OPERATION_ATTRIBUTE, None)
        if not rule.endpoint.startswith("api.") or declared is None:
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        if len(methods) != 1:
            raise ValueError(f"API view {rule.endpoint} must serve exactly one method")
        path, parameters = _path_and_parameters(rule.rule)
        item = paths.setdefault(path, {})
        if parameters:
            item["parameters"] = parameters
        item[methods[0].lower()] = _operation_object(rule.endpoint, methods[0], declared)
    return paths


def document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of the API as served by the current request's host."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Bullseye",
            "version": version("bullseye"),
            "summary": "Acquisition channel testing: channels, spend, leads, purchases, metrics.",
            "description": "Money is a JSON number in the install's currency units; "
            "timestamps are ISO 8601 with offset; undefined values are null.",
        },
        "servers": [
            {"url": request.script_root + (bp.url_prefix or ""), "description": "This install"}
        ],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": _components(),
    }


@bp.get("/openapi.json")
@operation(
    summary="The OpenAPI 3.1 document of this API (no token needed)",
    tags=["meta"],
    public=True,
    responses={"200": json_response("The OpenAPI document.", {"type": "object"})},
)
def openapi_document() -> Any:
    """Serve the OpenAPI document."""
    return document()
