"""Browser: "send now" on the weekly email page answers at once, then the status box turns
to sent by itself (htmx polling, under the page's CSP) once the worker has sent it."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.digest.queue import run_pending
from tests.browser.conftest import EMAIL, PASSWORD, prepare_database, served_app, serving
from tests.digest_support import running_smtp, use_smtp

pytestmark = pytest.mark.browser


def test_send_now_is_queued_then_shown_sent_without_a_reload(tmp_path: Path,
                                                            browser_page: Page) -> None:
    database_url, engine = prepare_database(tmp_path)
    app = served_app(database_url, tmp_path)  # create_app: no worker thread, the test is it
    page = browser_page
    for smtp in running_smtp():
        use_smtp(app, smtp.port)
        with serving(app, engine) as server:
            page.goto(server.url + "/")
            page.get_by_label("Email").fill(EMAIL)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.goto(server.url + "/digest/")
            page.get_by_role("button", name="email to me").click()
            status = page.locator("#digest-send")
            expect(status).to_contain_text(f"to {EMAIL} is queued")
            assert smtp.inbox.received == []
            assert run_pending(app, "browser-test-worker") == 1
            expect(status).to_contain_text("Sent the email of the week of", timeout=15_000)
            expect(status).to_have_attribute("data-status", "done")
            [(to, _message)] = smtp.inbox.received
            assert to == [EMAIL]
