"""Channel list, create/edit form and weekly spend grid."""

from typing import Any

from flask import Blueprint, render_template

bp = Blueprint("channels", __name__, url_prefix="/channels")


@bp.get("/")
def index() -> Any:
    """List channels."""
    return render_template("channels/index.html")
