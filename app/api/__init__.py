"""JSON API under /api/v1 (Bearer tokens; OpenAPI document at /api/v1/openapi.json).

Every module below adds its views to `bp`; `app.api.auth` guards all of them.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The modules register their views and hooks on `bp`, so they are imported after it exists.
from app.api import (  # noqa: E402, F401
    auth,
    channels,
    compare,
    health,
    metrics,
    openapi,
    segments,
    tests,
    write_batches,
    write_channels,
)
from app.api.admin import audit, settings  # noqa: E402, F401
from app.api.sales import goals, leads, log  # noqa: E402, F401
