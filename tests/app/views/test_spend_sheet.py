"""The weekly spend sheet (/spend): weeks × channels, saved whole or not at all."""

import re
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.models import Channel, WeeklySpend
from kernel.weeks import utcnow, week_of
from tests import factories
from tests.number_inputs import AMOUNTS_READ, AMOUNTS_REFUSED


def _week(back: int = 0) -> date:
    return week_of(utcnow().date()) - timedelta(weeks=back)


def _name(ch: Channel, week: date) -> str:
    return f"amount-{ch.id}-{week.isoformat()}"


def _stored(db: Session) -> dict[tuple[int, date], int]:
    db.expire_all()
    return {(r.channel_id, r.week): r.amount_minor for r in db.exec(select(WeeklySpend))}


def _sheet_form(html: str) -> dict[str, str]:
    """Return the sheet's fields as a browser would post them unchanged."""
    fields = re.findall(r'<input (?:id="[^"]*" )?(?:type="hidden" )?name="([^"]+)" value="([^"]*)"',
                        html)
    return dict(fields)


@pytest.fixture
def two(db: Session) -> tuple[Channel, Channel]:
    ads = factories.channel(db, name="Ads")
    seo = factories.channel(db, name="SEO", kind="seo", status="focus")
    factories.channel(db, name="Someday", status="idea")  # takes no spend: not on the sheet
    factories.spend(db, ads, _week(1), 100_000)
    factories.spend(db, seo, _week(1), 25_050, impressions=900, clicks=30)
    factories.spend(db, seo, _week(2), 10_000)
    return ads, seo


def test_sheet_shows_weeks_channels_and_totals(
    viewer_client: FlaskClient, two: tuple[Channel, Channel]
) -> None:
    ads, seo = two
    html = viewer_client.get("/spend/?weeks=4").get_data(as_text=True)
    assert "<h1>Weekly spend</h1>" in html and "Someday" not in html
    assert html.count('<tr class="running">') == 1 and f"{_week().isoformat()} <span" in html
    assert f'data-week-total="{_week(1).isoformat()}">1,250.50</td>' in html
    assert f'data-channel-total="{seo.id}">350.50</td>' in html
    assert f'data-channel-total="{ads.id}">1,000.00</td>' in html
    assert '<td class="num" id="sheet-total">1,350.50</td>' in html
    assert "<input id=\"amount-" not in html  # a viewer sees amounts, not inputs


def test_editor_saves_a_week_for_every_channel_at_once(
    editor_client: FlaskClient, db: Session, two: tuple[Channel, Channel]
) -> None:
    ads, seo = two
    form = _sheet_form(editor_client.get("/spend/").get_data(as_text=True))
    form |= {_name(ads, _week()): "1 250,50", _name(seo, _week()): "99.5",
             _name(seo, _week(2)): ""}
    response = editor_client.post("/spend/", data=form)
    assert response.status_code == 303
    assert _stored(db) == {(ads.id, _week(1)): 100_000, (seo.id, _week(1)): 25_050,
                           (ads.id, _week()): 125_050, (seo.id, _week()): 9_950}
    page = editor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved: 3 cells changed." in page
    kept = db.exec(select(WeeklySpend).where(WeeklySpend.channel_id == seo.id)).first()
    assert kept is not None and (kept.impressions, kept.clicks) == (900, 30)


def test_one_bad_amount_stores_nothing_and_names_each_cell(
    editor_client: FlaskClient, db: Session, two: tuple[Channel, Channel]
) -> None:
    ads, seo = two
    before = _stored(db)
    form = _sheet_form(editor_client.get("/spend/").get_data(as_text=True))
    form |= {_name(ads, _week()): "500", _name(seo, _week()): "1,234", _name(ads, _week(3)): "-1"}
    response = editor_client.post("/spend/", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was saved." in html
    assert f"SEO, week of {_week().isoformat()}</a>: Amount is ambiguous" in html
    assert f"Ads, week of {_week(3).isoformat()}</a>: Amount cannot be negative." in html
    assert 'value="1,234"' in html and 'aria-invalid="true"' in html  # the typed text stays
    assert _stored(db) == before


def _type_one(client: FlaskClient, db: Session, text: str) -> tuple[int, str, Channel]:
    """Type `text` into this week's cell of a new channel and save; return status and page."""
    ads = factories.channel(db, name="Ads")
    form = _sheet_form(client.get("/spend/").get_data(as_text=True))
    response = client.post("/spend/", data=form | {_name(ads, _week()): text})
    return response.status_code, response.get_data(as_text=True), ads


@pytest.mark.parametrize(("text", "minor"), AMOUNTS_READ)
def test_sheet_reads_amounts_as_the_import_does(
    editor_client: FlaskClient, db: Session, text: str, minor: int
) -> None:
    status, _, ads = _type_one(editor_client, db, text)
    assert status == 303 and _stored(db) == {(ads.id, _week()): minor}


@pytest.mark.parametrize(("text", "message"), AMOUNTS_REFUSED)
def test_sheet_refuses_amounts_as_the_import_does(
    editor_client: FlaskClient, db: Session, text: str, message: str
) -> None:
    status, html, _ = _type_one(editor_client, db, text)
    assert status == 422 and message in html and _stored(db) == {}


def test_a_cell_changed_by_someone_else_is_a_conflict_until_saved_again(
    editor_client: FlaskClient, db: Session, two: tuple[Channel, Channel]
) -> None:
    ads, seo = two
    form = _sheet_form(editor_client.get("/spend/").get_data(as_text=True))
    row = db.exec(select(WeeklySpend).where(WeeklySpend.channel_id == ads.id)).one()
    row.amount_minor = 111_100  # someone else, meanwhile
    db.add(row)
    db.commit()
    form |= {_name(ads, _week(1)): "1200", _name(seo, _week()): "5"}
    response = editor_client.post("/spend/", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Someone else changed 1 cell" in html
    assert "now 1,111.00 USD" in html
    assert _stored(db)[(ads.id, _week(1))] == 111_100 and (seo.id, _week()) not in _stored(db)
    again = editor_client.post("/spend/", data=_sheet_form(html))  # seen: now it overwrites
    assert again.status_code == 303
    assert _stored(db)[(ads.id, _week(1))] == 120_000 and _stored(db)[(seo.id, _week())] == 500


def test_viewer_cannot_save_the_sheet(
    viewer_client: FlaskClient, db: Session, two: tuple[Channel, Channel]
) -> None:
    ads, _ = two
    before = _stored(db)
    assert viewer_client.post("/spend/", data={_name(ads, _week()): "5"}).status_code == 403
    assert _stored(db) == before
