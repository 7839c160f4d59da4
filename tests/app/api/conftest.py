"""Fixtures of the API write tests: the served OpenAPI document and an editor's token."""

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from app.models import User
from tests.api_support import bearer


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    """Return the served OpenAPI document."""
    document: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return document


@pytest.fixture
def headers(db: Session, editor: User) -> dict[str, str]:
    """Return the Authorization header of an editor's token."""
    return bearer(db, editor)
