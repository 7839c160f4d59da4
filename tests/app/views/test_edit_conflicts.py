"""Two editors never silently overwrite each other: spend cells and channel edits (issue 12)."""

import io
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from app.db import get_engine
from app.models import Channel, User, WeeklySpend
from ingest.importer import import_file
from kernel.weeks import utcnow, week_of
from tests import factories
from tests.api_support import bearer
from tests.conftest import sign_in
from tests.edit_forms import HX, channel_form_state, read_state, spend_row_state

WEEK = week_of(utcnow().date())


def _row(db: Session) -> tuple[date, int, int | None, int | None, int]:
    db.expire_all()
    row = db.exec(select(WeeklySpend)).one()
    return row.week, row.amount_minor, row.impressions, row.clicks, row.version


def _client(app: Flask, user: User) -> FlaskClient:
    return sign_in(app.test_client(), user)


@pytest.fixture
def alice(db: Session) -> User:
    return factories.user(db, role="editor", email="alice@example.com")


@pytest.fixture
def bob(db: Session) -> User:
    return factories.user(db, role="editor", email="bob@example.com")


@pytest.fixture
def ads(db: Session) -> Channel:
    """A channel whose current week holds 46.00 and 1,000 impressions (version 1)."""
    ch = factories.channel(db, name="Google Ads")
    factories.spend(db, ch, WEEK, 4_600, impressions=1_000)
    return ch


def _cells(amount: str, impressions: str = "1000", clicks: str = "") -> dict[str, str]:
    return {"amount": amount, "impressions": impressions, "clicks": clicks}


def _post_cells(client: FlaskClient, ch: Channel, data: dict[str, str], hx: bool = True):
    return client.post(f"/channels/{ch.id}/spend/{WEEK}", data=data, headers=HX if hx else {})


# Spend cells


def test_second_save_of_a_cell_is_a_conflict_and_changes_nothing(
    app: Flask, db: Session, ads: Channel, alice: User, bob: User
) -> None:
    first, second = _client(app, alice), _client(app, bob)
    read_first, read_second = spend_row_state(first, ads, WEEK), spend_row_state(second, ads, WEEK)
    saved = _post_cells(first, ads, _cells("111.11", "5000") | read_first)
    assert saved.status_code == 200
    assert _row(db) == (WEEK, 11_111, 5_000, None, 2)
    refused = _post_cells(second, ads, _cells("222.22") | read_second)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "<html" not in html and html.lstrip().startswith(f'<tr id="week-{WEEK}"')
    assert f'id="amount-{WEEK}-conflict">Now 111.11</p>' in html
    assert "Not saved: changed by alice@example.com at " in html
    assert f'id="amount-{WEEK}"' in html and 'value="222.22"' in html  # what bob typed stays
    assert 'value="5000"' in html  # the cell bob did not change shows alice's newer value
    assert 'name="overwrite" value="2"' in html
    assert f'hx-get="/channels/{ads.id}/spend/{WEEK}">Keep theirs</a>' in html
    assert _row(db) == (WEEK, 11_111, 5_000, None, 2)


@pytest.mark.parametrize("form", ["as re-rendered", "as first read"])
def test_overwrite_stores_only_the_changed_cell(
    app: Flask, db: Session, ads: Channel, alice: User, bob: User, form: str
) -> None:
    first, second = _client(app, alice), _client(app, bob)
    read_first, read_second = spend_row_state(first, ads, WEEK), spend_row_state(second, ads, WEEK)
    _post_cells(first, ads, _cells("111.11", "5000") | read_first)
    refused = _post_cells(second, ads, _cells("222.22") | read_second).get_data(as_text=True)
    if form == "as re-rendered":
        again = _cells("222.22", "5000") | read_state(refused)
    else:  # bob's stale form, impressions still 1000: unchanged by him, so not written
        again = _cells("222.22") | read_second
    assert _post_cells(second, ads, again | {"overwrite": "2"}).status_code == 200
    assert _row(db) == (WEEK, 22_222, 5_000, None, 3)


def test_resaving_a_conflicted_row_without_overwrite_is_refused_again(
    app: Flask, db: Session, ads: Channel, alice: User, bob: User
) -> None:
    first, second = _client(app, alice), _client(app, bob)
    read_first, read_second = spend_row_state(first, ads, WEEK), spend_row_state(second, ads, WEEK)
    _post_cells(first, ads, _cells("111.11") | read_first)
    refused = _post_cells(second, ads, _cells("222.22") | read_second).get_data(as_text=True)
    again = _post_cells(second, ads, _cells("222.22", clicks="7") | read_state(refused))
    assert again.status_code == 409
    assert _row(db) == (WEEK, 11_111, 1_000, None, 2)


def test_an_overwrite_of_a_version_that_is_no_longer_the_newest_is_refused(
    app: Flask, db: Session, ads: Channel, alice: User, bob: User
) -> None:
    first, second = _client(app, alice), _client(app, bob)
    read_second = spend_row_state(second, ads, WEEK)
    _post_cells(first, ads, _cells("111.11") | spend_row_state(first, ads, WEEK))
    refused = _post_cells(second, ads, _cells("222.22") | read_second).get_data(as_text=True)
    _post_cells(first, ads, _cells("333.33") | spend_row_state(first, ads, WEEK))
    late = _post_cells(second, ads, _cells("222.22") | read_state(refused) | {"overwrite": "2"})
    assert late.status_code == 409
    assert f'id="amount-{WEEK}-conflict">Now 333.33</p>' in late.get_data(as_text=True)
    assert _row(db) == (WEEK, 33_333, 1_000, None, 3)


def test_two_quick_saves_from_one_row_do_not_conflict_with_each_other(
    editor_client: FlaskClient, db: Session, ads: Channel
) -> None:
    read = spend_row_state(editor_client, ads, WEEK)
    assert _post_cells(editor_client, ads, _cells("111.11") | read).status_code == 200
    # the second cell's save left before the first answer arrived: same read state
    second = _post_cells(editor_client, ads, _cells("111.11", "5000") | read)
    assert second.status_code == 200
    assert _row(db) == (WEEK, 11_111, 5_000, None, 3)


def test_a_week_deleted_meanwhile_is_a_conflict(
    app: Flask, db: Session, ads: Channel, alice: User, bob: User
) -> None:
    first, second = _client(app, alice), _client(app, bob)
    read_second = spend_row_state(second, ads, WEEK)
    _post_cells(first, ads, _cells("", "") | spend_row_state(first, ads, WEEK))
    refused = _post_cells(second, ads, _cells("222.22") | read_second)
    assert refused.status_code == 409
    assert "Not saved: deleted" in refused.get_data(as_text=True)
    assert db.exec(select(WeeklySpend)).all() == []
    again = read_state(refused.get_data(as_text=True)) | {"overwrite": "0"}
    assert _post_cells(second, ads, _cells("222.22", "") | again).status_code == 200
    assert _row(db) == (WEEK, 22_222, None, None, 1)


def test_keep_theirs_reloads_the_row_as_stored_now(
    app: Flask, db: Session, ads: Channel, alice: User, bob: User
) -> None:
    first, second = _client(app, alice), _client(app, bob)
    _post_cells(first, ads, _cells("111.11") | spend_row_state(first, ads, WEEK))
    response = second.get(f"/channels/{ads.id}/spend/{WEEK}", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="week-{WEEK}"') and 'value="111.11"' in html
    assert read_state(html)["version"] == "2"
    plain = second.get(f"/channels/{ads.id}/spend/{WEEK}")
    assert plain.status_code == 302 and plain.headers["Location"] == f"/channels/{ads.id}#spend"


def test_without_javascript_the_page_shows_the_conflict_and_overwrite_works(
    app: Flask, db: Session, ads: Channel, alice: User, bob: User
) -> None:
    first, second = _client(app, alice), _client(app, bob)
    read_second = spend_row_state(second, ads, WEEK)
    _post_cells(first, ads, _cells("111.11") | spend_row_state(first, ads, WEEK), hx=False)
    refused = _post_cells(second, ads, _cells("222.22") | read_second, hx=False)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "<html" in html and "Now 111.11" in html
    assert f'<button type="submit" class="small" form="spend-{WEEK}" name="overwrite"' in html
    row = re.search(rf'<tr id="week-{WEEK}".*?</tr>', html, re.S)
    assert row is not None
    overwrite = _cells("222.22") | read_state(row.group(0)) | {"overwrite": "2"}
    assert _post_cells(second, ads, overwrite, hx=False).status_code == 302
    assert _row(db) == (WEEK, 22_222, 1_000, None, 3)


def test_a_csv_import_between_read_and_save_is_a_conflict(
    app: Flask, db: Session, ads: Channel, editor_client: FlaskClient
) -> None:
    read = spend_row_state(editor_client, ads, WEEK)
    text = f"channel,week,amount,impressions\nGoogle Ads,{WEEK},46.00,1200\n"
    with app.app_context():
        assert import_file(get_engine(), "spend", io.BytesIO(text.encode())).ok
    assert _row(db) == (WEEK, 4_600, 1_200, None, 2)
    refused = _post_cells(editor_client, ads, _cells("50.00") | read)
    assert refused.status_code == 409
    assert f'id="impressions-{WEEK}-conflict">Now 1,200</p>' in refused.get_data(as_text=True)
    assert _row(db) == (WEEK, 4_600, 1_200, None, 2)


def test_an_api_write_between_read_and_save_is_a_conflict(
    app: Flask, db: Session, ads: Channel, editor: User, editor_client: FlaskClient
) -> None:
    read = spend_row_state(editor_client, ads, WEEK)
    api = app.test_client().put(
        f"/api/v1/channels/{ads.id}/spend",
        json=[{"week": WEEK.isoformat(), "amount": 99.5, "impressions": 1_000}],
        headers=bearer(db, editor),
    )
    assert api.status_code == 200 and api.get_json() == {"created": 0, "updated": 1}
    refused = _post_cells(editor_client, ads, _cells("50.00") | read)
    assert refused.status_code == 409
    assert f'id="amount-{WEEK}-conflict">Now 99.50</p>' in refused.get_data(as_text=True)
    assert _row(db) == (WEEK, 9_950, 1_000, None, 2)


def test_imports_raise_the_version_of_changed_weeks_only(
    app: Flask, db: Session, ads: Channel
) -> None:
    older = WEEK - timedelta(weeks=2)
    factories.spend(db, ads, older, 700)
    text = (
        f"channel,week,amount,impressions\nGoogle Ads,{WEEK},46.00,1000\nGoogle Ads,{older},8,\n"
    )
    with app.app_context():
        result = import_file(get_engine(), "spend", io.BytesIO(text.encode()))
        assert (result.created, result.updated) == (0, 1)
        assert import_file(get_engine(), "spend", io.BytesIO(text.encode())).updated == 0
    db.expire_all()
    rows = db.exec(select(WeeklySpend).order_by(col(WeeklySpend.week))).all()
    assert [(r.week, r.amount_minor, r.version) for r in rows] == [
        (older, 800, 2),
        (WEEK, 4_600, 1),
    ]
    assert rows[0].updated_at is not None and rows[0].updated_by_id is None
    assert rows[1].updated_at is None


# Channel edits


def _edit(client: FlaskClient, ch: Channel, data: dict[str, str], hx: bool = True):
    return client.post(f"/channels/{ch.id}/edit", data=data, headers=HX if hx else {})


def _form(ch: Channel, **changes: str) -> dict[str, str]:
    values = {"name": ch.name, "kind": ch.kind, "ring": ch.ring, "status": ch.status,
              "launch_days": "", "ice_impact": "", "ice_confidence": "", "ice_ease": "",
              "notes": ch.notes}  # fmt: skip
    return values | changes


def _channel(db: Session) -> tuple[str, str, str, int]:
    db.expire_all()
    ch = db.exec(select(Channel).order_by(col(Channel.id))).one()
    return ch.ring, ch.status, ch.notes, ch.version


def test_second_channel_edit_is_a_conflict_and_overwrite_keeps_the_other_fields(
    app: Flask, db: Session, alice: User, bob: User
) -> None:
    ch = factories.channel(db, ring="middle", status="testing", notes="")
    first, second = _client(app, alice), _client(app, bob)
    read_first, read_second = channel_form_state(first, ch), channel_form_state(second, ch)
    assert _edit(first, ch, _form(ch, notes="Exact match only") | read_first).status_code == 204
    refused = _edit(second, ch, _form(ch, ring="inner", status="focus") | read_second)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "<html" not in html and html.lstrip().startswith("<form")
    assert "someone else changed this channel by alice@example.com at " in html
    assert "<li>Notes: now <strong>Exact match only</strong></li>" in html
    assert ">Exact match only</textarea>" in html  # unchanged by bob: the newer notes
    assert '<option value="inner" selected>' in html  # bob's change stays in the form
    assert _channel(db) == ("middle", "testing", "Exact match only", 2)
    overwrite = _form(ch, ring="inner", status="focus") | read_second | {"overwrite": "2"}
    assert _edit(second, ch, overwrite).status_code == 204
    assert _channel(db) == ("inner", "focus", "Exact match only", 3)


def test_an_api_patch_between_read_and_save_is_a_conflict(
    app: Flask, db: Session, editor: User, editor_client: FlaskClient
) -> None:
    ch = factories.channel(db, ring="middle", status="testing")
    read = channel_form_state(editor_client, ch)
    api = app.test_client().patch(
        f"/api/v1/channels/{ch.id}", json={"status": "paused"}, headers=bearer(db, editor)
    )
    assert api.status_code == 200
    refused = _edit(editor_client, ch, _form(ch, notes="mine") | read, hx=False)
    assert refused.status_code == 409
    assert "<html" in refused.get_data(as_text=True)
    assert "<li>Status: now <strong>paused</strong></li>" in refused.get_data(as_text=True)
    assert _channel(db) == ("middle", "paused", "", 2)
