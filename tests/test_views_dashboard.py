"""Dashboard page and its htmx partial, through the Flask test client."""

import re
from datetime import date

from flask.testing import FlaskClient
from sqlmodel import Session

from tests import factories


def _cells(html: str, name: str) -> list[str]:
    """Return the text of the numeric cells in the table row of channel `name`."""
    row = re.search(rf">{re.escape(name)}</a>.*?</tr>", html, re.S)
    assert row, f"no row for {name}"
    return re.findall(r'<td class="num">([^<]*)</td>', row.group(0))


def _world(db: Session) -> None:
    alpha = factories.channel(db, name="Alpha", ring="middle", status="testing")
    factories.spend(db, alpha, date(2026, 1, 5), 100_000)
    factories.spend(db, alpha, date(2026, 1, 12), 23_450)
    buyer = factories.lead(db, alpha, date(2026, 1, 6))
    factories.purchase(db, buyer, date(2026, 1, 8), 40_000)
    factories.purchase(db, buyer, date(2026, 1, 9), -2_500)
    factories.lead(db, alpha, date(2026, 1, 7))
    focus = factories.channel(db, name="Zeta", ring="inner", status="focus", kind="seo")
    factories.lead(db, focus, date(2026, 1, 10))
    factories.channel(db, name="Ideas", ring="outer", status="idea")


def test_empty_dashboard_invites_the_first_channel(editor_client: FlaskClient) -> None:
    html = editor_client.get("/").get_data(as_text=True)
    assert "No channels yet" in html
    assert 'href="/channels/new">Create your first channel' in html


def test_empty_dashboard_for_viewers_has_no_create_button(viewer_client: FlaskClient) -> None:
    html = viewer_client.get("/").get_data(as_text=True)
    assert "No channels yet" in html
    assert "/channels/new" not in html


def test_dashboard_shows_numbers_by_ring_with_totals(
    editor_client: FlaskClient, db: Session
) -> None:
    _world(db)
    response = editor_client.get("/?as_of=2026-01-31")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # spend, leads, customers, conversion, CAC, revenue
    assert _cells(html, "Alpha") == [
        "1,234.50 USD",
        "2",
        "1",
        "50.0 %",
        "1,234.50 USD",
        "375.00 USD",
    ]
    assert _cells(html, "Zeta") == ["0.00 USD", "1", "0", "0.0 %", "—", "0.00 USD"]
    assert _cells(html, "Ideas") == ["0.00 USD", "0", "0", "—", "—", "0.00 USD"]
    totals = re.search(r'<tr class="totals">.*?</tr>', html, re.S)
    assert totals is not None
    assert "Total · 3 channels" in totals.group(0)
    assert re.findall(r'<td class="num">([^<]*)</td>', totals.group(0)) == [
        "1,234.50 USD",
        "3",
        "1",
        "33.3 %",
        "1,234.50 USD",
        "375.00 USD",
    ]
    assert html.index("Inner ring") < html.index("Zeta") < html.index("Middle ring")
    assert html.index("Middle ring") < html.index("Alpha") < html.index("Outer ring")
    assert '<span class="badge status-focus">focus</span>' in html
    assert re.search(r'<a href="/channels/\d+">Alpha</a>', html)


def test_as_of_before_any_activity_shows_zeroes(editor_client: FlaskClient, db: Session) -> None:
    _world(db)
    html = editor_client.get("/?as_of=2025-12-31").get_data(as_text=True)
    assert _cells(html, "Alpha") == ["0.00 USD", "0", "0", "—", "—", "0.00 USD"]


def test_htmx_request_gets_the_table_partial(editor_client: FlaskClient, db: Session) -> None:
    _world(db)
    response = editor_client.get("/?as_of=2026-01-31", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.strip().startswith('<section id="dashboard-table">')
    assert _cells(html, "Alpha")[0] == "1,234.50 USD"
    assert "HX-Request" in response.headers["Vary"]


def test_unreadable_as_of_falls_back_to_today_with_a_message(
    editor_client: FlaskClient, db: Session
) -> None:
    _world(db)
    response = editor_client.get("/?as_of=yesterday")
    assert response.status_code == 200
    assert "&#39;yesterday&#39; is not a date" in response.get_data(as_text=True)
