"""The weekly email in headless Chromium: 600 px wide without horizontal scrolling, and
every text readable (contrast) whether the reader's client is in light or dark mode."""

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page
from sqlmodel import Session

from app.digest.content import digest_for
from tests.digest_support import GOALS_WEEK, WEEK, goals_scenario, scenario

SCREENSHOTS = Path(__file__).parent / "screenshots"  # git-ignored

# For every element with its own text: its colour, and the first opaque background above it.
CONTRAST = """() => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = el => { for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c; }
    return [255, 255, 255]; };
  const worst = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    worst.push([ratio, el.textContent.trim().slice(0, 40)]);
  }
  return worst.sort((x, y) => x[0] - y[0]).slice(0, 3);
}"""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_email_fits_600px_and_stays_readable(app: Flask, db: Session, browser_page: Page,
                                             scheme: str) -> None:
    scenario(db)
    with app.app_context():
        html = digest_for(WEEK).html
    page = browser_page
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    page.set_viewport_size({"width": 600, "height": 900})
    page.set_content(html)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == 600, widths
    assert page.locator("text=Headline numbers").is_visible()
    assert page.locator("tr[data-channel-id]").count() == 2
    worst = page.evaluate(CONTRAST)
    assert worst and worst[0][0] >= 4.5, worst  # WCAG AA for normal text
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"digest-600-{scheme}.png"), full_page=True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_email_with_every_goal_kind_fits_600px(app: Flask, db: Session,
                                               browser_page: Page) -> None:
    goals_scenario(db)  # four goals of all eight kinds, two months, with intervals
    with app.app_context():
        html = digest_for(GOALS_WEEK).html
    page = browser_page
    page.set_viewport_size({"width": 600, "height": 900})
    page.set_content(html)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == 600, widths
    assert page.locator("tr[data-kind]").count() == 4 * 8
    worst = page.evaluate(CONTRAST)
    assert worst and worst[0][0] >= 4.5, worst
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "digest-600-goals.png"), full_page=True)
