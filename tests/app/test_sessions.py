"""Server-side sessions: a saved cookie stops working once its session ends (issue 20)."""

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.models import User, UserSession
from kernel.weeks import utcnow
from tests import factories


def _signed_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _with_cookie(app: Flask, value: str) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("session", value)
    return client


def test_a_cookie_saved_before_logout_is_refused_after_it(app: Flask, editor: User) -> None:
    client = _signed_in(app, editor)
    saved = _cookie(client)
    assert _with_cookie(app, saved).get("/tokens/").status_code == 200
    client.post("/logout")
    replay = _with_cookie(app, saved)
    assert replay.get("/tokens/").status_code == 302  # sent to sign in
    assert replay.post("/channels/new", data={"name": "x"}).status_code in (400, 401)


def test_logout_ends_only_that_session(app: Flask, owner: User) -> None:
    first, second = _signed_in(app, owner), _signed_in(app, owner)
    first.post("/logout")
    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 200


def test_sign_out_everywhere_ends_every_session(app: Flask, owner: User) -> None:
    first, second = _signed_in(app, owner), _signed_in(app, owner)
    response = first.post("/account/sign-out-everywhere")
    assert response.status_code == 302
    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 302


def test_a_password_change_ends_the_other_sessions(app: Flask, viewer: User, db: Session) -> None:
    here, elsewhere = _signed_in(app, viewer), _signed_in(app, viewer)
    saved = _cookie(elsewhere)
    response = here.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "a new long secret",
        "confirm_password": "a new long secret"})
    assert response.status_code == 302
    assert here.get("/").status_code == 200  # the session that changed it stays
    assert _with_cookie(app, saved).get("/").status_code == 302
    fresh = app.test_client()
    ok = fresh.post("/login", data={"email": viewer.email, "password": "a new long secret"})
    assert ok.status_code == 302


def test_a_password_change_needs_the_current_password_and_the_policy(
    app: Flask, editor: User, db: Session
) -> None:
    client = _signed_in(app, editor)
    before = db.exec(select(User.password_hash).where(User.id == editor.id)).one()
    wrong = client.post("/account/password", data={
        "current_password": "not it", "new_password": "a new long secret",
        "confirm_password": "a new long secret"})
    assert wrong.status_code == 422
    assert b"current password is not right" in wrong.data
    short = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "short",
        "confirm_password": "short"})
    assert short.status_code == 422
    assert b"at least 8 characters" in short.data
    same = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": editor.email,
        "confirm_password": editor.email})
    assert b"must not be the email address" in same.data
    db.expire_all()
    assert db.exec(select(User.password_hash).where(User.id == editor.id)).one() == before


def test_deactivation_ends_sessions(app: Flask, owner: User, editor: User) -> None:
    admin, victim = _signed_in(app, owner), _signed_in(app, editor)
    response = admin.post(f"/users/{editor.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert victim.get("/").status_code == 302
    refused = app.test_client().post(
        "/login", data={"email": editor.email, "password": factories.PASSWORD})
    assert refused.status_code == 401


def test_an_expired_session_is_refused(app: Flask, owner: User, db: Session) -> None:
    client = _signed_in(app, owner)
    row = db.exec(select(UserSession).where(UserSession.user_id == owner.id)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    assert client.get("/").status_code == 302


def test_the_cookie_lifetime_is_short_by_default_and_configurable(app: Flask) -> None:
    assert app.permanent_session_lifetime == timedelta(hours=12)
    from app import create_app

    other = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True,
                        "PERMANENT_SESSION_LIFETIME": timedelta(hours=2)})
    assert other.permanent_session_lifetime == timedelta(hours=2)
