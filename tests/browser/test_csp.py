"""The pages work under the Content-Security-Policy: no violation, htmx still swaps (issue 20)."""

from datetime import timedelta

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from sqlmodel import Session

from kernel.weeks import utcnow, week_of
from tests import factories
from tests.browser.conftest import EMAIL, PASSWORD, LiveServer

pytestmark = pytest.mark.browser

PAGES = ("/", "/bullseye/", "/channels/", "/cohorts/", "/compare/", "/segments/", "/imports/",
         "/tokens/", "/account", "/users", "/audit/")


def test_no_csp_violation_on_any_page_and_htmx_works(live_server: LiveServer,
                                                     browser_page: Page) -> None:
    page = browser_page
    this_week = week_of(utcnow().date())
    with Session(live_server.engine) as session:
        channel = factories.channel(session, name="Google Ads", ring="inner", status="focus")
        factories.spend(session, channel, this_week - timedelta(weeks=1), 100_000)
        channel_id = channel.id
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    for path in (*PAGES, f"/channels/{channel_id}"):
        response = page.goto(live_server.url + path)
        assert response is not None and response.ok, path
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        page.wait_for_load_state("networkidle")
    # htmx still swaps in place under the policy (its script is same-origin, no eval needed).
    page.evaluate("window.noReloadMarker = 'still here'")
    amount = page.get_by_label(f"Amount, week of {this_week.isoformat()}")
    amount.fill("250")
    amount.press("Tab")
    expect(page.locator("#channel-spend")).to_have_text("1,250.00 USD")
    assert page.evaluate("window.noReloadMarker") == "still here"
    assert problems == []
