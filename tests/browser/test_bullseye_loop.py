"""Browser walk through the Bullseye loop: idea → test → data through the API → evaluation →
scale → the channel drawn in the inner ring, with the decision in its history."""

import math
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from app.accounts.users import create_token
from app.models import Channel, ChannelHistory, User
from kernel.weeks import utcnow, week_of
from tests.browser.conftest import EMAIL, PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def _token(server: LiveServer) -> str:
    with Session(server.engine) as session:
        owner = session.exec(select(User).where(User.email == EMAIL)).one()
        _row, token = create_token(session, user=owner, name="loop")
        session.commit()
    return token


def test_idea_to_scale(live_server: LiveServer, browser_page: Page) -> None:
    page, url = browser_page, live_server.url
    start = week_of(utcnow().date()) - timedelta(weeks=2)
    page.goto(url + "/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # 1. An idea in the outer ring.
    page.goto(url + "/bullseye/")
    form = page.locator("#idea-form")
    form.get_by_label("Name").fill("Podcast sponsorships")
    form.get_by_label("Kind").select_option("pr")
    form.get_by_role("button", name="Add idea").click()
    title = page.locator("svg.bullseye-chart title", has_text="Podcast sponsorships — outer ring")
    expect(title).to_have_count(1)
    with Session(live_server.engine) as session:
        channel = session.exec(select(Channel)).one()
        channel_id = channel.id

    # 2. A test for it, started.
    page.get_by_role("link", name="Plan a test of Podcast sponsorships").click()
    test_form = page.locator("#test-form")
    expect(test_form.get_by_label("Channel", exact=True)).to_have_value(str(channel_id))
    test_form.get_by_label("Name", exact=True).fill("Podcasts — founder stories")
    test_form.get_by_label("Start date").fill(start.isoformat())
    test_form.get_by_label("End date").fill((start + timedelta(days=27)).isoformat())
    test_form.get_by_label("Budget cap").fill("600")
    test_form.get_by_label("Max CAC").fill("200")
    test_form.get_by_label("Min customers").fill("5")
    test_form.get_by_role("button", name="Save test").click()
    expect(page.get_by_role("heading", name="Podcasts — founder stories")).to_be_visible()
    test_id = int(re.findall(r"/tests/(\d+)$", page.url)[0])
    page.get_by_role("button", name="Start test").click()
    expect(page.locator(".badge.test-status-running")).to_be_visible()

    # 3. Spend, leads and purchases through the API.
    headers = {"Authorization": f"Bearer {_token(live_server)}"}
    api = url + "/api/v1"
    spent = page.request.put(f"{api}/channels/{channel_id}/spend", headers=headers,
                             data=[{"week": start.isoformat(), "amount": 250},
                                   {"week": (start + timedelta(days=7)).isoformat(),
                                    "amount": 250}])
    assert spent.ok, spent.text()
    leads = [{"external_id": f"pod-{i}", "channel_id": channel_id, "test_id": test_id,
              "created_at": (start + timedelta(days=1 + i % 7)).isoformat() + "T10:00:00Z"}
             for i in range(40)]
    assert page.request.post(f"{api}/leads", headers=headers, data=leads).ok
    purchases = [{"external_id": f"inv-{i}", "lead_external_id": f"pod-{i}",
                  "purchased_at": (start + timedelta(days=9)).isoformat(), "amount": 300}
                 for i in range(20)]
    assert page.request.post(f"{api}/purchases", headers=headers, data=purchases).ok

    # 4. The evaluation: 500.00 of a 600.00 cap, 20 customers, CAC 25.00 with the exact
    # interval 500 / (Garwood 95 % for 20) = 16.19–40.93, all under the 200.00 maximum.
    page.reload()
    evaluation = page.locator("#evaluation")
    expect(evaluation).to_contain_text("500.00 USD of 600.00 USD (83 %)")
    expect(evaluation).to_contain_text("All 2 criteria met: 500.00 USD spent of a 600.00 USD "
                                       "cap, 40 leads, 20 customers, CAC 25.00 USD")
    expect(evaluation.locator('tr[data-criterion="max_cac"] td')).to_have_text(
        ["CAC ≤ 200.00 USD", "met", "CAC 25.00 USD (95 % 16.19 USD–40.93 USD)"])
    expect(evaluation).to_contain_text("needs a decision every criterion is decided")

    # 5. Decide scale.
    decision = page.locator("#decision-form")
    decision.get_by_label("Decision").select_option("scale")
    decision.get_by_label("Note").fill("CAC 25 against a 200 target")
    decision.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".decision-record")).to_contain_text(
        f"Scale on {utcnow().date().isoformat()} by {EMAIL}: CAC 25 against a 200 target")

    # 6. Drawn in the inner ring, and the history says why.
    page.goto(url + "/bullseye/")
    inner = page.locator("svg.bullseye-chart title", has_text="Podcast sponsorships — inner ring")
    expect(inner).to_have_count(1)
    dot = page.locator("svg.bullseye-chart a.bullseye-channel").filter(
        has=page.locator("title", has_text="Podcast sponsorships — inner ring")).locator("circle")
    box = page.locator("svg.bullseye-chart").get_attribute("viewBox") or ""
    _x, _y, width, height = (float(v) for v in box.split())
    cx, cy = (float(dot.get_attribute(name) or "nan") for name in ("cx", "cy"))
    assert math.hypot(cx - width / 2, cy - height / 2) < 95  # the inner ring's radius
    page.goto(f"{url}/channels/{channel_id}")
    history = page.locator("section", has=page.get_by_role("heading",
                                                            name="Ring and status history"))
    expect(history.locator("tbody tr").first).to_contain_text(
        "decision scale on Podcasts — founder stories")
    with Session(live_server.engine) as session:
        moves = session.exec(select(ChannelHistory).where(
            ChannelHistory.channel_id == channel_id)).all()
        assert [(m.ring, m.status, m.decision) for m in moves][-1] == ("inner", "focus", "scale")
