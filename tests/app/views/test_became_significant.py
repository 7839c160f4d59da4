"""A comparison that crosses the threshold between two weekly looks: in the decisions panel
and in the weekly email (text and HTML), with the same numbers and a link to Compare."""

import html as html_lib
import re
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.models import Lead, Purchase, User
from tests import factories
from tests.api_support import bearer
from tests.conftest import sign_in
from tests.experiments.test_significance import always_valid_p, unpooled_z_p

WEEK = date(2026, 3, 23)  # a Monday; the look on its last day against the one a week before
AS_OF = WEEK + timedelta(days=6)


def _leads(db: Session, channel_id: int, created: date, count: int, buyers: int,
           bought: date) -> None:
    """Add `count` leads created on `created`, the first `buyers` of them buying on `bought`."""
    for i in range(count):
        moment = datetime(created.year, created.month, created.day, 9, i % 60, tzinfo=UTC)
        lead = Lead(external_id=f"{channel_id}-{created}-{i}", channel_id=channel_id,
                    created_at=moment, cohort_week=created - timedelta(days=created.weekday()))
        db.add(lead)
        if i < buyers:
            db.flush()
            at = datetime(bought.year, bought.month, bought.day, 12, tzinfo=UTC)
            db.add(Purchase(external_id=f"p-{channel_id}-{created}-{i}", lead_id=lead.id,
                            purchased_at=at, purchased_on=bought, amount_minor=4900))
    db.commit()


def test_panel_and_email_list_the_pair_that_became_significant(
    app: Flask, db: Session, client: FlaskClient, owner: User
) -> None:
    ads = factories.channel(db, name="Ads", ring="inner", status="focus")
    blog = factories.channel(db, name="Blog", ring="middle", status="testing")
    # A week before the look: Ads 15 of 300 leads (5 %), Blog 30 of 300 (10 %).
    _leads(db, ads.id, date(2026, 3, 2), 300, 15, date(2026, 3, 16))
    _leads(db, blog.id, date(2026, 3, 2), 300, 30, date(2026, 3, 16))
    # This week: Ads 20 of 400 (5 %), Blog 50 of 400 (12.5 %).
    _leads(db, ads.id, date(2026, 3, 24), 100, 5, date(2026, 3, 27))
    _leads(db, blog.id, date(2026, 3, 24), 100, 20, date(2026, 3, 27))

    p_before, p_now = always_valid_p(15, 300, 30, 300), always_valid_p(20, 400, 50, 400)
    assert round(p_before, 2) == 0.37 and round(p_now, 3) == 0.027
    # A one-look z-test would have called Blog the winner a week earlier already: the
    # always-valid p-value is what keeps weekly looks at ≤ 5 % false calls.
    assert unpooled_z_p(15, 300, 30, 300) < 0.05 < p_before
    sentence = ("Blog now converts better than Ads: 12.5 % vs 5.0 % (+7.5 pp); always-valid "
                "p = 0.027, Holm-corrected p = 0.027 (a week before: 0.37).")

    sign_in(client, owner)
    page = client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
    panel = re.search(r'<section id="decisions".*?</section>', page, re.S)
    assert panel, "no decisions panel"
    items = re.findall(r'data-kind="(\w+)" data-pair="(\d+)-(\d+)"', panel.group(0))
    assert items == [("became_significant", str(ads.id), str(blog.id))]
    assert html_lib.escape(sentence, quote=False) in panel.group(0)
    link = (f"/compare/?a=channel:{ads.id}&amp;b=channel:{blog.id}&amp;metric=conversion"
            f"&amp;sequential=true&amp;as_of={AS_OF}")
    assert f'href="{link}"' in panel.group(0)
    assert f"as of {AS_OF} against {AS_OF - timedelta(days=7)}" in panel.group(0)

    # Compare, sequential, as of the look: the same (uncorrected, one pair) p-value.
    compare = client.get(f"/api/v1/compare?a=channel:{ads.id}&b=channel:{blog.id}"
                         f"&metric=conversion&sequential=true&as_of={AS_OF}",
                         headers=bearer(db, owner))
    assert compare.status_code == 200, compare.get_data(as_text=True)
    assert abs(compare.get_json()["p_value"] - p_now) < 1e-9

    # A week earlier nothing had changed since the week before that.
    earlier = client.get(f"/?as_of={AS_OF - timedelta(days=7)}").get_data(as_text=True)
    assert "became_significant" not in earlier

    text = client.get(f"/digest/preview?week={WEEK}&format=text").get_data(as_text=True)
    section = text.split("COMPARISONS THAT BECAME SIGNIFICANT SINCE LAST WEEK", 1)[1]
    section = section.split("TESTS NEEDING A DECISION", 1)[0]
    base = app.config["BASE_URL"].rstrip("/")
    assert (f"- {sentence} {base}/compare/?a=channel:{ads.id}&b=channel:{blog.id}"
            f"&metric=conversion&sequential=true&as_of={AS_OF}") in section
    email = client.get(f"/digest/preview?week={WEEK}").get_data(as_text=True)
    row = re.search(rf'<tr data-pair="{ads.id}-{blog.id}">.*?</tr>', email, re.S)
    assert row and html_lib.escape(sentence, quote=False) in row.group(0)
    assert (f'href="{base}/compare/?a=channel:{ads.id}&amp;b=channel:{blog.id}&amp;'
            f'metric=conversion&amp;sequential=true&amp;as_of={AS_OF}"') in row.group(0)
    assert "became significant" in row.group(0)

