"""Browser test: a spend cell saved over someone else's newer value shows the conflict in place."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from app.models import WeeklySpend
from kernel.weeks import utcnow, week_of
from tests import factories
from tests.browser.conftest import EMAIL, PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def _stored(server: LiveServer) -> tuple[int, int | None, int]:
    with Session(server.engine) as session:
        row = session.exec(select(WeeklySpend)).one()
        return row.amount_minor, row.impressions, row.version


def _change_behind_the_page(server: LiveServer, amount_minor: int, impressions: int) -> None:
    """Save the week as another editor would, after the page was loaded."""
    with Session(server.engine) as session:
        row = session.exec(select(WeeklySpend)).one()
        row.amount_minor, row.impressions = amount_minor, impressions
        session.add(row)
        session.commit()


def test_conflict_in_place_then_overwrite_and_keep_theirs(
    live_server: LiveServer, browser_page: Page, tmp_path: Path
) -> None:
    page = browser_page
    week = week_of(utcnow().date()).isoformat()
    with Session(live_server.engine) as session:
        channel = factories.channel(session, name="Google Ads")
        factories.spend(session, channel, week_of(utcnow().date()), 4_600, impressions=1_000)
        channel_id = channel.id
    page.goto(f"{live_server.url}/channels/{channel_id}")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/channels/{channel_id}")
    page.evaluate("window.noReloadMarker = 'still here'")

    _change_behind_the_page(live_server, 11_111, 5_000)
    amount = page.get_by_label(f"Amount, week of {week}")
    amount.fill("222.22")
    amount.press("Tab")
    expect(page.locator(f"#amount-{week}-conflict")).to_have_text("Now 111.11")
    expect(page.get_by_label(f"Impressions, week of {week}")).to_have_value("5000")
    assert _stored(live_server) == (11_111, 5_000, 2)
    page.screenshot(path=str(tmp_path / "conflict.png"), full_page=True)

    page.get_by_role("button", name="Overwrite").click()
    expect(page.locator(f"#week-{week} .saved")).to_have_text("Saved")
    assert _stored(live_server) == (22_222, 5_000, 3)

    _change_behind_the_page(live_server, 33_333, 5_000)
    amount.fill("444.44")
    amount.press("Tab")
    expect(page.locator(f"#amount-{week}-conflict")).to_have_text("Now 333.33")
    page.get_by_role("link", name="Keep theirs").click()
    expect(amount).to_have_value("333.33")
    expect(page.locator(f"#amount-{week}-conflict")).to_have_count(0)
    assert page.evaluate("window.noReloadMarker") == "still here"
    assert _stored(live_server) == (33_333, 5_000, 4)
