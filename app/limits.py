"""Bounded requests (issue 12): body size limits, and text every database can store.

Every request body is limited to MAX_CONTENT_LENGTH bytes, except CSV uploads, which may
reach MAX_UPLOAD_BYTES (both from `app.config`); a larger one is a 413. Query parameters
and form fields holding a NUL character or an unpaired surrogate are refused with a 400
naming them, before any view can send them to the database.
"""

import json
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import BadRequest

from app.errors import ApiError, is_api_request
from kernel.text import unstorable

UPLOAD_ENDPOINTS = frozenset({"imports.upload"})


def _bound_body() -> None:
    """Give uploads their own, larger body limit (before anything reads the body)."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["MAX_UPLOAD_BYTES"]


def _refuse_unstorable_text() -> None:
    """Refuse query parameters and form fields that no database can store, naming them."""
    for kind, values in (("query parameter", request.args), ("field", request.form)):
        for name, value in values.items(multi=True):
            problem = unstorable(name) or unstorable(value)
            if problem is None:
                continue
            quoted = repr(name) if unstorable(name) is None else ascii(name)  # escaped
            message = f"The {kind} {quoted} {problem}."
            if is_api_request():
                detail = "parameter" if kind == "query parameter" else "field"
                raise ApiError(400, message, {detail: quoted[1:-1]})
            raise BadRequest(message)


class TooDeep(json.JSONDecodeError):
    """A JSON document nested deeper than Python's parser can follow."""


def loads_bounded(loads: Any, text: str | bytes, **kwargs: Any) -> Any:
    """Return `loads(text)`; a document nested too deeply is a decoding error, not a crash."""
    try:
        return loads(text, **kwargs)
    except RecursionError:
        raise TooDeep("the JSON is nested too deeply", "", 0) from None


def init_app(app: Flask) -> None:
    """Register the hooks; call before any extension that reads the request body (CSRF)."""
    app.before_request(_bound_body)
    app.before_request(_refuse_unstorable_text)
