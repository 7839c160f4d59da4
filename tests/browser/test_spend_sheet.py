"""The weekly spend sheet in Chromium: arrow keys and Enter move, a pasted column fills down."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from app.models import WeeklySpend
from kernel.weeks import utcnow, week_of
from tests import factories
from tests.browser.conftest import EMAIL, PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def _stored(server: LiveServer) -> dict[tuple[int, date], int]:
    with Session(server.engine) as session:
        return {(r.channel_id, r.week): r.amount_minor for r in session.exec(select(WeeklySpend))}


def test_keyboard_and_pasted_column_fill_the_sheet(live_server: LiveServer,
                                                   browser_page: Page) -> None:
    page = browser_page
    now = week_of(utcnow().date())
    weeks = [now - timedelta(weeks=i) for i in range(3, -1, -1)]  # oldest first, as shown
    with Session(live_server.engine) as session:
        ads = factories.channel(session, name="Ads", status="focus").id
        seo = factories.channel(session, name="SEO", kind="seo").id
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/spend/?weeks=4")

    first = page.get_by_label(f"Ads, week of {weeks[0].isoformat()}")
    first.focus()
    page.keyboard.press("ArrowRight")  # empty cell: the caret is at the end, so move right
    expect(page.get_by_label(f"SEO, week of {weeks[0].isoformat()}")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label(f"SEO, week of {weeks[1].isoformat()}")).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowLeft")
    expect(first).to_be_focused()

    # a column copied from a spreadsheet: three lines fill this cell and the two below
    page.evaluate("""() => {
      const data = new DataTransfer();
      data.setData("text/plain", "1 250,50\\r\\n99.5\\r\\n0\\r\\n");
      document.activeElement.dispatchEvent(new ClipboardEvent("paste", {
        clipboardData: data, bubbles: true, cancelable: true}));
    }""")
    expect(page.get_by_label(f"Ads, week of {weeks[2].isoformat()}")).to_have_value("0")
    page.get_by_label(f"SEO, week of {weeks[3].isoformat()}").fill("1,234")  # ambiguous
    page.get_by_role("button", name="Save the sheet").click()
    expect(page.locator("#sheet-problems")).to_contain_text("Nothing was saved.")
    expect(page.locator("#sheet-problems")).to_contain_text("Amount is ambiguous")
    assert _stored(live_server) == {}

    page.get_by_label(f"SEO, week of {weeks[3].isoformat()}").fill("1234")
    page.get_by_role("button", name="Save the sheet").click()
    expect(page.locator("#sheet-saved")).to_have_text("Saved: 4 cells changed.")
    assert _stored(live_server) == {(ads, weeks[0]): 125_050, (ads, weeks[1]): 9_950,
                                    (ads, weeks[2]): 0, (seo, weeks[3]): 123_400}
    expect(page.locator("#sheet-total")).to_have_text("2,584.00")
    expect(page.locator(f'[data-channel-total="{ads}"]')).to_have_text("1,350.00")
