"""The settings page: owners change settings; bad values and other roles store nothing."""

import re
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.jobs.settings_change import stored_values
from app.models import Settings, User
from app.settings_input import FIELDS, form_text
from tests import factories, views_scenario
from tests.conftest import sign_in
from tests.factories import stored_settings

HX = {"HX-Request": "true"}


@pytest.fixture
def owner_client(app: Flask, client: FlaskClient, owner: User) -> FlaskClient:
    app.config["SETTINGS_SYNCHRONOUS"] = True  # week changes run in the request, not a thread
    return sign_in(client, owner)


def defaults(**changes: str) -> dict[str, str]:
    """Return the form as the page fills it on a new install, with `changes`."""
    return form_text(stored_values(Settings(id=1))) | changes



def test_the_page_explains_every_field_and_links_the_digest_runs(
    owner_client: FlaskClient,
) -> None:
    html = owner_client.get("/settings/").get_data(as_text=True)
    for name, spec in FIELDS.items():
        assert f'name="{name}"' in html
        assert spec.hint.replace("'", "&#39;") in html
    assert '<a href="/digest/">Preview, send now and past runs</a>' in html
    assert "Save settings" in html
    assert 'href="/settings/" aria-current="page">Settings</a>' in html
    assert '<option value="Europe/Berlin">' in html and '<option value="EUR">' in html
    assert '<option value="localtime">' not in html and '<option value="JPY">' not in html


def test_viewers_and_editors_see_the_settings_read_only(
    client: FlaskClient, viewer: User, editor: User
) -> None:
    for user in (viewer, editor):
        html = sign_in(client, user).get("/settings/").get_data(as_text=True)
        assert "<fieldset disabled>" in html
        assert "Save settings" not in html
        assert "Only owners can change them." in html


def test_viewers_and_editors_cannot_change_settings(
    client: FlaskClient, db: Session, viewer: User, editor: User
) -> None:
    before = stored_settings(db)
    for user in (viewer, editor):
        response = sign_in(client, user).post("/settings/", data=defaults(
            gross_margin="50", week_start="6", currency="EUR"))
        assert response.status_code == 403
    assert stored_settings(db) == before


def test_an_owner_saves_every_field(owner_client: FlaskClient, db: Session) -> None:
    form = defaults(
        currency="eur", week_start="0", timezone="Europe/Berlin", gross_margin="62.5",
        ltv_to_cac_min="2.5", payback_max_months="9", projection_horizon_weeks="104",
        ltv_backtest_weeks="13", mature_weeks="6", burnout_p="0.01",
        burnout_level="0.4", watch_p="0.2",
        watch_level="0.8", min_leads_per_group="50", min_customers_total="8",
        sequential_expected_leads="2,000", digest_enabled="", digest_weekday="4",
        digest_time="17:30", digest_recipients="A@Example.com, b@example.org\nb@example.org",
        account_quality="projected_ltv")
    response = owner_client.post("/settings/", data=form)
    assert response.status_code == 302
    assert stored_settings(db) == {
        "currency": "EUR", "week_start": 0, "timezone": "Europe/Berlin", "gross_margin": 0.625,
        "ltv_to_cac_min": 2.5, "payback_max_months": 9.0, "projection_horizon_weeks": 104,
        "ltv_backtest_weeks": 13, "mature_weeks": 6, "burnout_p": 0.01,
        "burnout_level": 0.4, "watch_p": 0.2,
        "watch_level": 0.8, "min_leads_per_group": 50, "min_customers_total": 8,
        "sequential_expected_leads": 2000, "digest_enabled": False, "digest_weekday": 4,
        "digest_time": "17:30", "digest_recipients": "A@example.com, b@example.org",
        "account_quality": "projected_ltv",
    }
    html = owner_client.get("/settings/").get_data(as_text=True)
    assert "Done: every cohort week" in html  # the time zone changed
    assert 'name="gross_margin" type="text" value="62.5"' in html
    assert '<option value="projected_ltv" selected>projected LTV</option>' in html
    assert owner_client.post("/settings/", data=form | {"gross_margin": "60"}).status_code == 302
    assert "Settings saved." in owner_client.get("/settings/").get_data(as_text=True)
    assert stored_settings(db)["gross_margin"] == 0.6


BAD_VALUES = [
    ("currency", "XYZ", "must be an ISO 4217 currency code such as USD or EUR"),
    ("currency", "JPY", "JPY does not have 2 decimals"),
    ("currency", "", "is required"),
    ("week_start", "7", "must be a day of the week (0 = Monday … 6 = Sunday)"),
    ("timezone", "Mars/Olympus", "must be an IANA time zone name such as Europe/Berlin or UTC"),
    ("timezone", "localtime", "must be an IANA time zone name such as Europe/Berlin or UTC"),
    ("gross_margin", "0", "must be more than 0 and at most 100"),
    ("gross_margin", "120", "must be more than 0 and at most 100"),
    ("gross_margin", "NaN", "must be a number like 2.5"),
    ("ltv_to_cac_min", "-1", "must be a number like 2.5"),
    ("payback_max_months", "121", "must be more than 0 and at most 120"),
    ("projection_horizon_weeks", "0", "must be between 1 and 520"),
    ("ltv_backtest_weeks", "105", "must be between 1 and 104"),
    ("ltv_backtest_weeks", "0", "must be between 1 and 104"),
    ("mature_weeks", "2.5", "must be a whole number"),
    ("burnout_p", "1", "must be more than 0 and less than 1"),
    ("watch_p", "0.01", "must be at least the burnout p-value (0.05)"),
    ("watch_level", "0.3", "must be at least the burnout level (0.5)"),
    ("min_leads_per_group", "0", "must be between 1 and 1,000,000"),
    ("sequential_expected_leads", "1e9", "must be a whole number"),
    ("account_quality", "ltv", "must be one of revenue_margin (revenue × margin to date), "
     "projected_ltv (projected LTV)"),
    ("account_quality", "", "is required"),
    ("digest_weekday", "Monday", "must be a day of the week (0 = Monday … 6 = Sunday)"),
    ("digest_time", "25:00", "must be a time like 08:00 (24-hour, HH:MM)"),
    ("digest_enabled", "maybe", "must be on or off"),
    ("digest_recipients", "ops@example.com, not-an-address",
     "'not-an-address' is not an email address"),
    ("digest_recipients", ", ".join(f"u{i}@example.com" for i in range(51)),
     "can hold at most 50 addresses, not 51"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_VALUES)
def test_each_bad_value_gets_its_message_and_nothing_is_stored(
    owner_client: FlaskClient, db: Session, name: str, value: str, message: str
) -> None:
    before = stored_settings(db)
    # Other fields change too: none of them may be stored either.
    form = defaults(currency="EUR", gross_margin="80", week_start="6") | {name: value}
    response = owner_client.post("/settings/", data=form, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="field-error" id="f-{name}-error" role="alert">([^<]*)</p>',
                      html)
    assert error is not None, f"no inline error for {name}"
    assert message.replace("'", "&#39;") in error.group(1)
    assert "Nothing was saved" in html
    assert stored_settings(db) == before


def test_a_margin_change_shows_at_once_on_a_page_that_was_cached(
    owner_client: FlaskClient, db: Session
) -> None:
    world = views_scenario.build(db)
    url = f"/channels/{world['Referrals']}?as_of=2026-01-25"
    assert _stat(owner_client.get(url).get_data(as_text=True), "ROI to date") == "-6.7 %"
    owner_client.post("/settings/", data=defaults(gross_margin="50", currency="EUR"))
    html = owner_client.get(url).get_data(as_text=True)
    assert _stat(html, "ROI to date") == "-53.3 %"  # (140 × 0.5 − 150) / 150
    assert _stat(html, "Spend to date") == "150.00 EUR"


def _stat(html: str, label: str) -> str:
    found = re.search(rf'<span class="label">{re.escape(label)}</span>'
                      r'<span class="value"[^>]*>([^<]*)</span>', html)
    assert found, f"no stat {label}"
    return found.group(1)


def test_a_week_start_change_re_derives_cohorts_and_shows_its_progress(
    owner_client: FlaskClient, db: Session
) -> None:
    ads = factories.channel(db, name="Ads")
    lead = factories.lead(db, ads, datetime(2026, 3, 8, 23, 30, tzinfo=UTC))  # a Sunday, UTC
    factories.spend(db, ads, date(2026, 3, 2), 10_000)
    response = owner_client.post(
        "/settings/", data=defaults(week_start="6", timezone="Asia/Tokyo"), headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="settings-progress" max="100" value="100"' in html
    assert "Done: every cohort week, purchase date and spend week was re-derived" in html
    assert "hx-trigger" not in html.split('id="settings-change"')[1].split(">")[0]
    db.refresh(lead)
    # 23:30 UTC on Sunday 8 March is 08:30 on Monday 9 March in Tokyo: the Sunday week of 8 March.
    assert lead.cohort_week == date(2026, 3, 8)
    assert stored_settings(db)["week_start"] == 6
    assert stored_settings(db)["timezone"] == "Asia/Tokyo"
    page = owner_client.get("/settings/change").get_data(as_text=True)
    assert "Done: every cohort week" in page


def test_an_htmx_save_answers_with_the_section(owner_client: FlaskClient, db: Session) -> None:
    response = owner_client.post("/settings/", data=defaults(mature_weeks="5"), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<section id="settings">')
    assert "Settings saved." in html
    assert stored_settings(db)["mature_weeks"] == 5


def test_hostile_text_in_any_field_never_fails_and_an_invalid_form_stores_nothing(
    owner_client: FlaskClient, db: Session
) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from kernel.text import unstorable
    from tests.app.views.test_fuzz_forms import NASTY_TEXT, _form

    @given(name=st.sampled_from(sorted(FIELDS)), text=NASTY_TEXT)
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)
    def post(name: str, text: str) -> None:
        before = stored_settings(db)
        response = owner_client.post("/settings/", data=_form(defaults(**{name: text})),
                                     content_type="application/x-www-form-urlencoded")
        # 400: text no database can store (NUL, lone surrogates), refused for every form
        assert response.status_code in (302, 400, 422), (name, text, response.status_code)
        if response.status_code != 302:
            assert stored_settings(db) == before

    post()
    for value in stored_settings(db).values():
        assert not isinstance(value, str) or unstorable(value) is None
