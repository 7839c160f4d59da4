"""The audit log: every data change recorded with who, when and before/after (issue 20)."""

import csv
import io

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, col, select

from app.models import AuditEntry, Channel, User
from tests import factories
from tests.api_support import bearer
from tests.app.views.test_channels import FORM
from tests.app.views.test_imports import upload
from tests.conftest import sign_in
from tests.edit_forms import channel_form_state


def _entries(db: Session) -> list[AuditEntry]:
    db.expire_all()
    return list(db.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


def test_a_channel_created_then_edited_on_the_web(app: Flask, editor: User, db: Session) -> None:
    client = sign_in(app.test_client(), editor)
    assert client.post("/channels/new", data=FORM).status_code == 302
    channel = db.exec(select(Channel)).one()
    state = channel_form_state(client, channel)
    edit = FORM | state | {"name": "Search (brand)", "launch_days": "9"}
    assert client.post(f"/channels/{channel.id}/edit", data=edit).status_code == 302
    created, changed = [e for e in _entries(db) if e.entity == "channel"]
    assert (created.action, created.entity, created.actor, created.via) == (
        "created", "channel", editor.email, "web")
    assert created.user_id == editor.id
    assert created.changes["after"]["name"] == FORM["name"]
    assert changed.action == "changed" and changed.entity_id == str(channel.id)
    assert changed.changes == {"name": [FORM["name"], "Search (brand)"], "launch_days": [7, 9]}
    assert changed.at >= created.at


def test_spend_saved_on_the_web(app: Flask, editor: User, db: Session) -> None:
    channel = factories.channel(db)
    client = sign_in(app.test_client(), editor)
    response = client.post(f"/channels/{channel.id}/spend/2024-01-01",
                           data={"amount": "120.50", "impressions": "", "clicks": ""})
    assert response.status_code in (200, 302)
    [entry] = [e for e in _entries(db) if e.entity == "spend"]
    assert entry.action == "created"
    assert entry.changes["after"]["amount_minor"] == 12050
    assert "2024-01-01" in entry.summary


def test_an_api_batch_is_one_entry_with_counts(app: Flask, editor: User, db: Session) -> None:
    channel = factories.channel(db)
    items = [{"external_id": f"l{i}", "channel_id": channel.id,
              "created_at": "2024-01-02T10:00:00Z"} for i in range(3)]
    response = app.test_client().post("/api/v1/leads", json=items, headers=bearer(db, editor))
    assert response.status_code == 200, response.get_json()
    [entry] = [e for e in _entries(db) if e.action == "imported"]
    assert (entry.entity, entry.via, entry.actor) == ("leads", "api", editor.email)
    assert entry.changes == {"counts": {"items": 3, "created": 3, "updated": 0}}


def test_a_web_import_is_one_entry_for_its_uploader(app: Flask, editor: User,
                                                    db: Session) -> None:
    app.config["IMPORTS_SYNCHRONOUS"] = True
    factories.channel(db, name="Google Ads")
    client = sign_in(app.test_client(), editor)
    job = upload(client, "spend", "channel,week,amount\nGoogle Ads,2024-01-01,10\n"
                 "Google Ads,2024-01-08,20\n")
    [entry] = [e for e in _entries(db) if e.action == "imported"]
    assert entry.actor == editor.email and entry.summary.startswith(f"import #{job}")
    assert entry.changes["counts"]["rows"] == 2


def test_a_rolled_back_change_leaves_no_entry(app: Flask, db: Session) -> None:
    with Session(db.get_bind()) as other:
        other.add(Channel(name="Never", kind="sem"))
        other.flush()
        written = other.exec(select(AuditEntry).where(AuditEntry.entity == "channel")).all()
        assert len(written) == 1  # written in the flush…
        other.rollback()
    assert [e for e in _entries(db) if e.entity == "channel"] == []  # …gone with the change


def test_secrets_are_never_logged(app: Flask, owner: User, db: Session) -> None:
    client = sign_in(app.test_client(), owner)
    client.post("/users", data={"email": "new@example.com", "role": "viewer",
                                "password": "a long password"})
    client.post("/tokens/", data={"name": "ci"})
    text = str([e.changes for e in _entries(db)])
    assert "(secret)" in text
    assert "argon2" not in text and "a long password" not in text


def test_owners_read_filter_and_export_the_log(app: Flask, owner: User, editor: User,
                                                db: Session) -> None:
    sign_in(app.test_client(), editor).post("/channels/new", data=FORM)
    factories.channel(db, name="Plain")  # the factory writes through the ORM too
    admin = sign_in(app.test_client(), owner)
    page = admin.get("/audit/?entity=channel&actor=" + editor.email.split("@")[0])
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert FORM["name"] in body and "Plain" not in body
    bad = admin.get("/audit/?since=yesterday")
    assert bad.status_code == 422 and "Since must be a date" in bad.get_data(as_text=True)
    exported = admin.get("/audit/audit.csv?entity=channel")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0][:5] == ["at", "actor", "via", "action", "entity"]
    assert len(rows) == 3
    assert sign_in(app.test_client(), editor).get("/audit/").status_code == 403


def test_the_api_serves_the_log_to_owners_only(app: Flask, owner: User, editor: User,
                                               db: Session) -> None:
    factories.channel(db, name="Seen")
    owner_token, editor_token = bearer(db, owner), bearer(db, editor)
    client = app.test_client()
    body = client.get("/api/v1/audit?entity=channel", headers=owner_token).get_json()
    assert [e["summary"] for e in body["entries"]] == ["channel Seen"]
    assert body["next_page"] is None
    assert client.get("/api/v1/audit", headers=editor_token).status_code == 403
    bad = client.get("/api/v1/audit?action=renamed", headers=owner_token)
    assert bad.status_code == 400 and bad.get_json()["error"]["details"]["parameter"] == "action"
    assert db.exec(select(sa.func.count()).select_from(AuditEntry)).one() >= 3


def test_extreme_filter_dates_are_refused_not_a_server_error(app: Flask, owner: User,
                                                             db: Session) -> None:
    admin = sign_in(app.test_client(), owner)
    page = admin.get("/audit/?until=9999-12-31&since=0001-01-01")
    assert page.status_code == 422
    assert "must be in the years 1970 to 9000" in page.get_data(as_text=True)
    api = app.test_client().get("/api/v1/audit?until=9999-12-31", headers=bearer(db, owner))
    assert api.status_code == 400


def test_a_quick_log_save_is_one_entry_with_its_numbers(app: Flask, editor: User,
                                                        db: Session) -> None:
    """The quick log stores through the bulk path, so it is recorded like an import."""
    from tests.app.views.test_log import W1, post

    channel = factories.channel(db, name="Podcasts")
    client = sign_in(app.test_client(), editor)
    assert post(client, channel.id or 0, W1, spend="1000", leads="5").status_code == 302
    [entry] = [e for e in _entries(db) if e.entity == "quick_log"]
    assert (entry.action, entry.actor, entry.via) == ("imported", editor.email, "web")
    assert entry.changes == {"counts": {"spend_minor": 100_000, "leads": 5, "buyers": 0}}
    assert f"week of {W1.isoformat()}" in entry.summary


def test_a_settings_change_run_in_a_thread_names_its_user(app: Flask, owner: User,
                                                          db: Session) -> None:
    """A week-start change runs in a background thread, with no request: the entry still
    names the owner who asked for it, and the before/after values."""
    import time

    from flask import g

    from app.jobs.settings_change import current_change, start_change
    from app.settings import accepted_dates
    from tests.ingest.test_roundtrip import engine_of

    engine, instance_dir = engine_of(app), app.config["INSTANCE_DIR"]
    with app.test_request_context("/settings/", method="POST"):
        g.user = owner
        start_change(engine, {"week_start": 6}, window=accepted_dates(),
                     instance_dir=instance_dir, synchronous=False)
    deadline = time.monotonic() + 60
    while not (change := current_change(engine, instance_dir)) or not change.finished:
        assert time.monotonic() < deadline, "the settings change did not finish"
        time.sleep(0.05)
    assert change.error is None
    [entry] = [e for e in _entries(db) if e.entity == "settings" and e.action == "changed"]
    assert (entry.actor, entry.user_id, entry.via) == (owner.email, owner.id, "web")
    assert entry.changes == {"week_start": [0, 6]}
