"""Dashboard: every channel with spend, leads, customers and revenue to date."""

from typing import Any

from flask import Blueprint, render_template

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index() -> Any:
    """Show the dashboard."""
    return render_template("dashboard/index.html")
