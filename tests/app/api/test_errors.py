"""Every error under /api/ is the JSON error shape with the right status, never an HTML page."""

import logging
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from sqlmodel import Session

import app.api.channels as channels_api
from app.api.inputs import json_object
from app.models import User
from tests import factories
from tests.api_support import add_api_route, bearer
from tests.conftest import sign_in
from tests.openapi_check import assert_matches_schema


def _spec(client: FlaskClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return spec


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/channels", "/api/"])
def test_unknown_api_path_is_404_json_not_a_login_redirect(
    app: Flask, method: str, path: str
) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.open(path, method=method)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "error": {
            "code": "not_found",
            "message": f"There is no API endpoint at {path}.",
            "details": None,
        }
    }
    assert_matches_schema(_spec(client), "Error", response.get_json())


def test_pages_outside_the_api_keep_html_errors(client: FlaskClient, owner: User) -> None:
    sign_in(client, owner)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_missing_channel_is_404_json(client: FlaskClient, db: Session, viewer: User) -> None:
    response = client.get("/api/v1/channels/4242", headers=bearer(db, viewer))
    assert response.status_code == 404
    assert response.get_json() == {
        "error": {
            "code": "not_found",
            "message": "There is no channel with id 4242.",
            "details": None,
        }
    }


def test_wrong_method_is_405_json_with_allow_header(client: FlaskClient) -> None:
    response = client.post("/api/v1/metrics/channels", json={"name": "x"})
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response.get_json() == {
        "error": {
            "code": "method_not_allowed",
            "message": "POST is not allowed on /api/v1/metrics/channels.",
            "details": {"allowed_methods": ["GET", "HEAD", "OPTIONS"]},
        }
    }
    assert_matches_schema(_spec(client), "Error", response.get_json())


def test_unexpected_exception_is_500_json_and_logged(
    client: FlaskClient,
    db: Session,
    viewer: User,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    factories.channel(db, name="Google Ads")

    def broken(_channel: object) -> dict[str, Any]:
        raise RuntimeError("database exploded")

    monkeypatch.setattr(channels_api, "channel_json", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/channels", headers=bearer(db, viewer))
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {
            "code": "internal_error",
            "message": "Something went wrong on our side; nothing was saved.",
            "details": None,
        }
    }
    assert "database exploded" not in response.get_data(as_text=True)
    assert "Unhandled error on GET /api/v1/channels" in caplog.text
    assert "RuntimeError: database exploded" in caplog.text


def _echo_object() -> dict[str, Any]:
    return {"received": json_object()}


def _echo_raw() -> dict[str, Any]:
    return {"received": request.get_json()}


@pytest.fixture
def echo_client(app: Flask, db: Session, editor: User) -> FlaskClient:
    """Return a client of an app with test-only JSON-reading endpoints, sending an editor token."""
    add_api_route(app, "/_echo", _echo_object, methods=["POST"])
    add_api_route(app, "/_echo_raw", _echo_raw, methods=["POST"])
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = bearer(db, editor)["Authorization"]
    return client


def test_json_body_is_read(echo_client: FlaskClient) -> None:
    response = echo_client.post("/api/v1/_echo", json={"amount": 12.5, "name": "Ads"})
    assert response.status_code == 200
    assert response.get_json() == {"received": {"amount": 12.5, "name": "Ads"}}


@pytest.mark.parametrize("path", ["/api/v1/_echo", "/api/v1/_echo_raw"])
def test_malformed_json_body_is_400_json(echo_client: FlaskClient, path: str) -> None:
    response = echo_client.post(
        path, data='{"name": "Ads",', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {
            "code": "bad_request",
            "message": "The request body is not valid JSON.",
            "details": {
                "reason": "Expecting property name enclosed in double quotes: "
                "line 1 column 16 (char 15)"
            },
        }
    }


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        ("[1, 2]", "application/json", 400, "The request body must be a JSON object."),
        (
            "name=Ads",
            "application/x-www-form-urlencoded",
            415,
            "Send the body as JSON with 'Content-Type: application/json'.",
        ),
    ],
)
def test_json_body_must_be_a_json_object(
    echo_client: FlaskClient, body: str, content_type: str, status: int, message: str
) -> None:
    response = echo_client.post("/api/v1/_echo", data=body, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert response.get_json()["error"]["message"] == message
