"""The tests board on both databases: create with inline errors, start, evaluate, decide."""

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.models import Channel, ChannelHistory, Lead, User
from experiments.models import Experiment
from kernel.weeks import week_of
from tests import factories
from tests.conftest import sign_in

HX = {"HX-Request": "true"}
START = week_of(date.today()) - timedelta(weeks=3)
FORM = {"name": "LinkedIn — CFO message", "channel_id": "new",
        "new_channel_name": "LinkedIn Ads", "new_channel_kind": "social_display_ads",
        "audience": "CFOs", "message": "Close the books faster", "hypothesis": "CFOs convert",
        "varies": "message", "start_date": START.isoformat(),
        "end_date": (START + timedelta(days=27)).isoformat(), "budget_cap": "1,000.00",
        "max_cac": "300", "min_leads": "5", "min_customers": "", "min_conversion": "10",
        "min_ltv_to_cac": "", "payback_weeks": ""}


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_create_with_a_new_channel_idea_then_start_and_evaluate(
    app: Flask, db: Session, editor_client: FlaskClient
) -> None:
    response = editor_client.post("/tests/new", data=FORM, headers=HX)
    assert response.status_code == 204, response.get_data(as_text=True)
    test = db.exec(select(Experiment)).one()
    channel = db.get(Channel, test.channel_id)
    assert channel is not None
    assert (channel.name, channel.kind, channel.ring, channel.status) == (
        "LinkedIn Ads", "social_display_ads", "outer", "idea")
    assert (test.status, test.varies, test.budget_cap_minor, test.max_cac_minor) == (
        "planned", "message", 100_000, 30_000)
    assert test.min_conversion == 0.10 and test.min_leads == 5
    assert response.headers["HX-Redirect"] == f"/tests/{test.id}"
    assert "Planned: the evaluation starts" in editor_client.get(f"/tests/{test.id}").get_data(
        as_text=True)

    assert editor_client.post(f"/tests/{test.id}/start").status_code == 302
    db.refresh(channel)
    assert (channel.ring, channel.status) == ("middle", "testing")
    factories.spend(db, channel, START, 40_000)
    factories.spend(db, channel, START + timedelta(days=7), 80_000)
    leads = [factories.lead(db, channel, START + timedelta(days=1), experiment_id=test.id)
             for _ in range(6)]
    factories.purchase(db, leads[0], START + timedelta(days=2), 50_000)
    html = editor_client.get(f"/tests/{test.id}").get_data(as_text=True)
    text = _text(html)
    # 1,200.00 spent of a 1,000.00 cap, 6 leads, 1 customer (CAC 1,200.00).
    assert "1,200.00 USD of 1,000.00 USD (120 %) — over budget" in text
    assert "needs a decision over budget" in text
    assert "leads ≥ 5 met 6 so far" in text
    assert "CAC ≤ 300.00 USD not enough data 1 of 5 customers needed for a call" in text
    assert "conversion ≥ 10.0 % not enough data 6 of 30 leads needed for a call" in text
    board = _text(editor_client.get("/tests/").get_data(as_text=True))
    assert re.search(r"Running \(1\) LinkedIn — CFO message", board)


def test_form_errors_are_shown_inline_and_nothing_is_stored(
    app: Flask, db: Session, editor_client: FlaskClient
) -> None:
    bad = FORM | {"name": "", "end_date": (START - timedelta(days=1)).isoformat(),
                  "budget_cap": "-5", "min_conversion": "150", "new_channel_kind": "tv",
                  "start_date": "9999-12-31"}
    response = editor_client.post("/tests/new", data=bad, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-name-error"' in html and "Name is required." in html
    assert "Budget cap cannot be negative." in html
    assert "Min conversion must be a number from 0 to 100." in html
    assert "Choose the new channel&#39;s kind from the list." in html
    assert "Start date &#39;9999-12-31&#39; is outside the dates Bullseye accepts" in html
    assert db.exec(select(Experiment)).all() == [] and db.exec(select(Channel)).all() == []
    before = FORM | {"start_date": START.isoformat(),
                     "end_date": (START - timedelta(days=1)).isoformat()}
    html = editor_client.post("/tests/new", data=before, headers=HX).get_data(as_text=True)
    assert f"End date {START - timedelta(days=1)} is before the start date {START}." in html


def _running(db: Session) -> tuple[Channel, Experiment]:
    channel = factories.channel(db, name="Webinars", kind="content_marketing", ring="middle",
                                status="testing")
    test = factories.channel_test(db, name="Pricing webinar", channel_id=channel.id or 0,
                                  start_date=START, end_date=START + timedelta(days=13),
                                  min_leads=1)
    return channel, test


def test_viewer_cannot_decide(app: Flask, db: Session, viewer_client: FlaskClient) -> None:
    channel, test = _running(db)
    response = viewer_client.post(f"/tests/{test.id}/decision",
                                  data={"decision": "scale", "note": "go"}, headers=HX)
    assert response.status_code == 403
    for action in ("start", "complete", "delete"):
        assert viewer_client.post(f"/tests/{test.id}/{action}").status_code == 403
    assert viewer_client.post("/tests/new", data=FORM).status_code == 403
    db.refresh(test)
    db.refresh(channel)
    assert (test.decision, test.status) == (None, "running")
    assert (channel.ring, channel.status) == ("middle", "testing")
    assert db.exec(select(ChannelHistory)).all() == []
    assert "Record the decision" not in viewer_client.get(f"/tests/{test.id}").get_data(
        as_text=True)


def test_scale_moves_the_channel_and_the_channel_page_shows_why(
    app: Flask, db: Session, client: FlaskClient, owner: User
) -> None:
    channel, test = _running(db)
    sign_in(client, owner)
    missing = client.post(f"/tests/{test.id}/decision", data={"note": "x"}, headers=HX)
    assert missing.status_code == 422 and "Choose scale, iterate or kill." in missing.get_data(
        as_text=True)
    response = client.post(f"/tests/{test.id}/decision",
                           data={"decision": "scale", "note": "CAC well under target"},
                           headers=HX)
    assert response.status_code == 204
    db.refresh(channel)
    db.refresh(test)
    assert (channel.ring, channel.status) == ("inner", "focus")
    assert (test.decision, test.decided_by_id, test.status) == ("scale", owner.id, "completed")
    assert test.decided_on == datetime.now(UTC).date()  # today in the install's zone (UTC)
    page = _text(client.get(f"/channels/{channel.id}").get_data(as_text=True))
    assert f"inner focus {owner.email} decision scale on Pricing webinar" in page
    shown = _text(client.get(f"/tests/{test.id}").get_data(as_text=True))
    assert f"Scale on {test.decided_on} by {owner.email}: CAC well under target" in shown
    again = client.post(f"/tests/{test.id}/decision", data={"decision": "kill"}, headers=HX)
    assert again.status_code == 422


def test_iterate_opens_the_pre_filled_follow_up(
    app: Flask, db: Session, editor_client: FlaskClient
) -> None:
    _, test = _running(db)
    response = editor_client.post(f"/tests/{test.id}/decision",
                                  data={"decision": "iterate", "note": "new title"})
    follow = db.exec(select(Experiment).where(Experiment.parent_id == test.id)).one()
    assert response.headers["Location"] == f"/tests/{follow.id}/edit"
    form = editor_client.get(f"/tests/{follow.id}/edit").get_data(as_text=True)
    assert 'value="Pricing webinar (iteration)"' in form and 'name="min_leads"' in form
    assert _text(editor_client.get(f"/tests/{follow.id}").get_data(as_text=True)).count(
        "Follows Pricing webinar") == 1
    bullseye = _text(editor_client.get("/bullseye/").get_data(as_text=True))
    assert "Test “Pricing webinar” on Webinars was decided: iterate" not in bullseye
    db.delete(follow)
    db.commit()
    bullseye = _text(editor_client.get("/bullseye/").get_data(as_text=True))
    assert "Test “Pricing webinar” on Webinars was decided: iterate on" in bullseye


def test_leads_join_a_test_through_its_form_all_or_nothing(
    app: Flask, db: Session, editor_client: FlaskClient
) -> None:
    channel, test = _running(db)
    day = START + timedelta(days=1)
    bad = editor_client.post(f"/tests/{test.id}/leads", headers=HX,
                             data={"leads": f"w-1, {day}\n\nw-2, 0001-01-01\nw-3"})
    html = unescape(bad.get_data(as_text=True))
    assert bad.status_code == 422
    assert "Lead 3 (w-3): write the external id, a comma and the date." in html
    assert db.exec(select(Lead)).all() == []
    bad = editor_client.post(f"/tests/{test.id}/leads", headers=HX,
                             data={"leads": f"w-1, {day}\nw-2, 0001-01-01"})
    assert bad.status_code == 422
    assert "Lead 2: created at '0001-01-01' is outside the dates Bullseye accepts" in unescape(
        bad.get_data(as_text=True))
    assert db.exec(select(Lead)).all() == []
    good = editor_client.post(f"/tests/{test.id}/leads", headers=HX,
                              data={"leads": f"w-1, {day}\nw-2, {day}T09:30"})
    assert good.status_code == 204
    leads = db.exec(select(Lead).order_by(Lead.external_id)).all()
    assert [(x.external_id, x.channel_id, x.experiment_id) for x in leads] == [
        ("w-1", channel.id, test.id), ("w-2", channel.id, test.id)]
    page = _text(editor_client.get(f"/tests/{test.id}").get_data(as_text=True))
    assert "Leads 2 Customers 0" in page


def test_edit_complete_and_delete(app: Flask, db: Session, editor_client: FlaskClient) -> None:
    channel, test = _running(db)
    form = editor_client.get(f"/tests/{test.id}/edit").get_data(as_text=True)
    assert 'value="Pricing webinar"' in form
    assert f'<option value="{channel.id}" selected>' in form
    changed = {"name": "Pricing webinar v2", "channel_id": str(channel.id), "varies": "audience",
               "start_date": START.isoformat(), "min_customers": "3", "budget_cap": "12.5"}
    response = editor_client.post(f"/tests/{test.id}/edit", data=changed, headers=HX)
    assert response.status_code == 204
    db.refresh(test)
    assert (test.name, test.varies, test.end_date, test.min_customers, test.min_leads,
            test.budget_cap_minor) == ("Pricing webinar v2", "audience", None, 3, None, 1_250)
    assert editor_client.post(f"/tests/{test.id}/start").status_code == 409
    assert editor_client.post(f"/tests/{test.id}/complete").status_code == 302
    db.refresh(test)
    assert test.status == "completed"
    board = editor_client.get("/tests/?as_of=garbage", headers=HX).get_data(as_text=True)
    assert board.lstrip().startswith('<div id="test-board"')  # the htmx partial
    # Completed with 0 of 3 customers: min customers is not met, so every criterion is decided.
    assert "showing today instead" in board and "every criterion is decided" in board
    lead = factories.lead(db, channel, START + timedelta(days=1), experiment_id=test.id)
    assert editor_client.post(f"/tests/{test.id}/delete").status_code == 302
    assert db.exec(select(Experiment)).all() == []
    db.refresh(lead)
    assert lead.experiment_id is None  # the lead stays, without a test
    assert editor_client.get(f"/tests/{test.id}").status_code == 404
