"""PATCH /api/v1/channels/{id} with If-Match changes a channel only if nobody changed it since."""

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.models import Channel, User
from tests import factories
from tests.api_support import bearer
from tests.conftest import sign_in
from tests.edit_forms import channel_form_state
from tests.openapi_check import assert_matches_openapi

TEMPLATE = "/channels/{channel_id}"


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return document


def _patch(
    client: FlaskClient,
    spec: dict[str, Any],
    ch: Channel,
    body: Any,
    auth: dict[str, str],
    if_match: str | None = None,
):
    headers = auth | ({"If-Match": if_match} if if_match else {})
    response = client.patch(f"/api/v1/channels/{ch.id}", json=body, headers=headers)
    assert_matches_openapi(spec, "patch", TEMPLATE, response.status_code, response.get_json())
    return response


def _stored(db: Session) -> tuple[str, str, int]:
    db.expire_all()
    ch = db.exec(select(Channel)).one()
    return ch.status, ch.notes, ch.version


def test_if_match_with_the_current_etag_changes_the_channel_and_an_old_one_is_412(
    client: FlaskClient, db: Session, editor: User, spec: dict[str, Any]
) -> None:
    ch = factories.channel(db, status="testing", notes="")
    auth = bearer(db, editor)
    got = client.get(f"/api/v1/channels/{ch.id}", headers=auth)
    assert got.headers["ETag"] == f'"channel-{ch.id}-v1"'
    first = _patch(client, spec, ch, {"notes": "bids"}, auth, got.headers["ETag"])
    assert first.status_code == 200
    assert first.headers["ETag"] == f'"channel-{ch.id}-v2"'
    stale = _patch(client, spec, ch, {"status": "paused"}, auth, got.headers["ETag"])
    assert stale.status_code == 412
    error = stale.get_json()["error"]
    assert error["code"] == "precondition_failed"
    assert error["details"] == {"etag": f'"channel-{ch.id}-v2"'}
    assert _stored(db) == ("testing", "bids", 2)
    assert _patch(client, spec, ch, {"status": "paused"}, auth, "*").status_code == 200
    assert _patch(client, spec, ch, {"notes": "last"}, auth).status_code == 200  # no If-Match
    assert _stored(db) == ("paused", "last", 4)


def test_a_web_edit_between_get_and_patch_is_412(
    app: Any, client: FlaskClient, db: Session, editor: User, spec: dict[str, Any]
) -> None:
    ch = factories.channel(db, status="testing", notes="")
    auth = bearer(db, editor)
    etag = client.get(f"/api/v1/channels/{ch.id}", headers=auth).headers["ETag"]
    web = sign_in(app.test_client(), editor)
    form = {"name": ch.name, "kind": ch.kind, "ring": ch.ring, "status": "focus", "notes": ""}
    saved = web.post(f"/channels/{ch.id}/edit", data=form | channel_form_state(web, ch))
    assert saved.status_code == 302
    assert _stored(db) == ("focus", "", 2)
    assert _patch(client, spec, ch, {"notes": "x"}, auth, etag).status_code == 412
    assert _stored(db) == ("focus", "", 2)
