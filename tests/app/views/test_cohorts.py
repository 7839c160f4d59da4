"""The cohorts page: pooled ROI-by-age curves of every channel and the customer mix."""

import re

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests import views_scenario

HX = {"HX-Request": "true"}


@pytest.fixture
def world(db: Session) -> dict[str, int]:
    return views_scenario.build(db)


def _table(html: str, css_class: str) -> list[tuple[str, list[str]]]:
    table = re.search(rf'<table class="compact {css_class}">.*?</table>', html, re.S)
    assert table is not None, css_class
    rows = re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', table.group(0), re.S)
    return [
        (re.sub(r"<[^>]+>", "", label), re.findall(r">([^<]*)</td>", cells))
        for label, cells in rows
    ]


def test_pooled_curves_of_every_channel_with_spend(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    response = viewer_client.get("/cohorts/?as_of=2026-01-25")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _table(html, "curve-numbers") == [
        # Events' cohorts reached age 1 at most: week 2 is undefined, not 0
        ("Events", ["33.3 %", "33.3 %", "—", "0 weeks"]),
        ("Referrals", ["-46.7 %", "-20.0 %", "20.0 %", "2 weeks"]),
        ("Search", ["-50.0 %", "-50.0 %", "-50.0 %", "not yet"]),
    ]
    chart = re.search(r'<svg class="chart line-chart".*?</svg>', html, re.S)
    assert chart is not None
    assert re.findall(r"<title>([^<]*)</title>", chart.group(0)) == [
        "Pooled ROI by cohort age in weeks, one line per channel",
        # each line, then a hover title per point: its week of age and ROI as the table has it
        "Events", "Events, week 0: ROI 33.3 %", "Events, week 1: ROI 33.3 %",
        "Referrals", "Referrals, week 0: ROI -46.7 %", "Referrals, week 1: ROI -20.0 %",
        "Referrals, week 2: ROI 20.0 %",
        "Search", "Search, week 0: ROI -50.0 %", "Search, week 1: ROI -50.0 %",
        "Search, week 2: ROI -50.0 %",
    ]  # fmt: skip
    assert 'class="zero-line"' in chart.group(0)
    legend = re.findall(r'<span class="swatch" style="background: (#[0-9a-f]+)"', html)
    assert legend == ["#2f6fde", "#e67e22", "#1e8449"]
    assert '<a href="/cohorts/" aria-current="page">Cohorts</a>' in html


def test_roi_chart_offers_a_log_scale_that_keeps_every_line_inside(
    viewer_client: FlaskClient, world: dict[str, int]
) -> None:
    linear = viewer_client.get("/cohorts/?as_of=2026-01-25").get_data(as_text=True)
    assert 'data-scale="linear"' in linear  # three close curves: no need for a log scale
    assert 'href="/cohorts/?scale=log&amp;as_of=2026-01-25"' in linear
    logged = viewer_client.get("/cohorts/?as_of=2026-01-25&scale=log").get_data(as_text=True)
    assert 'data-scale="log"' in logged and "log scale of revenue ÷ spend" in logged
    ticks = re.findall(r'class="y-tick"[^>]*>([^<]*)</text>', logged)
    assert "0 %" in ticks and ticks[0].startswith("-")  # ROI labels on the log axis
    assert ">Pooled ROI</text>" in logged  # the y axis title
    # hover values on the log scale are the ROI itself, not its logarithm
    assert re.findall(r"<title>(Referrals, [^<]*)</title>", logged) == [
        "Referrals, week 0: ROI -46.7 %", "Referrals, week 1: ROI -20.0 %",
        "Referrals, week 2: ROI 20.0 %",
    ]


def test_customer_mix_and_share_of_a(viewer_client: FlaskClient, world: dict[str, int]) -> None:
    html = viewer_client.get("/cohorts/?as_of=2026-01-25").get_data(as_text=True)
    # revenue per customer: 400 (Events), 80, 40, 20 (Referrals), 10 (Search, one purchase)
    mix = _table(html, "mix")
    assert [cells[0] for _, cells in mix] == ["20.0 %", "20.0 %", "40.0 %", "20.0 %"]
    assert [cells[1] for _, cells in mix] == ["≤ 5 %", "15 %–20 %", "60 %–70 %", "≤ 25 %"]
    table = re.search(r'<table class="compact mix">.*?</table>', html, re.S)
    assert table is not None
    verdicts = re.findall(r'<span class="rule rule-(\w+)">([^<]*)</span>', table.group(0))
    assert verdicts == [
        ("fail", "above"), ("pass", "in range"), ("fail", "below"), ("pass", "in range"),
    ]  # fmt: skip
    assert _table(html, "share-of-a") == [
        ("Events", ["1", "1", "100.0 %"]),
        ("Referrals", ["3", "1", "33.3 %"]),
        ("Search", ["1", "0", "0.0 %"]),
    ]


def test_as_of_partial_recomputes(viewer_client: FlaskClient, world: dict[str, int]) -> None:
    response = viewer_client.get("/cohorts/?as_of=2026-01-11", headers=HX)
    html = response.get_data(as_text=True)
    assert html.strip().startswith('<div id="cohorts-content">') and "<html" not in html
    assert _table(html, "curve-numbers") == [
        ("Referrals", ["-40.0 %", "not yet"]),
        ("Search", ["-50.0 %", "not yet"]),
    ]
    assert _table(html, "share-of-a") == [
        ("Referrals", ["1", "1", "100.0 %"]),
        ("Search", ["1", "0", "0.0 %"]),
    ]


def test_empty_install(viewer_client: FlaskClient) -> None:
    html = viewer_client.get("/cohorts/").get_data(as_text=True)
    assert "No channel has logged spend yet" in html
    assert html.count("No customers yet.") == 2
