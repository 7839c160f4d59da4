"""Error pages for the UI and the stable JSON error shape for everything under /api/."""

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
}


def api_error(status: int, message: str, details: Any = None) -> Any:
    """Return the JSON error response `{"error": {"code", "message", "details"}}`."""
    code = API_CODES.get(status, "error")
    return jsonify({"error": {"code": code, "message": message, "details": details}}), status


def _handle_http(exc: HTTPException) -> Any:
    status = exc.code or 500
    if request.path.startswith("/api/"):
        return api_error(status, exc.description or exc.name)
    if isinstance(exc, CSRFError):
        message = "Your session form expired or was not sent from this site. Reload and retry."
    else:
        message = exc.description or exc.name
    template = "errors/_message.html" if request.headers.get("HX-Request") else "errors/page.html"
    return render_template(template, status=status, title=exc.name, message=message), status


def _handle_unexpected(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _handle_http(exc)
    return _handle_http(InternalServerError("Something went wrong on our side; nothing was saved."))


def init_app(app: Flask) -> None:
    """Register the error handlers on `app`."""
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
