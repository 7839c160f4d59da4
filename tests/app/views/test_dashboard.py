"""Dashboard page and its htmx partial, through the Flask test client."""

import re

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from app.models import Settings
from tests import views_scenario

HX = {"HX-Request": "true"}


def _row(html: str, name: str) -> str:
    row = re.search(rf'<tr data-channel="{re.escape(name)}">.*?</tr>', html, re.S)
    assert row, f"no row for {name}"
    return row.group(0)


def _cells(html: str, name: str) -> list[str]:
    """Return the plain numeric cells of channel `name`'s row.

    In order: spend, leads, customers, CAC, conversion, ROI, payback, LTV:CAC.
    """
    return re.findall(r'<td class="num(?: rule-cell)?">([^<]*)<', _row(html, name))


def _order(html: str) -> list[str]:
    return re.findall(r'<tr data-channel="([^"]+)">', html)


@pytest.fixture
def world(db: Session) -> dict[str, int]:
    return views_scenario.build(db)


def test_empty_dashboard_invites_the_first_channel(editor_client: FlaskClient) -> None:
    html = editor_client.get("/").get_data(as_text=True)
    assert "No channels yet" in html
    assert 'href="/channels/new">Create your first channel' in html


def test_empty_dashboard_for_viewers_has_no_create_button(viewer_client: FlaskClient) -> None:
    html = viewer_client.get("/").get_data(as_text=True)
    assert "No channels yet" in html
    assert "/channels/new" not in html


def test_dashboard_shows_cohort_economics_by_ring(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    response = viewer_client.get("/?as_of=2026-01-25")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # spend, leads, customers, CAC, conversion, ROI to date, payback, LTV:CAC
    assert _cells(html, "Referrals") == [
        "150.00", "4", "3", "50.00", "75.0 %", "-6.7 %", "2 weeks", "0.93×",
    ]  # fmt: skip
    assert _cells(html, "Search") == [
        "20.00", "2", "1", "20.00", "50.0 %", "-50.0 %", "not yet", "0.50×",
    ]  # fmt: skip
    assert _cells(html, "Events") == [
        "300.00", "1", "1", "300.00", "100.0 %", "33.3 %", "0 weeks", "1.33×",
    ]  # fmt: skip
    assert _cells(html, "Podcast ads") == ["0.00", "0", "0", "—", "—", "—", "—", "—"]
    assert 'Spend<span class="unit">USD</span>' in html
    referrals = _row(html, "Referrals")
    # LTV: 140.00 / 3 observed; chain-ladder projection 144.00 / 3 (see test_api_metrics)
    assert '<td class="num ltv">46.67<div class="sub">' in referrals
    assert 'title="Projected to 2 weeks by chain-ladder">projected 48.00<br>based on 1 cohort' in (
        referrals
    )
    rules = re.findall(r'<span class="rule rule-(\w+)" title="([^"]*)">', referrals)
    # 3 customers < 5: neither rule can be judged yet
    assert rules == [
        ("not_enough_data", "Payback ≤ 6 mo: not enough data"),
        ("not_enough_data", "LTV ≥ 3×CAC: not enough data"),
    ]
    assert html.index("Inner ring") < html.index("Referrals") < html.index("Middle ring")
    assert html.index("Middle ring") < html.index("Events") < html.index("Outer ring")
    assert html.index("Outer ring") < html.index('data-channel="Podcast ads"')
    assert f'href="/channels/{world["Referrals"]}?as_of=2026-01-25">Referrals</a>' in html


def test_totals_are_ratios_of_sums(viewer_client: FlaskClient, world: dict[str, int]) -> None:
    html = viewer_client.get("/?as_of=2026-01-25").get_data(as_text=True)
    totals = re.search(r'<tr class="totals">.*?</tr>', html, re.S)
    assert totals is not None
    assert "Total · 4 channels" in totals.group(0)
    # spend 470, leads 7, customers 5, revenue 550: CAC 94, conversion 5/7, LTV 110,
    # ROI 80/470, LTV:CAC 110/94
    assert re.findall(r'<td class="num">([^<]*)</td>', totals.group(0)) == [
        "470.00", "7", "5", "94.00", "71.4 %", "17.0 %", "0 weeks", "1.17×",
    ]  # fmt: skip


def test_totals_pool_every_channels_cohorts_for_payback_and_projection(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    """All channels' cohorts added week by week (as of the week of 19 Jan):
    week of 5 Jan: spend 120.00, revenue 70.00 / 40.00 / 20.00 at ages 0 / 1 / 2,
    new customers 2 / 1 / 0; week of 12 Jan: spend 350.00, revenue 420.00 and 2 customers
    at age 0; week of 19 Jan: nothing. Payback: at age 0 the three cohorts returned
    490.00 on 470.00 (Referrals alone needs 2 weeks, Search has not paid back)."""
    html = viewer_client.get("/?as_of=2026-01-25").get_data(as_text=True)
    totals = re.search(r'<tr class="totals">.*?</tr>', html, re.S)
    assert totals is not None
    # Chain-ladder: revenue factors (110 + 420)/(70 + 420) and 130/110 take the 12 Jan
    # cohort's 420.00 to 420 × 130/110; customers (3 + 2)/(2 + 2) and 3/3 give 3 + 2 = 5.
    projected = (130 + 420 * 130 / 110) / 5
    assert f"{projected:.2f}" == "125.27"
    assert '<td class="num ltv">110.00<div class="sub">' in totals.group(0)
    assert "projected 125.27<br>based on 1 cohort</span>" in totals.group(0)
    assert "<td class=\"num\">0 weeks</td>" in totals.group(0)


def test_sparklines_carry_the_weekly_numbers_as_text(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    html = viewer_client.get("/?as_of=2026-01-25").get_data(as_text=True)
    referrals = _row(html, "Referrals")
    zeros = "0; " * 9
    assert f"<title>Customers per week, oldest week first: {zeros}1; 2; 0</title>" in referrals
    spend = "0.00; " * 9 + "100.00; 50.00; 0.00 USD"
    assert f"<title>Spend per week, oldest week first: {spend}</title>" in referrals
    # 12 weeks from x = 2 to 82 on a 22 px high line; customers peak 2 at y = 2
    assert 'd="M2,20 L9.3,20 L16.5,20' in referrals and "L67.5,11 L74.7,2 L82,20" in referrals


def test_ranking_select_reorders_channels(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    by_roi = viewer_client.get("/?as_of=2026-01-25").get_data(as_text=True)
    assert _order(by_roi) == ["Referrals", "Events", "Search", "Podcast ads"]
    assert re.findall(r'<td class="rank">(\d+)</td>', by_roi) == ["2", "1", "3", "4"]
    by_cac = viewer_client.get("/?as_of=2026-01-25&rank=cac").get_data(as_text=True)
    assert _order(by_cac) == ["Referrals", "Search", "Events", "Podcast ads"]
    assert re.findall(r'<td class="rank">(\d+)</td>', by_cac) == ["2", "1", "3", "4"]
    assert '<option value="cac" selected>CAC</option>' in by_cac
    by_ratio = viewer_client.get("/?as_of=2026-01-25&rank=ltv_to_cac").get_data(as_text=True)
    assert _order(by_ratio) == ["Referrals", "Events", "Search", "Podcast ads"]
    unknown = viewer_client.get("/?as_of=2026-01-25&rank=vanity").get_data(as_text=True)
    assert '<option value="roi" selected>ROI to date</option>' in unknown


def test_as_of_changes_the_numbers(viewer_client: FlaskClient, world: dict[str, int]) -> None:
    html = viewer_client.get("/?as_of=2026-01-11").get_data(as_text=True)
    # first week only: spend 100.00, leads a, b, c, customer a (60.00)
    assert _cells(html, "Referrals") == [
        "100.00", "3", "1", "100.00", "33.3 %", "-40.0 %", "not yet", "0.60×",
    ]  # fmt: skip
    assert _cells(html, "Events") == ["0.00", "0", "0", "—", "—", "—", "—", "—"]
    before = viewer_client.get("/?as_of=2025-12-31").get_data(as_text=True)
    assert _cells(before, "Referrals") == ["0.00", "0", "0", "—", "—", "—", "—", "—"]


def test_htmx_request_gets_the_table_partial(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    response = viewer_client.get("/?as_of=2026-01-25&rank=cac", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.strip().startswith('<section id="dashboard-table">')
    assert _cells(html, "Referrals")[3] == "50.00"
    assert "HX-Request" in response.headers["Vary"]


def test_page_wires_the_controls_to_the_partial(
    editor_client: FlaskClient, world: dict[str, int]
) -> None:
    html = editor_client.get("/?as_of=2026-01-25").get_data(as_text=True)
    form = re.search(r'<form class="as-of".*?</form>', html, re.S)
    assert form is not None
    assert 'hx-target="#dashboard-table"' in form.group(0)
    assert 'hx-push-url="true"' in form.group(0)
    assert '<input id="as-of" type="date" name="as_of" value="2026-01-25">' in form.group(0)
    assert '<select id="rank" name="rank">' in form.group(0)


def test_unreadable_as_of_falls_back_to_today_with_a_message(
    editor_client: FlaskClient, world: dict[str, int]
) -> None:
    response = editor_client.get("/?as_of=yesterday")
    assert response.status_code == 200
    assert "not &#39;yesterday&#39;; showing today instead" in response.get_data(as_text=True)


def test_rule_badges_follow_the_settings(
    viewer_client: FlaskClient, db: Session, world: dict[str, int]
) -> None:
    settings = db.get(Settings, 1)
    assert settings is not None
    settings.ltv_to_cac_min, settings.payback_max_months = 0.9, 1.0
    settings.min_customers_total = 1
    db.add(settings)
    db.commit()
    html = viewer_client.get("/?as_of=2026-01-25").get_data(as_text=True)

    def rules(name: str) -> list[tuple[str, str]]:
        return re.findall(r'<span class="rule rule-(\w+)" title="([^"]*)">', _row(html, name))

    # LTV:CAC 0.93 ≥ 0.9; payback at 2 weeks ≤ 1 month (52 / 12 weeks)
    assert rules("Referrals") == [
        ("pass", "Payback ≤ 1 mo: pass"), ("pass", "LTV ≥ 0.9×CAC: pass"),
    ]  # fmt: skip
    # 0.5 < 0.9; not paid back and its cohorts are only 2 weeks old: too early to fail
    assert rules("Search") == [
        ("not_enough_data", "Payback ≤ 1 mo: not enough data"), ("fail", "LTV ≥ 0.9×CAC: fail"),
    ]  # fmt: skip
    assert 'LTV : CAC<span class="unit">rule ≥ 0.9</span>' in html


def test_a_week_still_running_is_drawn_dashed_not_as_a_drop(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    """As of Wednesday 21 Jan, the week of 19 Jan has four days to come."""
    running = viewer_client.get("/?as_of=2026-01-21").get_data(as_text=True)
    referrals = _row(running, "Referrals")
    assert referrals.count('<path class="partial"') == 2
    assert referrals.count('<circle class="partial"') == 2
    assert "(the last week is still running)</title>" in referrals
    done = _row(viewer_client.get("/?as_of=2026-01-25").get_data(as_text=True), "Referrals")
    assert "partial" not in done and "still running" not in done


def test_totals_survive_a_week_start_changed_after_data_was_stored(
    viewer_client: FlaskClient, db: Session, world: dict[str, int]
) -> None:
    """Stored weeks start on Mondays; with weeks now starting on Sundays, the channel without
    data (Podcast ads) sits on another week grid than the others and must not break totals."""
    settings = db.get(Settings, 1)
    assert settings is not None
    settings.week_start = 6
    db.add(settings)
    db.commit()
    for as_of in ("2026-01-25", "2026-01-21"):
        response = viewer_client.get(f"/?as_of={as_of}")
        assert response.status_code == 200, as_of
        totals = re.search(r'<tr class="totals">.*?</tr>', response.get_data(as_text=True), re.S)
        assert totals is not None and "Total · 4 channels" in totals.group(0)
