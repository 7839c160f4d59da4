"""No request makes a page fail or costs unbounded memory: size limits and unstorable text."""

import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.config import from_environment
from app.db import get_session
from app.models import Channel, Lead, User
from tests import factories
from tests.api_support import bearer
from tests.conftest import sign_in

SURROGATE = '"\\ud800"'  # JSON text: the escape of an unpaired surrogate


@pytest.fixture
def api(client: FlaskClient, db: Session, owner: User) -> tuple[FlaskClient, dict[str, str]]:
    return client, bearer(db, owner)


def _post_json(api: tuple[FlaskClient, dict[str, str]], path: str, text: str) -> object:
    client, headers = api
    return client.post(path, data=text, headers=headers, content_type="application/json")


def test_body_limits_have_safe_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAX_CONTENT_LENGTH", raising=False)
    monkeypatch.delenv("MAX_UPLOAD_BYTES", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x")
    config = from_environment()
    assert config["MAX_CONTENT_LENGTH"] == 16 * 2**20
    assert config["MAX_UPLOAD_BYTES"] == 512 * 2**20
    assert config["CSV_MAX_COLUMNS"] == 200
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "3M")
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "1000")
    config = from_environment()
    assert (config["MAX_CONTENT_LENGTH"], config["MAX_UPLOAD_BYTES"]) == (3 * 2**20, 1000)


def test_an_api_body_over_the_limit_is_a_json_413(app: Flask, api, db: Session) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2048
    notes = "n" * 4000
    body = json.dumps({"name": "Big", "kind": "seo", "notes": notes})
    response = _post_json(api, "/api/v1/channels", body)
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload_too_large"
    assert error["details"] == {"max_bytes": 2048}
    assert "larger than the 2,048 bytes this server accepts" in error["message"]
    assert db.exec(select(Channel)).all() == []


def test_a_web_form_over_the_limit_gets_a_page(app: Flask, client: FlaskClient, owner) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2048
    sign_in(client, owner)
    form = {"name": "Big", "kind": "seo", "notes": "n" * 4000}
    response = client.post("/channels/new", data=form)
    assert response.status_code == 413
    assert "larger than the 2,048 bytes this server accepts" in response.get_data(as_text=True)


def _upload(text: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(text.encode()), "spend.csv"


def test_uploads_have_their_own_larger_limit(app: Flask, client: FlaskClient, owner) -> None:
    app.config.update(MAX_CONTENT_LENGTH=1024, MAX_UPLOAD_BYTES=8192, IMPORTS_SYNCHRONOUS=True)
    sign_in(client, owner)
    text = "channel,week,amount\n" + "".join(f"Nowhere,2024-03-04,{i}\n" for i in range(150))
    assert 2048 < len(text) < 7000
    fits = client.post("/imports/", data={"kind": "spend", "file": _upload(text)})
    assert fits.status_code == 303  # accepted (the file's problems are the job's business)
    big = text * 3
    refused = client.post("/imports/", data={"kind": "spend", "file": _upload(big)})
    assert refused.status_code == 413
    assert "larger than the 8,192 bytes" in refused.get_data(as_text=True)


def test_deeply_nested_json_is_a_400(api) -> None:
    response = _post_json(api, "/api/v1/leads", "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["message"] == "The request body is not valid JSON."
    assert "nested too deeply" in error["details"]["reason"]


def test_an_unpaired_surrogate_in_a_channel_is_refused_naming_the_field(api, db: Session) -> None:
    body = '{"name": ' + SURROGATE + ', "kind": "seo"}'
    response = _post_json(api, "/api/v1/channels", body)
    assert response.status_code == 422
    assert "unpaired surrogate" in response.get_json()["error"]["details"]["fields"]["name"]
    notes = '{"name": "Ok", "kind": "seo", "notes": "a\\u0000b"}'
    response = _post_json(api, "/api/v1/channels", notes)
    assert response.status_code == 422
    assert "NUL character" in response.get_json()["error"]["details"]["fields"]["notes"]
    assert db.exec(select(Channel)).all() == []


def _lead(channel: Channel, **fields: object) -> dict[str, object]:
    return {"external_id": "L1", "channel_id": channel.id, "created_at": "2026-01-05", **fields}


def test_unstorable_lead_text_is_refused_naming_the_field(api, db: Session) -> None:
    channel = factories.channel(db, name="Ads")
    items = [
        _lead(channel, attributes={"industry": "\ud800"}),
        _lead(channel, external_id="a\x00b"),
        _lead(channel, external_id="L3", attributes={"re\x00gion": "EU"}),
    ]
    body = json.dumps(items)  # ensure_ascii writes the surrogate as \ud800
    response = _post_json(api, "/api/v1/leads", body)
    assert response.status_code == 422
    errors = {(e["index"], e["field"]): e["message"] for e in response.get_json()["errors"]}
    assert "unpaired surrogate" in errors[(0, "attributes.industry")]
    assert "NUL character" in errors[(1, "external_id")]
    assert "NUL character" in errors[(2, "attributes")]
    assert db.exec(select(Lead)).all() == []


def test_a_nul_in_a_web_form_is_a_400_naming_the_field(client: FlaskClient, owner, db) -> None:
    sign_in(client, owner)
    response = client.post("/channels/new", data={"name": "Ads\x00", "kind": "seo"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "field &#39;name&#39; contains a NUL character" in page
    assert db.exec(select(Channel)).all() == []


def test_a_nul_in_a_query_parameter_is_a_400(client: FlaskClient, api) -> None:
    response = api[0].get("/api/v1/compare?a=segment:industry%3Dx%00&b=channel:1", headers=api[1])
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {"parameter": "a"}


def test_an_error_page_renders_after_a_failed_flush(app: Flask, owner: User, db) -> None:
    factories.channel(db, name="Taken")

    @app.post("/test-failed-flush")
    def failed_flush() -> str:
        session = get_session()
        session.add(Channel(name="Taken", kind="seo"))
        session.flush()  # violates the unique name: the session now needs a rollback
        return "stored"

    client = sign_in(app.test_client(), owner)
    response = client.post("/test-failed-flush")
    assert response.status_code == 500
    assert "nothing was saved" in response.get_data(as_text=True)


HUGE = "9" * 20


@pytest.mark.parametrize(
    "part", [f"channel:{HUGE}", f"test:{HUGE}", "channel:²", "test:" + "9" * 5000]
)
def test_compare_refuses_ids_no_record_can_have(api, client: FlaskClient, owner, part: str) -> None:
    query = f"a={part}&b=channel:1&metric=conversion"
    response = api[0].get(f"/api/v1/compare?{query}", headers=api[1])
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["parameter"] == "a"
    page = sign_in(client, owner).get(f"/compare/?{query}")
    assert page.status_code == 400


def test_huge_numbers_in_page_parameters_are_harmless(api, client, owner, db) -> None:
    channel = factories.channel(db, name="Ads")
    digits = "9" * 5000
    web = sign_in(client, owner)
    assert web.get(f"/channels/{channel.id}?weeks={digits}&cohorts={digits}").status_code == 200
    assert web.get(f"/channels/{channel.id}?weeks=²&cohorts=³").status_code == 200
    odd = api[0].get("/api/v1/metrics/cohorts?channel_id=²", headers=api[1])
    assert odd.status_code == 400
    huge = api[0].get(f"/api/v1/metrics/cohorts?channel_id={digits}", headers=api[1])
    assert huge.status_code == 404


def test_a_nul_in_a_parameter_name_is_shown_escaped(api) -> None:
    response = api[0].get("/api/v1/channels?ri%00ng=outer", headers=api[1])
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["details"] == {"parameter": "ri\\x00ng"}
    assert error["message"] == (
        "The query parameter 'ri\\x00ng' contains a NUL character (\\x00), which cannot be stored."
    )


def test_the_import_page_states_the_limits(app: Flask, client: FlaskClient, owner) -> None:
    app.config.update(MAX_UPLOAD_BYTES=3 * 2**20, CSV_MAX_COLUMNS=120)
    page = sign_in(client, owner).get("/imports/").get_data(as_text=True)
    text = " ".join(page.split())
    assert "Files up to 3 MB with at most 120 columns and no line over 1 MB" in text
    assert "at most 50 attributes with values of at most 1,000 characters" in text
    assert "external ids have at most 200 characters" in text
