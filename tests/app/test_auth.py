"""Sign-in, sign-out, roles and CSRF."""

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.models import User
from tests import factories


def test_anonymous_user_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_sign_in_with_right_password(client: FlaskClient, owner: User) -> None:
    response = client.post("/login", data={"email": owner.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_sign_in_with_wrong_password_is_refused(client: FlaskClient, owner: User) -> None:
    response = client.post("/login", data={"email": owner.email, "password": "nope"})
    assert response.status_code == 401
    assert b"Wrong email or password" in response.data
    assert client.get("/").status_code == 302


def test_repeated_failures_are_rate_limited(client: FlaskClient, owner: User, app: Flask) -> None:
    for _ in range(app.config["LOGIN_ATTEMPTS"]):
        client.post("/login", data={"email": owner.email, "password": "nope"})
    response = client.post("/login", data={"email": owner.email, "password": factories.PASSWORD})
    assert response.status_code == 429


def test_next_parameter_cannot_leave_the_site(client: FlaskClient, owner: User) -> None:
    data = {"email": owner.email, "password": factories.PASSWORD, "next": "//evil.example/x"}
    response = client.post("/login", data=data)
    assert response.headers["Location"] == "/"


def test_csrf_token_is_required_when_enabled(app: Flask, db: Session, owner: User) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/login", data={"email": owner.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert b"expired" in response.data
