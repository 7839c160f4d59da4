"""The users page: owners create, change, deactivate, delete and reset users (issue 20)."""

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.accounts.users import create_token
from app.models import ApiToken, User
from tests import factories
from tests.conftest import sign_in

_LINK = re.compile(r'<code class="token">http://[^/]+(/reset/[^<]+)</code>')


def _user(db: Session, email: str) -> User | None:
    db.expire_all()
    return db.exec(select(User).where(User.email == email)).first()


def test_only_owners_see_and_change_users(app: Flask, editor: User, viewer: User) -> None:
    for user in (editor, viewer):
        client = sign_in(app.test_client(), user)
        assert client.get("/users").status_code == 403
        assert client.post("/users", data={"email": "x@example.com", "role": "owner"}
                           ).status_code == 403
        assert client.post(f"/users/{user.id}/role", data={"role": "owner"}).status_code == 403


def test_invite_by_one_time_link(app: Flask, owner: User, db: Session) -> None:
    admin = sign_in(app.test_client(), owner)
    response = admin.post("/users", data={"email": "New@Example.com ", "role": "editor"})
    assert response.status_code == 201
    link = _LINK.search(response.get_data(as_text=True))
    assert link is not None
    created = _user(db, "new@example.com")
    assert created is not None and created.role == "editor"
    newcomer = app.test_client()
    assert newcomer.get(link.group(1)).status_code == 200
    set_it = newcomer.post(link.group(1), data={"new_password": "my own secret",
                                                "confirm_password": "my own secret"})
    assert set_it.status_code == 302
    assert newcomer.get("/").status_code == 200  # signed in by the link
    assert app.test_client().get(link.group(1)).status_code == 404  # works once
    again = app.test_client().post("/login", data={"email": "new@example.com",
                                                   "password": "my own secret"})
    assert again.status_code == 302


def test_bad_new_user_stores_nothing(app: Flask, owner: User, db: Session) -> None:
    admin = sign_in(app.test_client(), owner)
    response = admin.post("/users", data={"email": "not-an-address", "role": "editor"})
    assert response.status_code == 422
    assert b"is not an email address" in response.data
    duplicate = admin.post("/users", data={"email": owner.email, "role": "editor"})
    assert duplicate.status_code == 422
    assert len(db.exec(select(User)).all()) == 1


def test_change_role(app: Flask, owner: User, viewer: User, db: Session) -> None:
    admin = sign_in(app.test_client(), owner)
    assert admin.post(f"/users/{viewer.id}/role", data={"role": "editor"}).status_code == 302
    changed = _user(db, viewer.email)
    assert changed is not None and changed.role == "editor"


def test_the_last_active_owner_stays(app: Flask, owner: User, db: Session) -> None:
    admin = sign_in(app.test_client(), owner)
    for path, data in ((f"/users/{owner.id}/role", {"role": "editor"}),
                       (f"/users/{owner.id}/active", {"active": "0"}),
                       (f"/users/{owner.id}/delete", {})):
        response = admin.post(path, data=data)
        assert response.status_code == 409
        assert b"last active owner" in response.data
    kept = _user(db, owner.email)
    assert kept is not None and kept.role == "owner" and kept.active
    second = factories.user(db, role="owner")
    assert admin.post(f"/users/{second.id}/active", data={"active": "0"}).status_code == 302
    # A deactivated owner does not count: the signed-in owner is still the last active one.
    assert admin.post(f"/users/{owner.id}/role", data={"role": "viewer"}).status_code == 409


def test_a_deactivated_users_tokens_stop_working(app: Flask, owner: User, editor: User,
                                                 db: Session) -> None:
    _, token = create_token(db, user=editor, name="ci")
    db.commit()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/channels", headers=headers).status_code == 200
    sign_in(app.test_client(), owner).post(f"/users/{editor.id}/active", data={"active": "0"})
    assert api.get("/api/v1/channels", headers=headers).status_code == 401
    sign_in(app.test_client(), owner).post(f"/users/{editor.id}/active", data={"active": "1"})
    assert api.get("/api/v1/channels", headers=headers).status_code == 200


def test_delete_removes_the_user_and_their_tokens(app: Flask, owner: User, editor: User,
                                                  db: Session) -> None:
    create_token(db, user=editor, name="ci")
    db.commit()
    email, user_id = editor.email, editor.id
    admin = sign_in(app.test_client(), owner)
    assert admin.post(f"/users/{user_id}/delete").status_code == 302
    assert _user(db, email) is None
    assert db.exec(select(ApiToken).where(ApiToken.user_id == user_id)).first() is None


def test_reset_link_replaces_the_password_and_ends_sessions(app: Flask, owner: User,
                                                            editor: User) -> None:
    victim = sign_in(app.test_client(), editor)
    admin = sign_in(app.test_client(), owner)
    page = admin.post(f"/users/{editor.id}/reset").get_data(as_text=True)
    link = _LINK.search(page)
    assert link is not None and "24 hours" in page
    newer = _LINK.search(admin.post(f"/users/{editor.id}/reset").get_data(as_text=True))
    assert newer is not None
    assert app.test_client().get(link.group(1)).status_code == 404  # replaced by the newer one
    client: FlaskClient = app.test_client()
    assert client.post(newer.group(1), data={"new_password": "short",
                                             "confirm_password": "short"}).status_code == 422
    assert client.post(newer.group(1), data={"new_password": "brand new secret",
                                             "confirm_password": "brand new secret"}
                       ).status_code == 302
    assert victim.get("/").status_code == 302
