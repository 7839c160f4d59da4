"""Browser: upload a file with errors, read the report, fix it, upload again, watch it finish."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from app.jobs import imports as import_jobs
from app.models import Lead
from tests import factories
from tests.browser.conftest import EMAIL, PASSWORD, LiveServer

pytestmark = pytest.mark.browser

HEADER = "external_id,channel,created_at,grade\n"


def test_fix_a_bad_file_and_watch_the_import_finish(
    live_server: LiveServer, browser_page: Page, tmp_path: Path
) -> None:
    page = browser_page
    with Session(live_server.engine) as session:
        factories.channel(session, name="Google Ads")
    bad = tmp_path / "leads.csv"
    bad.write_text(
        HEADER + "crm-1,Google Ads,2024-03-05,hot\ncrm-2,Google Ads,2024-03-05,lukewarm\n"
    )
    good = tmp_path / "leads-fixed.csv"
    rows = "".join(f"crm-{n},Google Ads,2024-03-05T10:00:00Z,warm\n" for n in range(1, 3001))
    good.write_text(HEADER + rows)

    page.goto(live_server.url + "/imports/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Import and export")).to_be_visible()

    page.get_by_label("The file holds").select_option("leads")
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-job")).to_have_attribute("data-status", "failed")
    expect(page.locator("#import-outcome")).to_contain_text("1 problem found.")
    problem = page.locator("#import-problems tbody tr")
    expect(problem).to_have_count(1)
    expect(problem.locator("td").nth(0)).to_have_text("3")
    expect(problem.locator("td").nth(1)).to_have_text("grade")
    expect(problem.locator("td").nth(2)).to_have_text("lukewarm")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the full report (CSV)").click()
    report = Path(download.value.path()).read_text().splitlines()
    assert report[0] == "row,column,value,message" and report[1].startswith("3,grade,lukewarm,")

    page.get_by_role("link", name="All imports").click()
    page.get_by_label("The file holds").select_option("leads")
    page.get_by_label("CSV file").set_input_files(str(good))
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") else None)
    job = page.locator("#import-job")
    with import_jobs._import_lock:  # hold the queue so that the page must poll before it runs
        page.get_by_role("button", name="Import").click()
        expect(job).to_have_attribute("data-status", "queued")
        expect(page.locator("#import-progress")).to_have_attribute("value", "0")
        page.wait_for_timeout(1_500)
    expect(job).to_have_attribute("data-status", "succeeded", timeout=30_000)
    assert len(polls) >= 2 and all(url == page.url for url in polls)
    finished_polls = len(polls)
    page.wait_for_timeout(1_500)
    assert len(polls) == finished_polls  # a finished job stops polling
    expect(page.locator("#import-progress")).to_have_attribute("value", "100")
    expect(page.locator("#import-rows")).to_contain_text("3,000")
    expect(page.locator("#import-outcome")).to_contain_text("3,000 created")
    with Session(live_server.engine) as session:
        assert len(session.exec(select(Lead)).all()) == 3_000
    page.screenshot(path=str(tmp_path / "import.png"), full_page=True)
