"""The channel page's economics: key numbers, cohort triangle, ROI curves, payback, tiers."""

import re
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from app.models import Channel
from app.results.cache import metrics_cache
from tests import factories, views_scenario

HX = {"HX-Request": "true"}


@pytest.fixture
def world(db: Session) -> dict[str, int]:
    return views_scenario.build(db)


def _stat(html: str, label: str) -> str:
    found = re.search(
        rf'<span class="label">{re.escape(label)}</span><span class="value"[^>]*>([^<]*)</span>',
        html,
    )
    assert found, f"no stat {label}"
    return found.group(1)


def _triangle(html: str) -> list[tuple[str, list[str]]]:
    """Return (cohort week, [spend, leads, cells...]) per heatmap row, top to bottom."""
    table = re.search(r'<table class="heatmap.*?</table>', html, re.S)
    assert table is not None
    rows = re.findall(r'<tr>\s*<th scope="row">([^<]*)</th>(.*?)</tr>', table.group(0), re.S)
    return [(week, re.findall(r"<td[^>]*>([^<]*)</td>", cells)) for week, cells in rows]


def test_channel_page_shows_cohort_economics(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    html = viewer_client.get(f"/channels/{world['Referrals']}?as_of=2026-01-25").get_data(
        as_text=True
    )
    assert _stat(html, "Spend to date") == "150.00 USD"
    assert _stat(html, "CAC") == "50.00 USD"
    assert _stat(html, "CPL") == "37.50 USD"
    assert _stat(html, "Conversion") == "75.0 %"
    assert _stat(html, "LTV (observed)") == "46.67 USD"
    assert _stat(html, "LTV (projected)") == "48.00 USD"
    # No worker pass yet: the chain-ladder, saying so.
    assert ('<span class="basis">at 2 weeks, based on 1 cohort; by chain-ladder: the '
            'repeat-purchase model is being computed</span>') in html
    assert _stat(html, "ROI to date") == "-6.7 %"
    assert _stat(html, "Payback") == "2 weeks"
    assert _stat(html, "LTV : CAC") == "0.93×"
    assert _stat(html, "Program cost share") == "107.1 %"  # 150 / 140
    # days to first purchase: a 1.5, b 6, d 2 (whole days 1, 6, 2): median 2, p75 4
    assert _stat(html, "Sales cycle") == "2.0 d"
    assert "median; 75th percentile 4.0 days" in html
    assert "LTV ≥ 3×CAC: not enough data" in html


def test_triangle_heatmap_by_metric(viewer_client: FlaskClient, world: dict[str, int]) -> None:
    url = f"/channels/{world['Referrals']}/triangle?as_of=2026-01-21&metric="
    revenue = viewer_client.get(url + "revenue", headers=HX).get_data(as_text=True)
    assert revenue.strip().startswith('<div id="cohort-triangle"') and "<html" not in revenue
    # newest first; spend and leads, then ages 0, 1, 2 (blank: not reached yet)
    assert _triangle(revenue) == [
        ("2026-01-12", ["50", "1", "20", "20", ""]),
        ("2026-01-05", ["100", "3", "60", "100", "120"]),
    ]
    assert '<td class="cell unreached"></td>' in revenue
    # shade: 60 is half the largest value (120) → opacity 0.08 + 0.5 × 0.5
    assert 'style="background: rgba(47, 111, 222, 0.33)" title="60.00 USD">60<' in revenue
    customers = viewer_client.get(url + "customers", headers=HX).get_data(as_text=True)
    assert _triangle(customers) == [
        ("2026-01-12", ["50", "1", "1", "1", ""]),
        ("2026-01-05", ["100", "3", "1", "2", "2"]),
    ]
    roi = viewer_client.get(url + "roi", headers=HX).get_data(as_text=True)
    assert _triangle(roi) == [
        ("2026-01-12", ["50", "1", "-60 %", "-60 %", ""]),
        ("2026-01-05", ["100", "3", "-40 %", "0 %", "20 %"]),
    ]
    # the worst loss is fully red, the best gain fully green, break-even uncoloured
    assert 'rgba(192, 57, 43, 0.58)" title="-60.0 %"' in roi
    assert 'rgba(30, 132, 73, 0.58)" title="20.0 %"' in roi
    assert 'style="background: " title="0.0 %"' in roi
    assert 'aria-pressed="true"\n' in roi or 'class="small active" aria-pressed="true"' in roi


def test_triangle_route_without_htmx_renders_the_whole_page(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    url = f"/channels/{world['Referrals']}/triangle?as_of=2026-01-21&metric=customers"
    html = viewer_client.get(url).get_data(as_text=True)
    assert "<html" in html and "Weekly spend" in html
    assert _triangle(html)[1] == ("2026-01-05", ["100", "3", "1", "2", "2"])


def test_unknown_metric_falls_back_to_revenue(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    url = f"/channels/{world['Referrals']}/triangle?as_of=2026-01-21&metric=profit"
    html = viewer_client.get(url, headers=HX).get_data(as_text=True)
    assert _triangle(html)[1] == ("2026-01-05", ["100", "3", "60", "100", "120"])


def test_roi_curves_and_payback_bars(viewer_client: FlaskClient, world: dict[str, int]) -> None:
    html = viewer_client.get(f"/channels/{world['Referrals']}?as_of=2026-01-25").get_data(
        as_text=True
    )
    numbers = re.search(r'<table class="compact curve-numbers">.*?</table>', html, re.S)
    assert numbers is not None
    rows = re.findall(r'<th scope="row">([^<]*)</th>(.*?)</tr>', numbers.group(0), re.S)
    assert [(label, re.findall(r">([^<]*)</td>", cells)) for label, cells in rows] == [
        ("Cohort 2026-01-12", ["-60.0 %", "-60.0 %", "—"]),
        ("Cohort 2026-01-05", ["-40.0 %", "0.0 %", "20.0 %"]),
        # pooled: age 0 (80 − 150) / 150, age 1 (120 − 150) / 150, age 2 (120 − 100) / 100
        ("All cohorts (pooled)", ["-46.7 %", "-20.0 %", "20.0 %"]),
    ]
    assert '<svg class="chart line-chart"' in html and 'class="zero-line"' in html
    # Jan 5 paid back at age 1; Jan 12 not yet
    assert "2 cohorts with spend:\n        1 paid back, 1 not yet." in html
    payback = re.search(r'<table class="compact payback-numbers">.*?</table>', html, re.S)
    assert payback is not None
    rows = r'<th scope="row">([^<]*)</th><td class="num">(\d+)</td>'
    assert re.findall(rows, payback.group(0)) == [("1", "1"), ("not yet", "1")]
    assert "<title>0: 0</title>" in html and "<title>1: 1</title>" in html
    assert "<title>not yet: 1</title>" in html


def test_customer_value_tiers(viewer_client: FlaskClient, world: dict[str, int]) -> None:
    html = viewer_client.get(f"/channels/{world['Referrals']}?as_of=2026-01-25").get_data(
        as_text=True
    )
    # all customers by revenue: Events 400 (A), a 80 (A), b 40 (B), d 20 (B), Search 10 (C)
    assert "<strong>33.3 %</strong> (1 of 3 customers)" in html
    mix = re.search(r'<table class="compact mix">.*?</table>', html, re.S)
    assert mix is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', mix.group(0))
    assert cells[0::2] == ["0.0 %", "33.3 %", "66.7 %", "0.0 %"]  # vip, strategic, typical, ballast


def test_as_of_picker_swaps_the_economics(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    response = viewer_client.get(f"/channels/{world['Referrals']}?as_of=2026-01-11", headers=HX)
    html = response.get_data(as_text=True)
    assert html.strip().startswith('<div id="channel-economics">') and "<html" not in html
    assert _stat(html, "Spend to date") == "100.00 USD"
    assert _stat(html, "ROI to date") == "-40.0 %"
    assert _stat(html, "Payback") == "not yet"
    assert _triangle(html) == [("2026-01-05", ["100", "3", "60"])]
    page = viewer_client.get(f"/channels/{world['Referrals']}?as_of=2026-01-11").get_data(
        as_text=True
    )
    assert 'hx-target="#channel-economics"' in page and 'value="2026-01-11"' in page


def test_channel_without_activity_says_so(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    html = viewer_client.get(f"/channels/{world['Podcast ads']}").get_data(as_text=True)
    assert "No cohorts yet" in html and "No customers yet." in html
    assert _stat(html, "CAC") == "—" and _stat(html, "Payback") == "—"


def test_the_rendered_triangle_is_reused_until_its_channel_changes(
    viewer_client: FlaskClient, world: dict[str, int], db: Session
) -> None:
    """The triangle is rendered once per report: kept while the channel's data holds, drawn
    again after a write to that channel, not after a write to another one."""
    url = f"/channels/{world['Referrals']}/triangle?as_of=2026-01-21&metric=customers"
    first = viewer_client.get(url, headers=HX).get_data(as_text=True)
    other = db.get(Channel, next(i for name, i in world.items() if name != "Referrals"))
    assert other is not None
    factories.lead(db, other, date(2026, 1, 13))
    assert viewer_client.get(url, headers=HX).get_data(as_text=True) == first
    with viewer_client.application.app_context():
        kept = [v for k, v in metrics_cache()._values.items()
                if isinstance(k, tuple) and k and k[0] == "triangle_html"]
    assert len(kept) == 1 and str(kept[0][1]) == first  # not drawn again
    referrals = db.get(Channel, world["Referrals"])
    assert referrals is not None
    factories.lead(db, referrals, date(2026, 1, 13))
    again = viewer_client.get(url, headers=HX).get_data(as_text=True)
    assert _triangle(again)[0] == ("2026-01-12", ["50", "2", "1", "1", ""])
def test_channel_page_answers_is_it_working_first(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    html = viewer_client.get(f"/channels/{world['Referrals']}?as_of=2026-01-25").get_data(
        as_text=True)
    order = [html.index(marker) for marker in (
        'class="rules-line"', f'hx-get="/health/channels/{world["Referrals"]}',
        "<h2>ROI by cohort age</h2>", "<h2>Payback</h2>", "<h2>Customer value</h2>",
        # the weekly spend behind the numbers, after the answers, before the tall detail
        '<h2 id="spend">Weekly spend</h2>', '<section id="spend-grid"', "<h2>Cohort triangle</h2>",
        "<h2>Ranking</h2>", "<h2>Ring and status history</h2>")]
    assert order == sorted(order)
    assert html.count('id="spend-grid"') == 1
    # the as-of date picker swaps the economics part: the grid keeps its place in it
    part = viewer_client.get(f"/channels/{world['Referrals']}?as_of=2026-01-18",
                             headers={"HX-Request": "true"}).get_data(as_text=True)
    assert part.index("<h2>Customer value</h2>") < part.index('<section id="spend-grid"') < (
        part.index("<h2>Cohort triangle</h2>"))
