"""Browser: an owner changes the week start on the settings page and sees it applied."""

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from app.models import Lead, Settings
from tests import factories
from tests.browser.conftest import EMAIL, PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def test_a_week_start_change_runs_in_the_background_and_reports_when_done(
    live_server: LiveServer, browser_page: Page
) -> None:
    page = browser_page
    with Session(live_server.engine) as session:
        ads = factories.channel(session, name="Ads")
        lead_id = factories.lead(session, ads, datetime(2026, 3, 8, 12, tzinfo=UTC)).id
    page.goto(live_server.url + "/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()

    page.get_by_label("Gross margin (%)").fill("250")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#f-gross_margin-error")).to_have_text(
        "must be more than 0 and at most 100")

    page.get_by_label("Gross margin (%)").fill("80")
    page.get_by_label("Week starts on").select_option("Sunday")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#settings-change")).to_contain_text(
        "Done: every cohort week", timeout=30_000)  # polled every second until it commits
    with Session(live_server.engine) as session:
        settings = session.get(Settings, 1)
        lead = session.get(Lead, lead_id)
        assert settings is not None and lead is not None
        assert (settings.week_start, settings.gross_margin) == (6, 0.8)
        assert lead.cohort_week == date(2026, 3, 8)  # a Sunday: its own week now
