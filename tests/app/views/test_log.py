"""The quick log page: a founder's aggregates become metrics everywhere; edits never duplicate."""

import re
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from app.models import Lead, Purchase, User
from tests import factories
from tests.api_support import bearer
from tests.app.views.test_channel_economics import _stat, _triangle
from tests.app.views.test_fuzz_forms import NASTY_TEXT, _form
from tests.conftest import sign_in

W1, W2 = date(2026, 3, 2), date(2026, 3, 9)
AS_OF = "2026-04-01"


def post(client: FlaskClient, channel_id: int, week: date, **fields: str) -> Any:
    """Submit the log form of a channel-week (field names as the form's: buyers.<week> …)."""
    form = {"channel": str(channel_id), "week": week.isoformat(), "spend": "0"} | {
        k.replace("__", "."): v for k, v in fields.items()}
    return client.post("/log/", data=form)


def counts(db: Session) -> tuple[int, int]:
    db.expire_all()
    leads = db.exec(select(func.count()).select_from(Lead)).one()
    return int(leads), int(db.exec(select(func.count()).select_from(Purchase)).one())


def _dashboard_row(html: str, name: str) -> list[str]:
    row = re.search(rf'<tr data-channel="{name}">(.*?)</tr>', html, re.S)
    assert row is not None
    return [re.sub(r"<[^>]+>|\s+", " ", c).strip()
            for c in re.findall(r'<td class="num[^"]*">(.*?)</td>', row.group(1), re.S)]


def test_round_trip_spend_leads_buyers_reach_every_metric(
    editor_client: FlaskClient, db: Session, editor: User
) -> None:
    ch = factories.channel(db, name="Podcasts")
    cid = ch.id or 0
    first = post(editor_client, cid, W1, spend="1000", leads="5")
    assert first.status_code == 302 and f"week={W1}" in first.headers["Location"]
    page = editor_client.get(f"/log/?channel={cid}&week=2026-03-11").get_data(as_text=True)
    assert 'name="buyers.2026-03-02"' in page and "(this week)" in page
    assert post(editor_client, cid, W2, **{"buyers__2026-03-02": "2",
                                           "revenue__2026-03-02": "600"}).status_code == 302
    assert counts(db) == (5, 2)
    html = editor_client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
    spend, leads, customers, cac = _dashboard_row(html, "Podcasts")[:4]
    assert (spend, leads, customers, cac) == ("1,000.00", "5", "2", "500.00")
    channel_page = editor_client.get(f"/channels/{cid}?as_of={AS_OF}").get_data(as_text=True)
    assert (_stat(channel_page, "CPL"), _stat(channel_page, "CAC")) == ("200.00 USD",
                                                                        "500.00 USD")
    triangle = editor_client.get(f"/channels/{cid}/triangle?as_of=2026-03-15&metric=revenue",
                                 headers={"HX-Request": "true"}).get_data(as_text=True)
    assert _triangle(triangle) == [("2026-03-02", ["1,000", "5", "0", "600"])]
    headers = bearer(db, editor)
    api = editor_client.get(f"/api/v1/metrics/channels?as_of={AS_OF}", headers=headers)
    row = next(r for r in api.get_json()["channels"] if r["channel_id"] == cid)
    assert (row["cpl"], row["cac"], row["revenue"], row["customers"]) == (200, 500, 600, 2)
    cohorts = editor_client.get(f"/api/v1/metrics/cohorts?channel_id={cid}&as_of=2026-03-15",
                                headers=headers).get_json()["cohorts"]  # fmt: skip
    assert [(c["week"], c["leads"], c["customers_by_age"], c["revenue_by_age"]) for c in cohorts
            if c["leads"]] == [("2026-03-02", 5, [0, 2], [0, 600])]  # fmt: skip
    # Editing the week to 3 buyers updates every number, with no duplicate record.
    assert post(editor_client, cid, W2, **{"buyers__2026-03-02": "3",
                                           "revenue__2026-03-02": "600"}).status_code == 302
    assert counts(db) == (5, 3)
    api = editor_client.get(f"/api/v1/metrics/channels?as_of={AS_OF}", headers=headers)
    row = next(r for r in api.get_json()["channels"] if r["channel_id"] == cid)
    assert (row["cac"], row["revenue"], row["customers"]) == (333.33, 600, 3)
    amounts = sorted(p.amount_minor for p in db.exec(select(Purchase)))
    assert amounts == [20000, 20000, 20000]


def test_the_form_opens_on_last_week_and_the_last_used_channel(
    editor_client: FlaskClient, db: Session
) -> None:
    factories.channel(db, name="Ads")
    podcasts = factories.channel(db, name="Podcasts")
    page = editor_client.get("/log/").get_data(as_text=True)
    assert re.search(r'<option value="\d+" selected>Ads</option>', page)
    assert 'id="f-spend" name="spend" inputmode="decimal" autocomplete="off" autofocus' in page
    assert post(editor_client, podcasts.id or 0, W1, spend="10").status_code == 302
    page = editor_client.get("/log/").get_data(as_text=True)
    assert re.search(r'<option value="\d+" selected>Podcasts</option>', page)


def test_bad_input_names_the_field_and_stores_nothing(
    editor_client: FlaskClient, db: Session
) -> None:
    ch = factories.channel(db, name="Podcasts")
    cid = ch.id or 0
    assert post(editor_client, cid, W1, spend="1000", leads="2").status_code == 302
    cases = [
        ({"leads": "-1"}, "leads", "New leads must be 0 or more."),
        ({"spend": ""}, "spend", "Spend is required"),
        ({"buyers__2026-03-02": "3", "revenue__2026-03-02": "30"}, "buyers.2026-03-02",
         "3 buyers in all (0 logged in other weeks) is more than the cohort&#39;s 2 leads"),
        ({"buyers__2026-03-02": "0", "revenue__2026-03-02": "30"}, "revenue.2026-03-02",
         "needs at least one buyer"),
        ({"buyers__2026-03-02": "-2"}, "buyers.2026-03-02", "must be 0 or more"),
    ]
    for fields, name, message in cases:
        response = post(editor_client, cid, W2, **fields)
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and message in html, (fields, html)
        assert f'id="f-{name}-error"' in html
    future = editor_client.post("/log/", data={"channel": str(cid), "week": "2099-01-05",
                                               "spend": "1"})  # fmt: skip
    assert future.status_code == 422 and "outside the dates" in future.get_data(as_text=True)
    next_week = date.today().toordinal() + 7
    soon = date.fromordinal(next_week).isoformat()
    later = editor_client.post("/log/", data={"channel": str(cid), "week": soon, "spend": "1"})
    assert later.status_code == 422 and "has not started yet" in later.get_data(as_text=True)
    assert counts(db) == (2, 0)


def test_a_week_changed_by_someone_else_is_a_conflict_until_saved_again(
    editor_client: FlaskClient, db: Session
) -> None:
    ch = factories.channel(db, name="Podcasts")
    cid = ch.id or 0
    page = editor_client.get(f"/log/?channel={cid}&week={W1}").get_data(as_text=True)
    loaded = re.search(r'name="tag" value="([^"]+)"', page)
    assert loaded is not None
    assert post(editor_client, cid, W1, spend="50", leads="4").status_code == 302
    mine = post(editor_client, cid, W1, spend="70", leads="1", tag=loaded.group(1))
    html = mine.get_data(as_text=True)
    assert mine.status_code == 409 and "someone else changed this week" in html
    assert "Now: 50.00" in html and "Now: 4" in html and 'value="70"' in html
    newer = re.search(r'name="tag" value="([^"]+)"', html)
    assert newer is not None and newer.group(1) != loaded.group(1)
    assert counts(db) == (4, 0)
    again = post(editor_client, cid, W1, spend="70", leads="1", tag=newer.group(1))
    assert again.status_code == 302 and counts(db) == (1, 0)


def test_viewers_see_the_log_but_cannot_save(viewer_client: FlaskClient, db: Session) -> None:
    ch = factories.channel(db, name="Podcasts")
    page = viewer_client.get("/log/").get_data(as_text=True)
    assert "Save week" not in page
    assert post(viewer_client, ch.id or 0, W1, spend="1").status_code == 403
    assert counts(db) == (0, 0)


def test_hostile_text_in_the_log_form_never_fails(app: Flask, db: Session, owner: User) -> None:
    ch = factories.channel(db, name="Podcasts")
    client = sign_in(app.test_client(), owner)
    assert post(client, ch.id or 0, W1, spend="1", leads="3").status_code == 302
    fields = st.fixed_dictionaries({
        "spend": NASTY_TEXT, "leads": NASTY_TEXT, "buyers.2026-03-02": NASTY_TEXT,
        "revenue.2026-03-02": NASTY_TEXT, "week": st.sampled_from(
            ["2026-03-09", "0001-01-01", "9999-12-31", "", "x"]), "tag": NASTY_TEXT,
        "channel": st.sampled_from([str(ch.id), "999999", "x" * 30])})  # fmt: skip

    @given(form=fields)
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)
    def send(form: dict[str, str]) -> None:
        response = client.post("/log/", data=_form(form),
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, (form, response.status_code)
        page = client.get("/log/?" + _form({"channel": form["channel"], "week": form["week"]})
                          .decode())  # fmt: skip
        assert page.status_code < 500, form

    send()
    assert counts(db)[0] <= 3
