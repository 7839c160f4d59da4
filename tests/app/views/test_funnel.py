"""The funnel page: full page and htmx partial, per channel and overall, as of a date."""

import re
from datetime import date

from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from app.models import LeadStageChange
from tests import factories
from tests.experiments.funnel.test_queries import funnel_history

HX = {"HX-Request": "true"}


def _cells(html: str, stage: str) -> dict[str, str]:
    row = re.search(rf'<tr data-stage="{stage}">(.*?)</tr>', html, re.S)
    assert row, stage
    return dict(re.findall(r'data-stat="(\w+)">([^<]*)', row.group(1)))


def test_funnel_page_shows_counts_costs_and_days_as_of_a_date(
    editor_client: FlaskClient, db: Session
) -> None:
    a, _b = funnel_history(db)
    html = editor_client.get(f"/funnel/?channel={a.id}&as_of=2026-03-31").get_data(as_text=True)
    assert "<h1>Lead funnel</h1>" in html
    assert _cells(html, "sales_ready") == {"reached": "2", "lost": "1", "conversion": "50.0 %",
                                           "cost": "450.00 USD", "days": "12.0 "}
    partial = editor_client.get("/funnel/?as_of=2026-03-15", headers=HX).get_data(as_text=True)
    assert partial.startswith('<section id="funnel"') and "<h1>" not in partial
    assert _cells(partial, "opportunity")["reached"] == "0"
    assert 'data-channel="' in partial  # all channels: one row per channel


def test_funnel_page_with_no_data_and_a_bad_date(editor_client: FlaskClient, db: Session) -> None:
    factories.channel(db)
    html = editor_client.get("/funnel/?as_of=1999-13-01").get_data(as_text=True)
    assert "showing today instead" in html and "No customers yet." in html
    assert _cells(html, "customer")["cost"] == "—"
    html = editor_client.get(f"/funnel/?as_of={date.today().isoformat()}&channel=x")
    assert html.status_code == 200


def test_the_web_form_moves_a_lead_and_keeps_the_history(
    editor_client: FlaskClient, db: Session
) -> None:
    lead = factories.lead(db, factories.channel(db), date(2026, 3, 2), external_id="w1")
    before = editor_client.get("/funnel/?as_of=2026-03-09").get_data(as_text=True)
    assert _cells(before, "opportunity")["reached"] == "0"  # and now cached until data changes
    response = editor_client.post("/funnel/stage", data={
        "external_id": "w1", "stage": "opportunity", "grade": "warm",
        "changed_at": "2026-03-09"})
    assert response.status_code == 302
    rows = db.exec(select(LeadStageChange).where(LeadStageChange.lead_id == lead.id)
                   .order_by(col(LeadStageChange.id))).all()
    assert [(r.changed_at is None, r.stage, r.grade) for r in rows] == [
        (True, "lead", None), (False, "opportunity", "warm")]
    html = editor_client.get("/funnel/?as_of=2026-03-08").get_data(as_text=True)
    assert _cells(html, "opportunity")["reached"] == "0"  # as of the day before the move
    html = editor_client.get("/funnel/?as_of=2026-03-09").get_data(as_text=True)
    assert _cells(html, "opportunity")["reached"] == "1"


def test_bad_web_moves_name_the_field_and_store_nothing(
    editor_client: FlaskClient, db: Session
) -> None:
    factories.lead(db, factories.channel(db), date(2026, 3, 2), external_id="w2")
    for data, field in (({"external_id": "nobody", "stage": "lost"}, "external_id"),
                        ({"external_id": "w2", "changed_at": "2026-02-01"}, "changed_at"),
                        ({"external_id": "w2", "stage": "won"}, "stage")):
        response = editor_client.post("/funnel/stage", data=data)
        assert response.status_code == 422
        assert f'id="f-{field}-error"' in response.get_data(as_text=True)
    assert db.exec(select(LeadStageChange)).all() == []


def test_viewers_cannot_move_leads(viewer_client: FlaskClient, db: Session) -> None:
    factories.lead(db, factories.channel(db), date(2026, 3, 2), external_id="w3")
    response = viewer_client.post("/funnel/stage", data={"external_id": "w3", "stage": "lost"})
    assert response.status_code == 403
    assert "Move a lead" not in viewer_client.get("/funnel/").get_data(as_text=True)
