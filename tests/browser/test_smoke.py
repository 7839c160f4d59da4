"""Browser smoke test: sign in, open a channel, edit the spend grid in place."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from app.models import WeeklySpend
from kernel.weeks import utcnow, week_of
from tests import factories
from tests.browser.conftest import EMAIL, PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def _stored(server: LiveServer) -> dict[date, int]:
    with Session(server.engine) as session:
        return {r.week: r.amount_minor for r in session.exec(select(WeeklySpend))}


def test_edit_spend_in_place(live_server: LiveServer, browser_page: Page, tmp_path: Path) -> None:
    page = browser_page
    this_week = week_of(utcnow().date())
    last_week = this_week - timedelta(weeks=1)
    with Session(live_server.engine) as session:
        channel = factories.channel(session, name="Google Ads", ring="inner", status="focus")
        factories.spend(session, channel, last_week, 100_000)
        channel_id = channel.id

    page.goto(live_server.url + "/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("#dashboard-table")).to_contain_text("1,000.00")

    page.get_by_role("link", name="Google Ads").click()
    expect(page).to_have_url(f"{live_server.url}/channels/{channel_id}")
    spend_total = page.locator("#channel-spend")
    expect(spend_total).to_have_text("1,000.00 USD")
    page.evaluate("window.noReloadMarker = 'still here'")

    amount = page.get_by_label(f"Amount, week of {this_week.isoformat()}")
    amount.fill("250.5")
    amount.press("Tab")
    expect(spend_total).to_have_text("1,250.50 USD")
    expect(page.locator("#spend-grid-total")).to_have_text("1,250.50")
    assert page.evaluate("window.noReloadMarker") == "still here"
    assert _stored(live_server) == {last_week: 100_000, this_week: 25_050}

    bad = page.get_by_label(f"Amount, week of {last_week.isoformat()}")
    bad.fill("1.234")
    bad.press("Tab")
    expect(page.locator(f"#amount-{last_week.isoformat()}-error")).to_have_text(
        "Amount is ambiguous: '.' may be a thousands separator or a decimal mark; "
        "write 1234 or 1234.00."
    )
    expect(spend_total).to_have_text("1,250.50 USD")
    assert page.evaluate("window.noReloadMarker") == "still here"
    assert _stored(live_server) == {last_week: 100_000, this_week: 25_050}
    page.screenshot(path=str(tmp_path / "channel.png"), full_page=True)


def test_rank_select_and_triangle_switch_swap_in_place(
    live_server: LiveServer, browser_page: Page
) -> None:
    page = browser_page
    this_week = week_of(utcnow().date())
    with Session(live_server.engine) as session:
        cheap = factories.channel(session, name="Cheap but weak", ring="middle")
        strong = factories.channel(session, name="Costly but strong", ring="middle")
        factories.spend(session, cheap, this_week, 1_000)
        factories.purchase(session, factories.lead(session, cheap, this_week), this_week, 500)
        factories.spend(session, strong, this_week, 10_000)
        factories.purchase(session, factories.lead(session, strong, this_week), this_week, 30_000)
        strong_id = strong.id

    page.goto(live_server.url + "/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    rows = page.locator("tr[data-channel]")
    expect(rows.first).to_have_attribute("data-channel", "Costly but strong")  # ROI 200 %
    page.evaluate("window.noReloadMarker = 'still here'")
    page.get_by_label("Rank by").select_option("cac")
    expect(rows.first).to_have_attribute("data-channel", "Cheap but weak")  # CAC 10 < 100
    expect(page).to_have_url(re.compile(r"rank=cac"))
    assert page.evaluate("window.noReloadMarker") == "still here"

    page.goto(f"{live_server.url}/channels/{strong_id}")
    cell = page.locator("table.heatmap tbody td.cell").first
    expect(cell).to_have_text("300")
    page.evaluate("window.noReloadMarker = 'still here'")
    page.get_by_role("button", name="ROI").click()
    expect(cell).to_have_text("200 %")
    expect(page.get_by_role("button", name="ROI")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.noReloadMarker") == "still here"
