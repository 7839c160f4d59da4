"""Helpers for API tests: Bearer headers for a user and test-only routes under /api/v1."""

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlmodel import Session

from app.accounts.users import create_token
from app.models import User


def bearer(db: Session, user: User, *, name: str = "test") -> dict[str, str]:
    """Create an API token for `user` and return the Authorization header that sends it."""
    _row, token = create_token(db, user=user, name=name)
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def add_api_route(app: Flask, rule: str, view: Callable[..., Any], *, methods: list[str]) -> None:
    """Serve `view` at /api/v1`rule` as an endpoint of the API blueprint (hooks included)."""
    app.add_url_rule(
        "/api/v1" + rule, endpoint="api." + view.__name__, view_func=view, methods=methods
    )
