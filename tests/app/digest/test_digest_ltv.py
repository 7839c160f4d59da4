"""The weekly email shows each channel's projected LTV with the channel page's 80 % interval."""

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.digest import content
from app.digest.content import digest_for
from tests import factories
from tests.fits_support import compute_fits
from tests.ltv_support import MON, store_customers

AS_OF = MON + timedelta(days=146)  # a Sunday: the last day of the email's week
WEEK = AS_OF - timedelta(days=6)
PAGE_LTV = re.compile(r'LTV \(projected\)</span><span class="value">([^<]+)</span>\s*'
                      r'<span class="basis">80 % interval ([^–]+) – ([^;]+);')


def test_the_email_shows_the_projected_ltv_with_the_channel_pages_interval(
    app: Flask, db: Session, viewer_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    big, small = factories.channel(db, name="Big"), factories.channel(db, name="Small")
    store_customers(db, big.id, 300, seed=3)
    store_customers(db, small.id, 30, seed=4)
    with app.test_request_context("/"):
        before = digest_for(WEEK)  # no stored fit yet: the email projects itself
    compute_fits(app)
    pages = {}
    for channel in (big, small):
        html = viewer_client.get(f"/channels/{channel.id}?as_of={AS_OF}").get_data(as_text=True)
        found = PAGE_LTV.search(html)
        assert found is not None, channel.name
        pages[channel.name] = [value.strip() for value in found.groups()]
    # Now the stored fit is read: projecting again would fail.
    monkeypatch.setattr(content, "channel_ltvs", lambda **_: pytest.fail("fitted again"))
    with app.test_request_context("/"):
        after = digest_for(WEEK)
    for email in (before, after):
        for name, (ltv, low, high) in pages.items():
            line = next(row for row in email.text.splitlines() if row.startswith(f"- {name}:"))
            assert f"projected LTV {ltv} (80 % interval {low} – {high})" in line
            row = re.search(rf'<tr data-channel-id="\d+">\s*<td[^>]*>{name}</td>.*?</tr>',
                            email.html, re.S)
            assert row is not None
            assert f"{ltv}<br><span" in row.group(0)
            assert f"80 %: {low}–{high}</span>" in row.group(0)
    assert pages["Small"][0] != pages["Big"][0]
