"""Error pages for the UI and the stable JSON error shape for everything under /api/.

Under /api/ every error, expected or not, is `{"error": {"code", "message", "details"}}`
with the right status; an HTML page is never sent there.
"""

import json
import sqlite3
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    ServiceUnavailable,
)

API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
    503: "busy",
}
BEARER_CHALLENGE = 'Bearer realm="Bullseye"'
_UNEXPECTED = "Something went wrong on our side; nothing was saved."
_BUSY = (
    "The database is busy with another write (such as a large import); nothing was saved. "
    "Try again in a few seconds."
)
BUSY_RETRY_SECONDS = 5


class ApiError(Exception):
    """An error an API view raises to answer with the JSON error shape and `status`."""

    def __init__(self, status: int, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


def is_api_request() -> bool:
    """Return whether the current request is for the JSON API (any path under /api/)."""
    return request.path == "/api" or request.path.startswith("/api/")


def api_error(
    status: int, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> Any:
    """Return the JSON error response `{"error": {"code", "message", "details"}}`."""
    code = API_CODES.get(status, "error")
    response = jsonify({"error": {"code": code, "message": message, "details": details}})
    response.status_code = status
    response.headers.update(headers or {})
    if status == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = BEARER_CHALLENGE
    return response


def _json_decode_error(exc: HTTPException) -> ValueError | None:
    """Return the decoding error behind the BadRequest Flask raises for a malformed JSON body."""
    if not isinstance(exc, BadRequest):
        return None
    if exc.description != BadRequest.description and not str(exc.description).startswith(
        "Failed to decode JSON object"
    ):
        return None  # a view's own 400 keeps its message
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        if isinstance(cause, json.JSONDecodeError | UnicodeDecodeError):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


def _too_large(exc: RequestEntityTooLarge) -> tuple[str, dict[str, Any] | None]:
    """Return the message and details of a 413: the limit the request went over."""
    limit = request.max_content_length
    if limit is None:
        return str(exc.description), None
    return (
        f"The request is larger than the {_megabytes(limit)} this server accepts; "
        "nothing was saved. Send less at a time.",
        {"max_bytes": limit},
    )


def _megabytes(size: int) -> str:
    """Return a byte count for people: "16 MB" (MiB, rounded)."""
    return f"{size / (1 << 20):,.3g} MB" if size >= 1 << 20 else f"{size:,} bytes"


def _api_http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    message = exc.description or exc.name
    details: dict[str, Any] | None = None
    if isinstance(exc, RequestEntityTooLarge):
        message, details = _too_large(exc)
    elif isinstance(exc, NotFound) and request.url_rule is None:
        message = f"There is no API endpoint at {request.path}."
    elif isinstance(exc, MethodNotAllowed):
        allowed = sorted(exc.valid_methods or [])
        message = f"{request.method} is not allowed on {request.path}."
        details = {"allowed_methods": allowed}
    elif (decode_error := _json_decode_error(exc)) is not None:
        message = "The request body is not valid JSON."
        details = {"reason": str(decode_error)}
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    return api_error(status, message, details, headers)


def _handle_http(exc: HTTPException) -> Any:
    _rollback_session()
    status = exc.code or 500
    if is_api_request():
        return _api_http_error(exc)
    if isinstance(exc, CSRFError):
        message = "Your session form expired or was not sent from this site. Reload and retry."
    elif isinstance(exc, RequestEntityTooLarge):
        message = _too_large(exc)[0]
    else:
        message = exc.description or exc.name
    template = "errors/_message.html" if request.headers.get("HX-Request") else "errors/page.html"
    return render_template(template, status=status, title=exc.name, message=message), status


def _handle_api_error(exc: ApiError) -> Any:
    return api_error(exc.status, exc.message, exc.details)


def _database_busy(exc: Exception) -> bool:
    """Return whether `exc` is SQLite giving up waiting for another connection's write lock
    (through SQLAlchemy, or from `BEGIN IMMEDIATE` on the raw sqlite3 connection)."""
    if isinstance(exc, OperationalError):
        return "database is locked" in str(exc.orig)
    return isinstance(exc, sqlite3.OperationalError) and "database is locked" in str(exc)


def _rollback_session() -> None:
    """Roll back the request's session, so that the error page itself can query the database
    (a failed flush leaves the session unusable until then)."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def _handle_unexpected(exc: Exception) -> Any:
    _rollback_session()
    if isinstance(exc, HTTPException):
        return _handle_http(exc)
    if _database_busy(exc):
        current_app.logger.warning("%s %s: database busy", request.method, request.path)
        busy = ServiceUnavailable(_BUSY, retry_after=BUSY_RETRY_SECONDS)
        return _handle_http(busy)
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return _handle_http(InternalServerError(_UNEXPECTED))


def init_app(app: Flask) -> None:
    """Register the error handlers on `app`."""
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(ApiError, _handle_api_error)
    app.register_error_handler(Exception, _handle_unexpected)
