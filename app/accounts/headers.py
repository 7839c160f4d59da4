"""Security headers on every response: pages, htmx partials, CSV, API and static files.

The Content-Security-Policy allows scripts only from this origin (htmx and our static
files; no inline scripts or handlers, no eval) and nothing from other origins. Inline
`style` attributes stay allowed: charts and progress bars size elements with them and
they cannot run code. A view may set its own policy (e.g. a same-origin frame) and is
left alone.
"""

from flask import Flask
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000; includeSubDomains"


def _https(app: Flask) -> bool:
    return bool(app.config.get("SESSION_COOKIE_SECURE")) or str(
        app.config.get("BASE_URL", "")).startswith("https://")


def init_app(app: Flask) -> None:
    """Add the headers to every response `app` sends."""
    https = _https(app)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
