"""Channel pages, the channel form and the weekly spend grid, through the Flask test client."""

import re
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, col, func, select

from app.models import Channel, ChannelHistory, User, WeeklySpend
from channels import queries
from kernel.weeks import utcnow, week_of
from tests import factories
from tests.edit_forms import channel_form_state, spend_row_state

HX = {"HX-Request": "true"}
FORM = {
    "name": "Google Ads — long tail",
    "kind": "sem",
    "ring": "middle",
    "status": "testing",
    "launch_days": "7",
    "ice_impact": "8",
    "ice_confidence": "6",
    "ice_ease": "",
    "notes": "Exact match",
}


def _this_week() -> date:
    return week_of(utcnow().date())


def _channels(db: Session) -> list[Channel]:
    db.expire_all()
    return list(db.exec(select(Channel).order_by(col(Channel.id))).all())


def _spend_rows(db: Session) -> list[tuple[date, int, int | None, int | None]]:
    db.expire_all()
    rows = db.exec(select(WeeklySpend).order_by(col(WeeklySpend.week))).all()
    return [(r.week, r.amount_minor, r.impressions, r.clicks) for r in rows]


def _history(db: Session) -> list[tuple[str, str, int | None]]:
    db.expire_all()
    rows = db.exec(select(ChannelHistory).order_by(col(ChannelHistory.id))).all()
    return [(r.ring, r.status, r.user_id) for r in rows]


# Create and edit


def test_new_channel_form_lists_the_twenty_kinds(editor_client: FlaskClient) -> None:
    html = editor_client.get("/channels/new").get_data(as_text=True)
    kinds = re.search(r'<select id="f-kind".*?</select>', html, re.S)
    assert kinds is not None
    assert kinds.group(0).count("<option value=") == 21  # 20 kinds + the "Choose" prompt
    assert "<html" in html


def test_plain_post_creates_a_channel_and_its_first_history_row(
    editor_client: FlaskClient, editor: User, db: Session
) -> None:
    response = editor_client.post("/channels/new", data=FORM)
    [channel] = _channels(db)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/channels/{channel.id}"
    assert (channel.name, channel.kind, channel.ring, channel.status) == (
        "Google Ads — long tail",
        "sem",
        "middle",
        "testing",
    )
    assert (channel.launch_days, channel.ice_impact, channel.ice_confidence, channel.ice_ease) == (
        7,
        8,
        6,
        None,
    )
    assert _history(db) == [("middle", "testing", editor.id)]


def test_htmx_post_redirects_with_hx_redirect(editor_client: FlaskClient, db: Session) -> None:
    response = editor_client.post("/channels/new", data=FORM, headers=HX)
    [channel] = _channels(db)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/channels/{channel.id}"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Name is required."),
        ("kind", "billboards", "Choose a kind from the list."),
        ("launch_days", "-3", "Launch days must be 0 or more."),
        ("ice_ease", "11", "Ease must be between 1 and 10."),
    ],
)
def test_invalid_form_is_rerendered_with_422_and_nothing_stored(
    editor_client: FlaskClient, db: Session, field: str, value: str, message: str
) -> None:
    response = editor_client.post("/channels/new", data=FORM | {field: value}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html
    assert re.search(rf'id="f-{field}-error" role="alert">{re.escape(message)}</p>', html)
    assert 'value="Exact match"' not in html  # notes is a textarea; its text comes back
    assert "Exact match</textarea>" in html
    assert _channels(db) == []
    assert _history(db) == []


def test_invalid_plain_post_renders_the_full_page(editor_client: FlaskClient, db: Session) -> None:
    response = editor_client.post("/channels/new", data=FORM | {"name": " "})
    assert response.status_code == 422
    assert "<html" in response.get_data(as_text=True)
    assert "Name is required." in response.get_data(as_text=True)


def test_duplicate_name_is_refused_ignoring_case(editor_client: FlaskClient, db: Session) -> None:
    factories.channel(db, name="Google Ads — Long Tail")
    response = editor_client.post("/channels/new", data=FORM, headers=HX)
    assert response.status_code == 422
    assert "A channel named “Google Ads — long tail” already exists" in response.get_data(
        as_text=True
    )
    assert len(_channels(db)) == 1


def test_duplicate_name_is_reported_with_every_other_field_error(
    editor_client: FlaskClient, db: Session
) -> None:
    factories.channel(db, name="Google Ads — Long Tail")
    bad = FORM | {"launch_days": "2.5", "ice_ease": "11", "kind": "carrier_pigeon"}
    response = editor_client.post("/channels/new", data=bad, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A channel named “Google Ads — long tail” already exists" in html
    assert "Launch days must be a whole number." in html
    assert "Ease must be between 1 and 10." in html
    assert "Choose a kind from the list." in html
    assert len(_channels(db)) == 1


def test_a_duplicate_created_concurrently_is_caught_by_the_database(
    editor_client: FlaskClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    factories.channel(db, name=FORM["name"])
    monkeypatch.setattr(queries, "name_taken", lambda **_: False)  # the check ran before the insert
    response = editor_client.post("/channels/new", data=FORM, headers=HX)
    assert response.status_code == 422
    assert 'action="/channels/new"' in response.get_data(as_text=True)
    assert "was just created by someone else" in response.get_data(as_text=True)
    assert len(_channels(db)) == 1
    assert _history(db) == []


def test_edit_form_shows_current_values(editor_client: FlaskClient, db: Session) -> None:
    ch = factories.channel(db, name="Podcasts", kind="offline_ads", launch_days=30, notes="Q3")
    html = editor_client.get(f"/channels/{ch.id}/edit").get_data(as_text=True)
    assert 'value="Podcasts"' in html
    assert '<option value="offline_ads" selected>' in html
    assert 'value="30"' in html
    assert ">Q3</textarea>" in html


def test_edit_writes_history_only_when_ring_or_status_changes(
    editor_client: FlaskClient, editor: User, db: Session
) -> None:
    editor_client.post("/channels/new", data=FORM)
    [ch] = _channels(db)
    same_ring = FORM | {"name": "google ads — LONG tail", "notes": "renamed"}
    read = channel_form_state(editor_client, ch)
    assert editor_client.post(f"/channels/{ch.id}/edit", data=same_ring | read).status_code == 302
    moved = same_ring | {"ring": "inner", "status": "focus"}
    read = channel_form_state(editor_client, ch)
    assert editor_client.post(f"/channels/{ch.id}/edit", data=moved | read).status_code == 302
    [ch] = _channels(db)
    assert (ch.name, ch.ring, ch.status, ch.notes) == (
        "google ads — LONG tail",
        "inner",
        "focus",
        "renamed",
    )
    assert _history(db) == [("middle", "testing", editor.id), ("inner", "focus", editor.id)]


def test_edit_cannot_take_another_channels_name(editor_client: FlaskClient, db: Session) -> None:
    factories.channel(db, name="SEO blog")
    ch = factories.channel(db, name="Cold email")
    response = editor_client.post(f"/channels/{ch.id}/edit", data=FORM | {"name": "seo BLOG"})
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert [c.name for c in _channels(db)] == ["SEO blog", "Cold email"]


def test_unknown_channel_is_404(editor_client: FlaskClient) -> None:
    assert editor_client.get("/channels/999").status_code == 404
    assert editor_client.post("/channels/999/edit", data=FORM).status_code == 404


# Pages


def test_channel_list_and_its_filter_partial(editor_client: FlaskClient, db: Session) -> None:
    ice = {"ice_impact": 9, "ice_confidence": 6, "ice_ease": 6}
    factories.channel(db, name="Inner one", ring="inner", **ice)
    factories.channel(db, name="Outer one", ring="outer")
    html = editor_client.get("/channels/").get_data(as_text=True)
    assert html.index("Inner one") < html.index("Outer one")
    assert '<td class="num">9 · 6 · 6</td>' in html
    assert '<td class="num">7.0</td>' in html  # (9 + 6 + 6) / 3
    partial = editor_client.get("/channels/?ring=outer", headers=HX).get_data(as_text=True)
    assert "<html" not in partial
    assert "Outer one" in partial and "Inner one" not in partial


def test_channel_page_shows_numbers_history_and_grid(
    editor_client: FlaskClient, editor: User, db: Session
) -> None:
    editor_client.post("/channels/new", data=FORM)
    [ch] = _channels(db)
    week = _this_week()
    factories.spend(db, ch, week, 45_000, impressions=2_000, clicks=40)
    buyer = factories.lead(db, ch, week)
    factories.lead(db, ch, week)
    factories.purchase(db, buyer, week, 12_000)
    html = editor_client.get(f"/channels/{ch.id}").get_data(as_text=True)
    assert 'id="channel-spend">450.00 USD</span>' in html
    assert '<span class="label">CAC</span><span class="value">450.00 USD</span>' in html
    assert '<span class="label">Conversion</span><span class="value">50.0 %</span>' in html
    assert editor.email in html
    assert f'id="amount-{week}"' in html and 'value="450.00"' in html
    assert html.count('<tr id="week-') == 12
    assert f'href="/channels/{ch.id}/edit"' in html


def test_viewer_sees_no_edit_controls(viewer_client: FlaskClient, db: Session) -> None:
    ch = factories.channel(db)
    factories.spend(db, ch, _this_week(), 123_456)
    html = viewer_client.get(f"/channels/{ch.id}").get_data(as_text=True)
    assert '<input id="amount-' not in html and '<input id="f-' not in html
    assert "hx-post" not in html
    assert "/edit" not in html
    assert '<td class="num">1,234.56</td>' in html


def test_spend_partial_shows_more_weeks_and_older_data(
    editor_client: FlaskClient, db: Session
) -> None:
    ch = factories.channel(db)
    old = _this_week() - timedelta(weeks=100)
    factories.spend(db, ch, old, 500)
    response = editor_client.get(f"/channels/{ch.id}/spend?weeks=52", headers=HX)
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.count('<tr id="week-') == 52
    assert f'id="week-{old}"' not in html
    assert "?weeks=78" in html and "1 earlier week with spend hidden" in html
    html = editor_client.get(f"/channels/{ch.id}/spend?weeks=all", headers=HX).get_data(
        as_text=True)
    assert html.count('<tr id="week-') == 13 and f'id="week-{old}"' in html
    assert "weeks=all" not in html  # nothing left to show


def _grid_links(html: str) -> dict[str, str]:
    """Return the spend grid's htmx links by their text."""
    found = re.findall(r'hx-get="([^"]+)"\s+hx-target="#spend-grid"[^>]*>([^<]+)</a>', html)
    return {text: url.replace("&amp;", "&") for url, text in found}


def test_show_more_weeks_grows_a_grid_with_spend_in_every_week(
    editor_client: FlaskClient, db: Session
) -> None:
    """Issue 19, defect 4: with spend in every one of 104 weeks, "Show 26 more weeks" showed
    105 rows before and after the click. The grid starts at the last 12 weeks."""
    ch = factories.channel(db)
    for w in range(104):
        factories.spend(db, ch, _this_week() - timedelta(weeks=w), 100 + w)
    html = editor_client.get(f"/channels/{ch.id}").get_data(as_text=True)
    assert html.count('<tr id="week-') == 12
    assert 'id="spend-grid-total">' + f"{sum(100 + w for w in range(104)) / 100:,.2f}" in html
    assert 'the <a href="/spend/">weekly spend sheet</a>' in html  # every channel at once
    assert "92 earlier weeks with spend hidden" in html
    html = editor_client.get(_grid_links(html)["Show 26 more weeks"], headers=HX).get_data(
        as_text=True)
    assert html.count('<tr id="week-') == 38
    oldest = _this_week() - timedelta(weeks=37)
    assert f'id="week-{oldest}"' in html
    assert f'id="week-{oldest - timedelta(weeks=1)}"' not in html
    html = editor_client.get(_grid_links(html)["Show all"], headers=HX).get_data(as_text=True)
    assert html.count('<tr id="week-') == 104
    assert "Show all" not in html


# Spend grid writes


def _save(client: FlaskClient, ch: Channel, week: date, **cells: str) -> tuple[int, str]:
    response = client.post(f"/channels/{ch.id}/spend/{week}", data=cells, headers=HX)
    return response.status_code, response.get_data(as_text=True)


def test_saving_a_cell_upserts_the_week_and_updates_the_totals(
    editor_client: FlaskClient, db: Session
) -> None:
    ch = factories.channel(db)
    week = _this_week()
    factories.spend(db, ch, week - timedelta(weeks=1), 10_000)
    status, html = _save(editor_client, ch, week, amount="1,234.5", impressions="900", clicks="")
    assert status == 200
    assert _spend_rows(db)[-1] == (week, 123_450, 900, None)
    assert html.lstrip().startswith(f'<tr id="week-{week}"')
    assert 'value="1234.50"' in html
    assert re.search(r'id="channel-numbers"[^>]*hx-swap-oob="true"', html)
    assert 'id="channel-spend">1,334.50 USD</span>' in html
    assert '<span id="spend-grid-total" hx-swap-oob="true">1,334.50</span>' in html
    read = spend_row_state(editor_client, ch, week)
    cells = {"amount": "99", "impressions": "900", "clicks": "30"}
    status, html = _save(editor_client, ch, week, **cells, **read)
    assert status == 200
    assert _spend_rows(db)[-1] == (week, 9_900, 900, 30)
    assert len(_spend_rows(db)) == 2


def test_clearing_the_amount_deletes_the_week(editor_client: FlaskClient, db: Session) -> None:
    ch = factories.channel(db)
    week = _this_week()
    factories.spend(db, ch, week, 5_000, impressions=100)
    read = spend_row_state(editor_client, ch, week)
    status, html = _save(editor_client, ch, week, amount="", impressions="100", clicks="", **read)
    assert status == 200
    assert _spend_rows(db) == []
    assert 'id="channel-spend">0.00 USD</span>' in html


@pytest.mark.parametrize(
    ("cells", "field", "message"),
    [
        ({"amount": "-5"}, "amount", "Amount cannot be negative."),
        ({"amount": "abc"}, "amount", "Amount is not a number."),
        ({"amount": "1.234"}, "amount", "Amount is ambiguous: &#39;.&#39; may be a thousands"),
        ({"amount": "1e5"}, "amount", "Amount is not a number."),
        ({"amount": "5", "impressions": "-1"}, "impressions", "Impressions must be 0 or more."),
        ({"amount": "5", "clicks": "two"}, "clicks", "Clicks must be a whole number."),
        (
            {"amount": "5", "impressions": "10", "clicks": "20"},
            "clicks",
            "Clicks (20) cannot exceed impressions (10).",
        ),
        ({"amount": "", "clicks": "3"}, "amount", "Enter the amount first"),
    ],
)
def test_bad_cell_shows_a_message_and_stores_nothing(
    editor_client: FlaskClient, db: Session, cells: dict[str, str], field: str, message: str
) -> None:
    ch = factories.channel(db)
    other_week = _this_week() - timedelta(weeks=3)
    factories.spend(db, ch, other_week, 7_700)
    status, html = _save(editor_client, ch, _this_week(), **cells)
    assert status == 422
    assert "<html" not in html
    error = re.search(rf'id="{field}-{_this_week()}-error" role="alert">([^<]*)</p>', html)
    assert error is not None and error.group(1).startswith(message)
    assert f'value="{cells[field]}"' in html  # what was typed stays in the cell
    assert _spend_rows(db) == [(other_week, 7_700, None, None)]


def test_bad_cell_on_an_existing_week_keeps_the_stored_row(
    editor_client: FlaskClient, db: Session
) -> None:
    ch = factories.channel(db)
    week = _this_week()
    factories.spend(db, ch, week, 1_000, impressions=50, clicks=5)
    status, _ = _save(editor_client, ch, week, amount="20", impressions="50", clicks="60")
    assert status == 422
    assert _spend_rows(db) == [(week, 1_000, 50, 5)]


def test_week_must_be_a_week_start(editor_client: FlaskClient, db: Session) -> None:
    ch = factories.channel(db)
    wednesday = _this_week() + timedelta(days=2)
    status, html = _save(editor_client, ch, wednesday, amount="10")
    assert status == 400
    assert f"{wednesday} is not a week start (weeks start on Monday)." in html
    response = editor_client.post(f"/channels/{ch.id}/spend/not-a-date", data={"amount": "10"})
    assert response.status_code == 404
    assert _spend_rows(db) == []


def test_plain_post_of_a_spend_row_redirects_or_shows_the_page(
    editor_client: FlaskClient, db: Session
) -> None:
    ch = factories.channel(db)
    week = _this_week()
    response = editor_client.post(f"/channels/{ch.id}/spend/{week}", data={"amount": "12"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/channels/{ch.id}#spend"
    response = editor_client.post(f"/channels/{ch.id}/spend/{week}", data={"amount": "-1"})
    assert response.status_code == 422
    assert "<html" in response.get_data(as_text=True)
    assert "Amount cannot be negative." in response.get_data(as_text=True)
    assert _spend_rows(db) == [(week, 1_200, None, None)]


# Viewers


def test_viewer_cannot_create_edit_or_change_spend(viewer_client: FlaskClient, db: Session) -> None:
    ch = factories.channel(db, name="Untouched", ring="outer", status="idea")
    week = _this_week()
    factories.spend(db, ch, week, 3_000)
    history_before = _history(db)
    assert viewer_client.post("/channels/new", data=FORM).status_code == 403
    # the forms themselves are not shown to a viewer: nothing to fill in and lose on submit
    assert viewer_client.get("/channels/new").status_code == 403
    assert viewer_client.get(f"/channels/{ch.id}/edit").status_code == 403
    assert "/channels/new" not in viewer_client.get("/channels/").get_data(as_text=True)
    edit = FORM | {"ring": "inner"}
    assert viewer_client.post(f"/channels/{ch.id}/edit", data=edit, headers=HX).status_code == 403
    cell_url = f"/channels/{ch.id}/spend/{week}"
    assert viewer_client.post(cell_url, data={"amount": "1"}).status_code == 403
    response = viewer_client.put(cell_url, data={"amount": ""}, headers=HX)
    assert response.status_code == 403
    [stored] = _channels(db)
    assert (stored.name, stored.ring, stored.status) == ("Untouched", "outer", "idea")
    assert _spend_rows(db) == [(week, 3_000, None, None)]
    assert _history(db) == history_before
    assert db.exec(select(func.count()).select_from(Channel)).one() == 1
