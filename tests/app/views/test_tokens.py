"""API tokens page: create (shown once), list and revoke; owners manage everyone's tokens."""

import re

from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from app.accounts.users import create_token
from app.models import ApiToken, User
from tests import factories
from tests.conftest import sign_in

_TOKEN = re.compile(r'<code class="token">([^<]+)</code>')




def _api_status(client: FlaskClient, token: str) -> int:
    """Return the status of an authenticated API read with `token`."""
    return client.get("/api/v1/channels", headers={"Authorization": f"Bearer {token}"}).status_code


def _tokens(db: Session) -> list[ApiToken]:
    db.expire_all()
    return list(db.exec(select(ApiToken).order_by(col(ApiToken.id))))


def test_viewer_creates_a_token_shown_once_that_the_api_accepts(
    viewer_client: FlaskClient, db: Session, viewer: User
) -> None:
    response = viewer_client.post("/tokens/", data={"name": "  CRM   sync "})
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    found = _TOKEN.findall(page)
    assert len(found) == 1
    token = found[0]
    [row] = _tokens(db)
    assert (row.user_id, row.name, row.prefix) == (viewer.id, "CRM sync", token[:12])
    assert _api_status(viewer_client, token) == 200
    listing = viewer_client.get("/tokens/").get_data(as_text=True)
    assert token not in listing
    assert "CRM sync" in listing and f"{token[:12]}…" in listing
    assert "Never" not in listing  # the API call above set its last-used time


def test_blank_name_is_refused_without_creating_a_token(
    editor_client: FlaskClient, db: Session
) -> None:
    response = editor_client.post("/tokens/", data={"name": "  "}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give the token a name of 1 to 120 characters." in page
    assert "<html" not in page  # the htmx partial alone
    assert _tokens(db) == []


def test_revoking_a_token_makes_the_api_refuse_it(
    editor_client: FlaskClient, db: Session, editor: User
) -> None:
    row, token = create_token(db, user=editor, name="script")
    db.commit()
    assert _api_status(editor_client, token) == 200
    response = editor_client.post(f"/tokens/{row.id}/revoke")
    assert response.status_code == 302 and response.location == "/tokens/"
    assert _tokens(db)[0].revoked_at is not None
    assert _api_status(editor_client, token) == 401
    assert "Revoked" in editor_client.get("/tokens/").get_data(as_text=True)


def test_users_see_and_revoke_only_their_own_tokens_unless_owner(
    client: FlaskClient, db: Session, editor: User, viewer: User, owner: User
) -> None:
    editors, editor_token = create_token(db, user=editor, name="editor-script")
    viewers, viewer_token = create_token(db, user=viewer, name="viewer-script")
    db.commit()
    sign_in(client, viewer)
    listing = client.get("/tokens/").get_data(as_text=True)
    assert "viewer-script" in listing and "editor-script" not in listing
    assert client.post(f"/tokens/{editors.id}/revoke").status_code == 403
    assert client.post("/tokens/987654/revoke").status_code == 404
    assert _api_status(client, editor_token) == 200
    sign_in(client, owner)
    listing = client.get("/tokens/").get_data(as_text=True)
    assert "viewer-script" in listing and "editor-script" in listing
    assert editor.email in listing and viewer.email in listing
    assert client.post(f"/tokens/{viewers.id}/revoke").status_code == 302
    assert _api_status(client, viewer_token) == 401
    assert _api_status(client, editor_token) == 200


def test_the_top_bar_links_to_tokens(editor_client: FlaskClient) -> None:
    page = editor_client.get("/tokens/").get_data(as_text=True)
    assert '<a href="/tokens/" aria-current="page">Tokens</a>' in page


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, db: Session) -> None:
    factories.channel(db, name="Ads")
    response = client.get("/tokens/")
    assert response.status_code == 302 and "/login" in response.location
