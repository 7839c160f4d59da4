""""Decisions this week" on the `flask demo` dataset, through the dashboard page."""

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.models import Channel
from demo.catalogue import BURNOUT_CHANNEL, SATURATION_CHANNEL, SMALL_CHANNEL
from tests.fits_support import compute_fits

END = date(2026, 3, 29)
RUN = ["demo", "--leads", "20000", "--seed", "7", "--weeks", "52", "--end", END.isoformat()]


@pytest.fixture
def demo_page(app: Flask, db: Session, viewer_client: FlaskClient) -> tuple[str, dict[str, int]]:
    """Load the demo, run the fit worker as of its end; return the dashboard and channel ids."""
    result = app.test_cli_runner().invoke(args=RUN)
    assert result.exit_code == 0, result.output
    compute_fits(app, END)
    ids = {c.name: c.id or 0 for c in db.exec(select(Channel))}
    return viewer_client.get(f"/?as_of={END.isoformat()}").get_data(as_text=True), ids


TEST_KINDS = ("test_needs_decision", "iterate_without_follow_up")


def _listed(html: str) -> set[tuple[str, int]]:
    panel = re.search(r'<section id="decisions".*?</section>', html, re.S)
    assert panel, "no decisions panel"
    return {(kind, int(cid)) for kind, cid in
            re.findall(r'data-kind="(\w+)" data-channel-id="(\d+)"', panel.group(0))}


def _inner_rows(html: str) -> dict[str, str]:
    """Return the inner ring's rows of the table by channel name."""
    ring = re.search(r'<tbody class="ring-group ring-inner">.*?</tbody>', html, re.S)
    assert ring, "no inner ring"
    return dict(re.findall(r'<tr data-channel="([^"]+)">(.*?)</tr>', ring.group(0), re.S))


def _ltv_rule(row: str) -> str:
    found = re.search(r'<span class="rule rule-(\w+)" title="LTV ≥', row)
    assert found, row
    return found.group(1)


def test_the_burned_out_focus_channel_is_listed_first(
    demo_page: tuple[str, dict[str, int]]
) -> None:
    html, ids = demo_page
    assert 'class="badge health status-burned_out"' in _inner_rows(html)[BURNOUT_CHANNEL]
    assert ("burned_out_in_focus", ids[BURNOUT_CHANNEL]) in _listed(html)
    first = re.search(r'data-kind="(\w+)" data-channel-id="(\d+)"', html)
    assert first and (first.group(1), int(first.group(2))) == ("burned_out_in_focus",
                                                                ids[BURNOUT_CHANNEL])
    assert f"{BURNOUT_CHANNEL} is burned out but still in the inner ring with status focus: " \
           "conversion fell from " in html


def test_inner_channels_failing_ltv_to_cac_are_listed(
    demo_page: tuple[str, dict[str, int]]
) -> None:
    html, ids = demo_page
    rows = _inner_rows(html)
    failing = {name for name, row in rows.items() if _ltv_rule(row) == "fail"}
    assert failing, "the demo has an inner-ring channel failing LTV ≥ 3 × CAC"
    listed = _listed(html)
    assert {name for name in rows if ("fails_ltv_to_cac", ids[name]) in listed} == failing


def test_a_healthy_channel_passing_both_rules_is_not_listed_even_in_the_inner_ring(
    demo_page: tuple[str, dict[str, int]], db: Session, viewer_client: FlaskClient
) -> None:
    html, ids = demo_page
    rows = dict(re.findall(r'<tr data-channel="([^"]+)">(.*?)</tr>', html, re.S))
    passing = [name for name, row in rows.items()
               if 'health status-healthy"' in row and row.count('class="rule rule-pass"') == 2]
    assert passing, "the demo has a healthy channel passing both rules"
    channel = db.get(Channel, ids[passing[0]])
    assert channel is not None
    channel.ring, channel.status = "inner", "focus"  # what the user does to scale a channel
    db.add(channel)
    db.commit()
    html = viewer_client.get(f"/?as_of={END.isoformat()}").get_data(as_text=True)
    assert passing[0] in _inner_rows(html)
    channel_items = {cid for kind, cid in _listed(html) if kind not in TEST_KINDS}
    assert ids[passing[0]] not in channel_items
    assert ("burned_out_in_focus", ids[BURNOUT_CHANNEL]) in _listed(html)


def test_tests_needing_a_decision_and_iterations_without_follow_up_are_listed(
    demo_page: tuple[str, dict[str, int]]
) -> None:
    html, ids = demo_page
    listed = _listed(html)
    assert ("test_needs_decision", ids[SATURATION_CHANNEL]) in listed
    assert "Test “Competitor keywords — comparison ads” on Google Ads — competitor keywords " \
           "needs a decision (over budget): " in html
    assert ("test_needs_decision", ids["Newsletter sponsorships"]) in listed
    assert "needs a decision (past its end date)" in html
    assert ("iterate_without_follow_up", ids[SMALL_CHANNEL]) in listed
    # Running within its budget and before its end, with criteria still open: not listed.
    assert ("test_needs_decision", ids["Google Ads — long tail"]) not in listed


def test_the_board_shows_tests_in_every_state(
    demo_page: tuple[str, dict[str, int]], viewer_client: FlaskClient
) -> None:
    html = viewer_client.get(f"/tests/?as_of={END.isoformat()}").get_data(as_text=True)
    columns = dict(re.findall(
        r'<section class="card test-column" data-status="(\w+)"(.*?)</section>', html, re.S))
    assert "Webinar — pricing deep-dive" in columns["planned"]
    running = {name: card for name, card in re.findall(
        r'<a href="/tests/\d+[^"]*">([^<]+)</a>(.*?)</article>', columns["running"], re.S)}
    assert set(running) == {"Long tail — new landing page",
                            "Competitor keywords — comparison ads",
                            "Newsletters — developer weeklies"}
    assert "needs a decision" not in running["Long tail — new landing page"]
    assert "over budget" in running["Competitor keywords — comparison ads"]
    assert "past its end date" in running["Newsletters — developer weeklies"]
    decided = set(re.findall(r'class="badge decision-(\w+)"', columns["completed"]))
    assert decided == {"scale", "kill", "iterate"}


def test_the_weekly_email_lists_the_tests_the_dashboard_lists(
    app: Flask, demo_page: tuple[str, dict[str, int]]
) -> None:
    """The email of the week ending END reads the same tests as the dashboard as of END."""
    from app.digest.content import digest_for

    html, _ = demo_page
    with app.test_request_context("/"):
        email = digest_for(END - timedelta(days=6))
    after = email.text.split("TESTS NEEDING A DECISION\n")[1].lstrip("\n")
    section = after.split("\n\n")[0]  # its items, up to the next blank line
    for name in ("Competitor keywords — comparison ads", "Newsletters — developer weeklies"):
        assert f"Test “{name}”" in html
        assert f"Test “{name}”" in section, section
    assert "Long tail — new landing page" not in section
    assert "No test needs a decision." not in email.html
