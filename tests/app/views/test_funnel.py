"""The funnel page: full page and htmx partial, per channel and overall, as of a date."""

import re
from datetime import date

from flask.testing import FlaskClient
from sqlmodel import Session

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
