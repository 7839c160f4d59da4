"""Every page, with the demo data, in headless Chromium on a desktop and a phone screen.

Pages are found in the app's URL map (GET routes; parameters filled from the demo data), so a
page someone adds is checked without touching this file. A page passes when its body does not
scroll sideways, no element sticks out of its card, the console shows no error, no request
fails, and axe-core finds no serious or critical accessibility violation. A screenshot of each
page at each size is saved under tests/artifacts/ (git-ignored) for a reviewer to look at.
"""

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page

from app.jobs.fits import run_once
from demo.generator import SATURATION_CHANNEL, generate
from demo.loader import write_dataset
from tests.browser.conftest import (
    EMAIL,
    PASSWORD,
    LiveServer,
    prepare_database,
    served_app,
    serving,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts"
VIEWPORTS = {"desktop": (1440, 900), "phone": (390, 844)}
# Routes that are not pages: the API, files, sign-out, and htmx fragments are told apart by
# their answer (a page is a whole HTML document); these never answer GET with one.
NOT_PAGES = ("/api/", "/static/", "/digest/preview")  # the email itself: test_digest_email

# Elements that stick out of their card, unless inside something that scrolls or clips.
OUTSIDE_CARDS = """() => {
  // inside a box that scrolls (the card itself included) or an inner box that clips on purpose
  const clipped = (el, card) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const overflow = getComputedStyle(p).overflowX;
      if (["auto", "scroll"].includes(overflow)) return true;
      if (p === card) return false;
      if (["hidden", "clip"].includes(overflow)) return true;
    }
    return false;
  };
  const out = [];
  for (const card of document.querySelectorAll(".card")) {
    const box = card.getBoundingClientRect();
    for (const el of card.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || el.closest(".visually-hidden")) continue;
      if ((r.left < box.left - 1 || r.right > box.right + 1) && !clipped(el, card)) {
        out.push(`${el.tagName.toLowerCase()}.${el.className} (${Math.round(r.left)}–` +
                 `${Math.round(r.right)} in ${Math.round(box.left)}–${Math.round(box.right)})`);
      }
    }
  }
  return out.slice(0, 5);
}"""
# How far the page scrolls sideways, and the outermost elements that stick out (to name them).
OVERFLOW = """() => {
  const extra = document.documentElement.scrollWidth - window.innerWidth;
  const free = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return false;
    }
    return true;
  };
  const wide = [...document.body.querySelectorAll("*")].filter(el =>
    el.getBoundingClientRect().right > window.innerWidth + 1 && free(el));
  return [extra, wide.slice(-3).map(el =>
    `${el.tagName.toLowerCase()}.${el.getAttribute("class") || ""}#${el.id}`)];
}"""
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => ["serious", "critical"].includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " — " + n.failureSummary)}));
}"""


def _demo_app(folder: Path) -> tuple[Flask, sa.Engine]:
    """Return an app on a new database holding the demo data, with its health fits computed."""
    database_url, engine = prepare_database(folder)
    data = generate(leads=4000, seed=7, weeks=40, end=date.today())
    with engine.begin() as conn:
        write_dataset(conn, data)
    app = served_app(database_url, folder)
    app.config["IMPORTS_SYNCHRONOUS"] = True
    run_once(app, "browser-test")
    return app, engine


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Flask]]:
    """Serve the demo data for every page of this module."""
    folder = tmp_path_factory.mktemp("every-page")
    app, engine = _demo_app(folder)
    with serving(app, engine) as server:
        yield server, app


def _fill(argument: str, engine: sa.Engine) -> list[str]:
    """Return the values a URL argument takes on the checked pages, from the demo data."""
    with engine.connect() as conn:
        if argument == "channel_id":
            rows = conn.execute(sa.text(
                "SELECT id FROM channel WHERE name = :busy OR status = 'idea' ORDER BY status = "
                "'idea', id LIMIT 2"), {"busy": SATURATION_CHANNEL}).scalars()  # fmt: skip
            return [str(row) for row in rows]
        if argument == "week_text":
            return [str(conn.execute(sa.text("SELECT MAX(week) FROM weekly_spend")).scalar())]
        if argument == "kind":
            return ["spend"]
        if argument == "node_path":
            return ["0"]  # the root of the audience page's segment tree
        if argument == "secret":
            return []  # one-time password links: a demo has none (tests/app/views/test_users.py)
        if argument.endswith("_id"):
            table = {"job_id": "import_job", "test_id": "experiment",
                     "run_id": "digest_run", "send_id": "digest_send"}.get(argument,
                                                                         argument[:-3])
            if sa.inspect(conn).has_table(table):
                first = conn.execute(sa.text(f'SELECT MIN(id) FROM "{table}"')).scalar()
                return [] if first is None else [str(first)]
    pytest.fail(f"no demo value for URL argument {argument!r}: teach tests/browser/"
                "test_every_page.py::_fill where to find one")


def page_urls(app: Flask, engine: sa.Engine) -> list[str]:
    """Return every GET URL of the app outside the API, arguments filled from the demo data."""
    urls: list[str] = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(NOT_PAGES):
            continue
        choices: list[dict[str, str]] = [{}]
        for argument in sorted(rule.arguments):
            choices = [c | {argument: v} for c in choices for v in _fill(argument, engine)]
        with app.test_request_context():
            urls += [app.url_for(rule.endpoint, **c) for c in choices]
    return sorted(set(urls))


def _sign_in(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/")


def _listen(page: Page) -> list[str]:
    """Return a list that collects console errors and failed requests of `page` from now on."""
    heard: list[str] = []
    page.on("console", lambda m: m.type == "error" and heard.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: heard.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: heard.append(f"request failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and heard.append(f"{r.status}: {r.url}"))
    return heard


def _problems(page: Page, url: str, size: str, heard: list[str]) -> list[str]:
    """Open `url` and return what is wrong with it (empty: the page passes or is no page)."""
    probe = page.request.get(url, max_redirects=0)  # the browser's cookies, no navigation
    if not probe.headers.get("content-type", "").startswith("text/html"):
        return []  # a file (CSV export, template) or a redirect
    if not probe.text().lstrip().lower().startswith("<!doctype html>"):
        return []  # an htmx fragment, not a page
    heard.clear()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    name = url.split("://", 1)[1].split("/", 1)[1].strip("/").replace("/", "_") or "dashboard"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
    messages = list(heard)
    extra, wide = page.evaluate(OVERFLOW)
    if extra > 0:
        messages.append(f"the page scrolls sideways by {extra} px: {', '.join(wide)}")
    messages += [f"outside its card: {e}" for e in page.evaluate(OUTSIDE_CARDS)]
    # Evaluated through the DevTools protocol: an injected inline <script> would be refused by
    # the pages' Content-Security-Policy (no inline scripts), which the test must not loosen.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    messages += [f"axe {v['impact']} {v['id']}: {v['help']} {json.dumps(v['nodes'])}"
                 for v in page.evaluate(AXE_RUN)]
    return messages


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_every_page_fits_works_and_is_accessible(
    demo_server: tuple[LiveServer, Flask], browser_page: Page, size: str
) -> None:
    server, app = demo_server
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make setup` (npm ci installs axe-core)")
    width, height = VIEWPORTS[size]
    page = browser_page
    page.set_viewport_size({"width": width, "height": height})
    _sign_in(page, server)
    urls = page_urls(app, server.engine)
    assert {"/", "/spend/", "/compare/matrix"} <= set(urls)  # found in the URL map
    heard = _listen(page)
    report: dict[str, Any] = {}
    for path in urls:
        if found := _problems(page, server.url + path, size, heard):
            report[path] = found
    assert report == {}, json.dumps(report, indent=1, ensure_ascii=False)


def test_customer_mix_card_has_no_large_empty_area(
    demo_server: tuple[LiveServer, Flask], browser_page: Page
) -> None:
    server, _ = demo_server
    page = browser_page
    page.set_viewport_size({"width": 1440, "height": 900})
    _sign_in(page, server)
    page.goto(server.url + "/cohorts/")
    card = page.locator("section.card", has=page.get_by_role("heading", name="Customer mix"))
    empty = card.evaluate("""card => {
      const last = card.lastElementChild.getBoundingClientRect();
      return card.getBoundingClientRect().bottom - last.bottom;
    }""")
    assert empty < 40  # the card ends after its padding, not at the height of its neighbour
