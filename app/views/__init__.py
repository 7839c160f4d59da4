"""UI blueprints, one per module, and the page-or-partial rule they share."""

from typing import Any

from flask import make_response, render_template
from werkzeug.wrappers import Response

from app import htmx


def render_page_or_partial(
    page: str, partial: str, *, http_status: int = 200, **context: Any
) -> Response:
    """Render `partial` alone for an htmx request, else the full `page` that includes it."""
    response = make_response(render_template(partial if htmx else page, **context), http_status)
    response.vary.add("HX-Request")
    return response
