"""Bearer tokens on /api/v1: who may call, what a viewer may do, last use, the CLI token."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.accounts.security import token_digest
from app.accounts.users import create_token
from app.api.auth import current_api_user
from app.config import ROOT
from app.models import ApiToken, User
from kernel.weeks import utcnow
from tests.api_support import add_api_route, bearer
from tests.conftest import sign_in

CHANNELS = "/api/v1/channels"


def test_no_header_is_refused_with_a_bearer_challenge(client: FlaskClient) -> None:
    response = client.get(CHANNELS)
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Bullseye"'
    assert response.get_json() == {
        "error": {
            "code": "unauthorized",
            "message": "Send an API token in the header 'Authorization: Bearer <token>'.",
            "details": None,
        }
    }


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Basic dXNlcjpwYXNz", "must use the Bearer scheme"),
        ("Bearer", "missing or malformed"),
        ("Bearer ", "missing or malformed"),
        ("Bearer two words", "missing or malformed"),
        ("Bearer bse_" + "x" * 43, "not valid"),
    ],
)
def test_malformed_or_unknown_token_is_refused(
    client: FlaskClient, owner: User, header: str, message: str
) -> None:
    response = client.get(CHANNELS, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert message in response.get_json()["error"]["message"]
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_revoked_token_is_refused(client: FlaskClient, db: Session, owner: User) -> None:
    row, token = create_token(db, user=owner, name="old laptop")
    row.revoked_at = utcnow()
    db.commit()
    response = client.get(CHANNELS, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="Bullseye", error="invalid_token"'
    )
    assert response.get_json()["error"] == {
        "code": "unauthorized",
        "message": "The API token has been revoked.",
        "details": None,
    }


def test_scheme_is_case_insensitive(client: FlaskClient, db: Session, viewer: User) -> None:
    token = bearer(db, viewer)["Authorization"].removeprefix("Bearer ")
    response = client.get(CHANNELS, headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200
    assert response.get_json() == {"channels": []}


def test_signed_in_session_is_not_an_api_credential(client: FlaskClient, owner: User) -> None:
    sign_in(client, owner)
    assert client.get(CHANNELS).status_code == 401


def _write_probe() -> dict[str, str]:
    return {"written_by": current_api_user().email}


@pytest.fixture
def write_app(app: Flask) -> Flask:
    """Return the app with a test-only write endpoint in the API blueprint."""
    add_api_route(app, "/_probe", _write_probe, methods=["POST", "PUT", "PATCH", "DELETE"])
    return app


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_viewer_token_cannot_write(
    write_app: Flask, db: Session, viewer: User, method: str
) -> None:
    headers = bearer(db, viewer)
    response = write_app.test_client().open("/api/v1/_probe", method=method, headers=headers)
    assert response.status_code == 403
    assert response.get_json() == {
        "error": {
            "code": "forbidden",
            "message": "This token belongs to a viewer, who can read but not change data.",
            "details": None,
        }
    }


@pytest.mark.parametrize("role", ["owner", "editor"])
def test_owner_and_editor_tokens_can_write(
    write_app: Flask, db: Session, owner: User, editor: User, role: str
) -> None:
    headers = bearer(db, owner if role == "owner" else editor)
    response = write_app.test_client().post("/api/v1/_probe", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"written_by": (owner if role == "owner" else editor).email}


def test_write_without_token_is_401_not_403(write_app: Flask) -> None:
    response = write_app.test_client().post("/api/v1/_probe")
    assert response.status_code == 401


def _token_row(db: Session, token_id: int) -> ApiToken:
    db.rollback()  # end any read snapshot so the app's commits are visible
    db.expire_all()
    row = db.get(ApiToken, token_id)
    assert row is not None
    return row


def test_last_used_at_is_recorded_at_most_once_a_minute(
    client: FlaskClient, db: Session, editor: User
) -> None:
    row, token = create_token(db, user=editor)
    db.commit()
    assert row.id is not None and row.last_used_at is None
    headers = {"Authorization": f"Bearer {token}"}

    before = utcnow()
    assert client.get(CHANNELS, headers=headers).status_code == 200
    first = _token_row(db, row.id).last_used_at
    assert first is not None and before <= first <= utcnow()

    assert client.get(CHANNELS, headers=headers).status_code == 200
    assert _token_row(db, row.id).last_used_at == first

    stale = _token_row(db, row.id)
    stale.last_used_at = first - timedelta(minutes=2)
    db.commit()
    assert client.get(CHANNELS, headers=headers).status_code == 200
    assert _token_row(db, row.id).last_used_at > first  # type: ignore[operator]


def test_refused_token_does_not_record_use(client: FlaskClient, db: Session, editor: User) -> None:
    row, token = create_token(db, user=editor)
    row.revoked_at = utcnow()
    db.commit()
    assert row.id is not None
    client.get(CHANNELS, headers={"Authorization": f"Bearer {token}"})
    assert _token_row(db, row.id).last_used_at is None


def test_cli_token_works_as_bearer_token(
    app: Flask, client: FlaskClient, db: Session, viewer: User, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "BULLSEYE_INSTANCE": str(tmp_path),
        "SECRET_KEY": "cli-test",
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "tokens", "create",
         viewer.email.upper(), "--name", "reporting"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("bse_")

    stored = db.exec(select(ApiToken).where(ApiToken.token_hash == token_digest(token))).one()
    assert (stored.user_id, stored.name, stored.prefix) == (viewer.id, "reporting", token[:12])
    response = client.get(CHANNELS, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json() == {"channels": []}


def test_cli_refuses_unknown_email(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["tokens", "create", "nobody@example.com"])
    assert result.exit_code == 1
    assert "no user nobody@example.com" in result.output
