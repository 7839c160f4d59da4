"""Browser test: a founder logs one week of one channel with the keyboard alone, in under a minute.

Speed is the user's, not the server's: the test counts every key the person presses (no mouse
click at all) and the values they have to recall, and prices them at a slow typist's pace
(KEY_SECONDS per key, 40 words a minute) plus THINK_SECONDS to recall each value. Server and
browser time are left out on purpose: they are measured by the benchmarks, not here.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, func, select

from app.models import Lead, Purchase
from ingest.quick_log import WeekEntry, store_week
from kernel.weeks import date_window, last_complete_week, utcnow
from tests import factories
from tests.browser.conftest import EMAIL, PASSWORD, LiveServer

pytestmark = pytest.mark.browser

KEY_SECONDS = 0.3  # 40 words a minute = 200 characters a minute
THINK_SECONDS = 5.0  # to recall or look up one number
MINUTE = 60.0


class Keyboard:
    """Presses keys in the page and counts them (Tab and Enter are one key each)."""

    def __init__(self, page: Page) -> None:
        self.page, self.keys, self.values = page, 0, 0

    def enter_value(self, text: str) -> None:
        """Type one value the person had to recall."""
        self.page.keyboard.type(text)
        self.keys += len(text)
        self.values += 1

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keys += 1

    def focused(self) -> str:
        """Return the name of the focused input."""
        return str(self.page.evaluate("document.activeElement.name"))


def test_a_week_is_logged_with_the_keyboard_in_under_a_minute(
    live_server: LiveServer, browser_page: Page
) -> None:
    page = browser_page
    today = utcnow().date()
    week = last_complete_week(today, 0)
    earlier = week - timedelta(weeks=1)
    with Session(live_server.engine) as session:
        channel_id = factories.channel(session, name="Podcasts").id or 0
        store_week(session.connection(), channel_id, earlier, WeekEntry(50000, 5, {}),
                   window=date_window(today))  # fmt: skip
        session.commit()
    page.goto(live_server.url + "/log/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Podcasts: week of {week}")).to_be_visible()

    keyboard = Keyboard(page)
    assert keyboard.focused() == "spend"  # the channel and last week are already chosen
    keyboard.enter_value("1000")
    keyboard.press("Tab")
    assert keyboard.focused() == "leads"
    keyboard.enter_value("7")
    for _ in range(3):  # past this week's own cohort (no buyers yet) to last week's leads
        keyboard.press("Tab")
    assert keyboard.focused() == f"buyers.{earlier}"
    keyboard.enter_value("2")
    keyboard.press("Tab")
    keyboard.enter_value("600")
    keyboard.press("Enter")
    expect(page.get_by_text(f"Saved the week of {week} for Podcasts.")).to_be_visible()

    seconds = keyboard.keys * KEY_SECONDS + keyboard.values * THINK_SECONDS
    assert (keyboard.keys, keyboard.values) == (15, 4)
    assert seconds < MINUTE  # 15 keys and 4 values: 24.5 s
    with Session(live_server.engine) as session:
        assert session.exec(select(func.count()).select_from(Lead)).one() == 12
        amounts = session.exec(select(Purchase.amount_minor)).all()
    assert sorted(amounts) == [30000, 30000]
