"""The Bullseye page on both databases: drawing, table, what to test next, brainstorm form."""

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.models import Channel, ChannelHistory, Lead, Purchase, User
from kernel.weeks import week_of
from tests import factories
from tests.fits_support import compute_fits

HX = {"HX-Request": "true"}
IDEA = {"name": "Podcast sponsorships", "kind": "pr", "ice_impact": "8",
        "ice_confidence": "6", "ice_ease": "7", "launch_days": "14"}


@pytest.fixture
def world(db: Session) -> dict[str, int]:
    """A focus channel with 2 customers 3 weeks ago for 100.00 (CAC 50.00), two outer ideas."""
    ads = factories.channel(db, name="Google Ads", kind="sem", ring="inner", status="focus")
    week = week_of(date.today()) - timedelta(weeks=3)
    factories.spend(db, ads, week, 10_000)
    leads = [factories.lead(db, ads, week + timedelta(days=1)) for _ in range(4)]
    for lead in leads[:2]:
        factories.purchase(db, lead, week + timedelta(days=2), 30_000)
    blog = factories.channel(db, name="Blog", kind="seo", ring="outer", status="idea",
                             ice_impact=8, ice_confidence=6, ice_ease=7, launch_days=30)
    meetups = factories.channel(db, name="Meetups", kind="offline_events", ring="outer",
                                status="idea", ice_impact=5, ice_confidence=5, ice_ease=5,
                                launch_days=2)
    return {"ads": ads.id or 0, "blog": blog.id or 0, "meetups": meetups.id or 0}


def _row(html: str, channel_id: int) -> list[str]:
    """Return the cells' text of a channel's table row."""
    match = re.search(rf'<tr data-channel="{channel_id}">(.*?)</tr>', html, re.S)
    assert match, f"no row for channel {channel_id}"
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(1), re.S)
    return [unescape(re.sub(r"<[^>]+>|\s+", " ", cell)).strip() for cell in cells]


def _channels(db: Session) -> list[Channel]:
    db.expire_all()
    return list(db.exec(select(Channel).order_by(Channel.name)).all())


def test_page_draws_every_channel_and_tabulates_its_numbers(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    response = viewer_client.get("/bullseye/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script" not in html.split("</head>")[1]  # drawn on the server, no JavaScript
    assert _row(html, world["ads"]) == ["Google Ads", "Search engine marketing", "focus",
                                        "Being computed", "2", "50.00 USD", "—", "—"]
    assert _row(html, world["blog"]) == ["Blog", "Search engine optimization", "idea",
                                         "Being computed", "0", "—", "336", "30"]
    for name, channel_id in world.items():
        assert f'href="/channels/{channel_id}"' in html.split("</svg>")[0], name
    assert ("<title>Google Ads — inner ring, being computed: 2 customers in the last 12 weeks, "
            "CAC 50.00 USD</title>") in html
    assert '<circle cx="500.0" cy="380.0" r="16.0"/>' in html  # the lone inner dot, the most
    assert html.count('r="4.0"/>') == 2  # customers; the ideas without any get the minimum
    assert ">50</text>" in html and ">—</text>" in html  # CAC labels in whole units
    untried = re.findall(r'<g class="untried">.*?<text[^>]*>([^<]+)</text>', html, re.S)
    assert len(untried) == 16 and "Viral marketing" in untried and "Offline events" not in untried


def test_health_colours_follow_the_stored_fits(
    app: Flask, viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    html = viewer_client.get("/bullseye/").get_data(as_text=True)
    assert 'class="bullseye-channel health-computing"' in html
    compute_fits(app)
    html = viewer_client.get("/bullseye/").get_data(as_text=True)
    assert "health-computing" not in html.split("</svg>")[0]
    assert _row(html, world["ads"])[3] == "Not enough data"
    assert html.count('class="bullseye-channel health-not_enough_data"') == 3


def test_what_to_test_next_names_the_best_idea_and_an_untried_kind(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    html = viewer_client.get("/bullseye/").get_data(as_text=True)
    items = re.findall(r'<li data-rule="([a-z_]+)">\s*<p>([^<]+)</p>', html)
    assert items == [
        ("best_idea", "Blog is the outer-ring idea with the best ICE score: 336 "
                      "(impact 8 × confidence 6 × ease 7), launch time 30 days"),
        ("untried_kind", "Viral marketing has never been tried: no channel of this kind "
                         "(16 of 19 Traction kinds untried)"),
    ]


def test_outer_ring_sorts_by_ice_or_by_difficulty(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    def outer(query: str) -> list[str]:
        html = viewer_client.get(f"/bullseye/{query}").get_data(as_text=True)
        section = html.split('id="ring-outer"')[1].split("</tbody>")[0]
        return re.findall(r'<tr data-channel="(\d+)">', section)

    blog, meetups = str(world["blog"]), str(world["meetups"])
    assert outer("") == [blog, meetups]  # ICE 336 before 125
    assert outer("?sort=difficulty") == [meetups, blog]  # 2 launch days before 30
    assert outer("?sort=nonsense") == [blog, meetups]


def test_htmx_request_gets_the_content_partial(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    response = viewer_client.get("/bullseye/?sort=difficulty", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<section id="bullseye">') and "<html" not in html
    assert _row(html, world["ads"])[5] == "50.00 USD"


def test_navigation_links_the_page(viewer_client: FlaskClient) -> None:
    html = viewer_client.get("/").get_data(as_text=True)
    assert '<a href="/bullseye/"' in html
    empty = viewer_client.get("/bullseye/").get_data(as_text=True)
    assert "No channel in this ring." in empty and "19 Traction kinds untried" in empty


def test_editor_adds_an_outer_ring_idea_in_one_step(
    editor_client: FlaskClient, editor: User, db: Session
) -> None:
    page = editor_client.get("/bullseye/").get_data(as_text=True)
    assert 'id="idea-form"' in page and 'hx-post="/bullseye/ideas"' in page
    response = editor_client.post("/bullseye/ideas", data=IDEA | {"ring": "inner"}, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    [idea] = _channels(db)
    assert (idea.name, idea.kind, idea.ring, idea.status) == (
        "Podcast sponsorships", "pr", "outer", "idea")
    assert (idea.ice_impact, idea.ice_confidence, idea.ice_ease, idea.launch_days) == (8, 6, 7, 14)
    history = db.exec(select(ChannelHistory)).all()
    assert [(h.ring, h.status, h.user_id) for h in history] == [("outer", "idea", editor.id)]
    assert "Added the idea “Podcast sponsorships” to the outer ring." in html
    assert _row(html, idea.id or 0)[-2:] == ["336", "14"]
    assert 'value="Podcast sponsorships"' not in html  # the form is empty again


def test_plain_post_redirects_back_to_the_page(editor_client: FlaskClient, db: Session) -> None:
    form = {"name": "Trade fair", "kind": "trade_shows"}
    response = editor_client.post("/bullseye/ideas", data=form)
    assert response.status_code == 302 and response.headers["Location"] == "/bullseye/"
    [idea] = _channels(db)
    assert (idea.ring, idea.ice_impact) == ("outer", None)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("ice_impact", "11", "Impact must be between 1 and 10."),
    ("ice_ease", "0", "Ease must be between 1 and 10."),
    ("ice_confidence", "lots", "Confidence must be a whole number."),
    ("name", " ", "Name is required."),
    ("kind", "carrier_pigeon", "Choose a kind from the list."),
])
def test_bad_input_shows_the_fields_message_and_stores_nothing(
    editor_client: FlaskClient, db: Session, field: str, value: str, message: str
) -> None:
    response = editor_client.post("/bullseye/ideas", data=IDEA | {field: value}, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'<p class="field-error" id="f-{field}-error" role="alert">{message}</p>' in html
    assert 'value="Podcast sponsorships"' in html or field == "name"  # input kept
    assert _channels(db) == []


def test_a_taken_name_is_refused(editor_client: FlaskClient, db: Session) -> None:
    factories.channel(db, name="Podcast Sponsorships")
    response = editor_client.post("/bullseye/ideas", data=IDEA, headers=HX)
    assert response.status_code == 422
    assert "already exists (names ignore case)" in response.get_data(as_text=True)
    assert len(_channels(db)) == 1


def test_viewers_see_no_form_and_are_refused(viewer_client: FlaskClient, db: Session) -> None:
    assert 'id="idea-form"' not in viewer_client.get("/bullseye/").get_data(as_text=True)
    assert viewer_client.post("/bullseye/ideas", data=IDEA, headers=HX).status_code == 403
    assert viewer_client.post("/bullseye/ideas", data=IDEA).status_code == 403
    assert _channels(db) == []


def test_demo_data_draws_every_demo_channel(
    app: Flask, viewer_client: FlaskClient, db: Session
) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "--leads", "3000", "--weeks", "30"])
    assert result.exit_code == 0, result.output
    channels = _channels(db)
    assert len(channels) >= 5
    html = viewer_client.get("/bullseye/").get_data(as_text=True)
    drawing = html.split("</svg>")[0]
    for channel in channels:
        assert f'href="/channels/{channel.id}"' in drawing, channel.name
        assert _row(html, channel.id or 0)[0] == channel.name
    assert drawing.count('class="bullseye-channel ') == len(channels)


def test_a_burning_focus_channel_tops_what_to_test_next(
    app: Flask, viewer_client: FlaskClient, db: Session
) -> None:
    # 14 weekly cohorts of 80 leads whose buyers fall by 15 % a week (16 down to 2), ending
    # 5 weeks ago: conversion clearly trends down, the last weeks far below the best.
    burning = factories.channel(db, name="Burning ads", ring="inner", status="focus")
    first = week_of(date.today()) - timedelta(weeks=19)
    for w in range(14):
        week = first + timedelta(weeks=w)
        factories.spend(db, burning, week, 50_000)
        leads = [Lead(external_id=f"burning-{w}-{i}", channel_id=burning.id or 0,
                      created_at=datetime(week.year, week.month, week.day, 9, tzinfo=UTC),
                      cohort_week=week) for i in range(80)]
        db.add_all(leads)
        db.flush()
        db.add_all([Purchase(external_id=f"p-{lead.external_id}", lead_id=lead.id or 0,
                             purchased_at=lead.created_at + timedelta(days=3),
                             purchased_on=week + timedelta(days=3), amount_minor=30_000)
                    for lead in leads[:round(16 * 0.85**w)]])
    db.commit()
    viewer_client.get("/bullseye/")  # asks for the fit
    compute_fits(app)
    html = viewer_client.get("/bullseye/").get_data(as_text=True)
    assert _row(html, burning.id or 0)[3] == "Burned out"
    assert 'class="bullseye-channel health-burned_out"' in html
    first_item = re.search(r'<li data-rule="([a-z_]+)">\s*<p>([^<]+)</p>', html)
    assert first_item and first_item.group(1) == "burnout"
    assert unescape(first_item.group(2)).startswith("Burning ads is burned out: conversion fell")
