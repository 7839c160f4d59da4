"""Group queries and GET /api/v1/compare on a hand-built scenario, checked against scipy."""

from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient
from scipy import stats
from sqlmodel import Session, select
from statsmodels.stats.proportion import proportions_ztest

from app.models import Channel, Lead, Purchase, Settings, User
from cohorts.queries import AsOf
from experiments.groups import parse_group
from experiments.models import Experiment
from experiments.queries import UnknownGroupError, group_leads
from kernel.weeks import week_of
from tests import factories
from tests.api_support import bearer
from tests.openapi_check import assert_matches_openapi

MON = date(2026, 1, 5)
AS_OF = AsOf(day=date(2026, 3, 1))


def add_leads(db: Session, ch: Channel, n: int, buyers: list[int], *, saas_every: int = 2,
              experiment_id: int | None = None) -> None:
    """Add n leads in the first week; buyers[i] (minor units) buys on day 10, 0 = no purchase."""
    for i in range(n):
        created = datetime(2026, 1, 5 + i % 5, 9, tzinfo=UTC)
        lead = Lead(external_id=f"{ch.name}-{i}", channel_id=ch.id, created_at=created,
                    cohort_week=week_of(created.date()), experiment_id=experiment_id,
                    attributes={"industry": "saas" if i % saas_every == 0 else "retail"})
        db.add(lead)
        db.flush()
        if i < len(buyers) and buyers[i]:
            at = datetime(2026, 1, 20, 12, tzinfo=UTC)
            db.add(Purchase(external_id=f"{ch.name}-p{i}", lead_id=lead.id, purchased_at=at,
                            purchased_on=at.date(), amount_minor=buyers[i]))
    db.commit()


@pytest.fixture
def scenario(db: Session) -> dict[str, Any]:
    """Ads: 40 leads, 4 buy 50.00; Referrals: 50 leads, 12 buy 80.00; spend 1000/500."""
    ads = factories.channel(db, name="Ads")
    refs = factories.channel(db, name="Referrals", kind="business_development")
    test = Experiment(name="Pricing page", channel_id=refs.id, start_date=MON)
    db.add(test)
    db.commit()
    factories.spend(db, ads, MON, 100000)
    factories.spend(db, refs, MON, 50000)
    factories.spend(db, refs, date(2026, 3, 9), 99999)  # after the as-of date
    add_leads(db, ads, 40, [5000] * 4)
    add_leads(db, refs, 50, [8000] * 12, experiment_id=test.id)
    late = factories.lead(db, refs, date(2026, 3, 5))  # created after the as-of date
    factories.purchase(db, late, date(2026, 3, 6), 100)
    first = db.exec(select(Lead).where(Lead.channel_id == ads.id)).first()
    assert first is not None
    factories.purchase(db, first, date(2026, 3, 10), 7000)  # purchase after the as-of date
    return {"ads": ads.id, "refs": refs.id, "test": test.id}


def test_group_leads_as_of_a_date(db: Session, scenario: dict[str, Any]) -> None:
    ads = group_leads(session=db, spec=parse_group(f"channel:{scenario['ads']}"), as_of=AS_OF)
    assert ads.name == "Ads"
    assert ads.converted.size == 40 and ads.converted.sum() == 4
    assert ads.revenue_minor.sum() == 4 * 5000 and ads.spend_minor == 100000
    refs = group_leads(session=db, spec=parse_group(f"channel:{scenario['refs']}"), as_of=AS_OF)
    assert refs.converted.size == 50 and refs.spend_minor == 50000


def test_the_group_all_is_every_lead_with_all_spend(db: Session, scenario: dict[str, Any]) -> None:
    every = group_leads(session=db, spec=parse_group("all"), as_of=AS_OF)
    # 40 + 50 leads up to the as-of date (not the late one); spend up to it: 1000 + 500
    assert every.name == "All leads"
    assert every.converted.size == 90 and every.converted.sum() == 16
    assert every.revenue_minor.sum() == 4 * 5000 + 12 * 8000 and every.spend_minor == 150000


def test_segments_and_tests_have_no_attributable_spend(
    db: Session, scenario: dict[str, Any]
) -> None:
    saas = group_leads(session=db, spec=parse_group(
        f"channel:{scenario['refs']}+segment:industry=saas"), as_of=AS_OF)
    assert saas.converted.size == 25 and saas.converted.sum() == 6
    assert saas.spend_minor is None and saas.name == "Referrals · industry = saas"
    test = group_leads(session=db, spec=parse_group(f"test:{scenario['test']}"), as_of=AS_OF)
    assert test.converted.size == 50 and test.spend_minor is None
    weeks = group_leads(session=db, spec=parse_group("cohorts:2026-01-05..2026-01-05"),
                        as_of=AS_OF)
    assert weeks.converted.size == 90 and weeks.spend_minor == 150000
    with pytest.raises(UnknownGroupError, match="no channel 999"):
        group_leads(session=db, spec=parse_group("channel:999"), as_of=AS_OF)


def fetch(client: FlaskClient, db: Session, user: User, query: str) -> Any:
    response = client.get(f"/api/v1/compare?{query}&as_of=2026-03-01", headers=bearer(db, user))
    return response.status_code, response.get_json()


def test_compare_conversion(client: FlaskClient, db: Session, owner: User,
                            scenario: dict[str, Any]) -> None:
    status, body = fetch(client, db, owner, f"a=channel:{scenario['ads']}"
                         f"&b=channel:{scenario['refs']}&metric=conversion")
    assert status == 200, body
    # Expected cells: 40 · 16/90 ≈ 7.1 ≥ 5, so the pooled z-test applies.
    z, p = proportions_ztest([12, 4], [50, 40])
    assert body["test"] == "z_test"
    np.testing.assert_allclose(body["p_value"], p, rtol=1e-10)
    assert body["a"]["n"] == 40 and body["a"]["successes"] == 4 and body["a"]["value"] == 0.1
    assert body["b"]["value"] == 0.24
    assert body["difference"]["estimate"] == pytest.approx(0.14)
    # 40 and 50 leads (≥ 30 each) and 16 customers in total (≥ 5): enough data, p ≈ 0.09.
    assert body["enough_data"] is True and body["significant"] is False
    assert "not significant yet" in body["verdict"]
    assert body["kind"] == "fixed_horizon" and body["since"] is None
    # Relative lift 0.24/0.1 − 1 = 1.4, delta-method variance V_B/p_A² + p_B²·V_A/p_A⁴.
    var_a, var_b = 0.1 * 0.9 / 40, 0.24 * 0.76 / 50
    se = np.sqrt(var_b / 0.1**2 + 0.24**2 * var_a / 0.1**4)
    df = (var_a + var_b) ** 2 / (var_a**2 / 39 + var_b**2 / 49)
    assert body["lift"]["estimate"] == pytest.approx(1.4)
    np.testing.assert_allclose(body["lift"]["ci"], [1.4 - stats.t.ppf(0.975, df) * se,
                                                    1.4 + stats.t.ppf(0.975, df) * se])


def test_compare_sequential(client: FlaskClient, db: Session, owner: User,
                            scenario: dict[str, Any]) -> None:
    groups = f"a=channel:{scenario['ads']}&b=channel:{scenario['refs']}"
    status, body = fetch(client, db, owner, groups + "&metric=conversion&sequential=true")
    assert status == 200, body
    assert body["kind"] == "sequential" and body["test"] == "confidence_sequence"
    # By hand (eq. 155): N = 90, V = 0.1·0.9/40 + 0.24·0.76/50, ρ² = 7.9361555/5000.
    r2, n, v = 7.9361555 / 5000, 90, 0.1 * 0.9 / 40 + 0.24 * 0.76 / 50
    p = np.sqrt(n * r2 + 1) * np.exp(-r2 * n * 0.14**2 / (2 * v * (n * r2 + 1)))
    np.testing.assert_allclose(body["p_value"], min(1.0, p), rtol=1e-6)
    assert body["leads_needed"] is None and body["since"] is not None
    status, body = fetch(client, db, owner, groups + "&metric=cac&sequential=true")
    assert status == 400 and body["error"]["details"]["parameter"] == "sequential"
    status, body = fetch(client, db, owner, groups + "&sequential=maybe")
    assert status == 400 and body["error"]["details"]["parameter"] == "sequential"


def test_compare_revenue_and_cac(client: FlaskClient, db: Session, owner: User,
                                 scenario: dict[str, Any]) -> None:
    groups = f"a=channel:{scenario['ads']}&b=channel:{scenario['refs']}"
    status, body = fetch(client, db, owner, groups + "&metric=revenue_per_lead")
    assert status == 200
    a = np.r_[np.full(4, 50.0), np.zeros(36)]
    b = np.r_[np.full(12, 80.0), np.zeros(38)]
    np.testing.assert_allclose(body["p_value"], stats.ttest_ind(b, a, equal_var=False).pvalue)
    assert body["a"]["value"] == pytest.approx(5.0) and body["b"]["value"] == pytest.approx(19.2)
    status, body = fetch(client, db, owner, groups + "&metric=cac")
    assert body["a"]["value"] == 250.0 and body["b"]["value"] == pytest.approx(500 / 12)
    np.testing.assert_allclose(body["p_value"], stats.binomtest(12, 16, 500 / 1500).pvalue)
    assert body["a"]["ci"][0] == pytest.approx(1000 / (stats.chi2.ppf(0.975, 10) / 2))


@pytest.mark.parametrize(("query", "parameter"), [
    ("a=chanel:1&b=channel:2", "a"),
    ("a=channel:1&b=", "b"),
    ("a=channel:1&b=channel:999", "b"),
    ("a=channel:1&b=channel:2&metric=ltv", "metric"),
])
def test_bad_parameters_are_named(client: FlaskClient, db: Session, owner: User,
                                  scenario: dict[str, Any], query: str, parameter: str) -> None:
    status, body = fetch(client, db, owner, query.replace("channel:1", f"channel:{scenario['ads']}")
                         .replace("channel:2", f"channel:{scenario['refs']}"))
    assert status == 400
    assert body["error"]["details"] == {"parameter": parameter}
    spec = client.get("/api/v1/openapi.json").get_json()
    assert_matches_openapi(spec, "get", "/compare", 400, body)


def test_compare_matches_the_openapi_document(client: FlaskClient, db: Session, owner: User,
                                              scenario: dict[str, Any]) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    for metric in ("conversion", "revenue_per_lead", "cac", "roi"):
        status, body = fetch(client, db, owner, f"a=test:{scenario['test']}"
                             f"&b=channel:{scenario['ads']}&metric={metric}")
        assert status == 200
        assert_matches_openapi(spec, "get", "/compare", 200, body)
    assert body["p_value"] is None  # a test has no attributable spend, so no ROI


AGE_AS_OF = "2026-03-04"  # a Wednesday: the as-of week starts Monday 2 March
MARGIN = 0.5


@pytest.fixture
def aged(db: Session) -> dict[str, Any]:
    """Two channels with cohorts 4, 3, 2, 1 and 0 weeks old, purchases at several ages."""
    settings = db.get(Settings, 1) or Settings(id=1)
    settings.gross_margin = MARGIN
    db.add(settings)
    db.commit()
    ads = factories.channel(db, name="Ads")
    refs = factories.channel(db, name="Referrals", kind="business_development")
    for week, amount in [(date(2026, 2, 2), 10000), (date(2026, 2, 9), 2000),
                         (date(2026, 2, 16), 8000), (date(2026, 2, 23), 50000)]:
        factories.spend(db, ads, week, amount)
    factories.spend(db, refs, date(2026, 2, 9), 5000)
    factories.spend(db, refs, date(2026, 3, 2), 30000)
    buys = [
        # (channel, created, [(purchased on, minor units)])
        (ads, date(2026, 2, 3), [(date(2026, 2, 3), 10000), (date(2026, 2, 17), 5000),
                                 (date(2026, 2, 23), 7000)]),  # ages 0, 2 (day 15), 3
        (ads, date(2026, 2, 6), [(date(2026, 2, 22), 3000)]),  # day 20: age 2
        (ads, date(2026, 2, 16), [(date(2026, 3, 2), 4000),  # day 14: age 2
                                  (date(2026, 3, 5), 9000)]),  # after the as-of day
        (ads, date(2026, 2, 24), [(date(2026, 2, 24), 20000)]),  # cohort only 1 week old
        (refs, date(2026, 2, 9), [(date(2026, 2, 9), 6000), (date(2026, 2, 26), 9000)]),
        (refs, date(2026, 2, 11), []),
        (refs, date(2026, 3, 3), [(date(2026, 3, 3), 100000)]),  # cohort 0 weeks old
    ]
    for channel, created, purchases in buys:
        lead = factories.lead(db, channel, created)
        for day, amount in purchases:
            factories.purchase(db, lead, day, amount)
    return {"ads": ads.id, "refs": refs.id}


def roi_fetch(client: FlaskClient, db: Session, user: User, ids: dict[str, Any],
              extra: str) -> Any:
    response = client.get(f"/api/v1/compare?a=channel:{ids['ads']}&b=channel:{ids['refs']}"
                          f"&metric=roi&as_of={AGE_AS_OF}{extra}", headers=bearer(db, user))
    return response.status_code, response.get_json()


def test_roi_at_age_counts_only_cohorts_old_enough(client: FlaskClient, db: Session,
                                                   owner: User, aged: dict[str, Any]) -> None:
    status, body = roi_fetch(client, db, owner, aged, "&age=2")
    assert status == 200, body
    # Age 2: cohorts up to 16 Feb (16 Feb + 14 days = 2 March, the as-of week start).
    # Ads: 100 + 50 + 30 + 40 = 220.00 revenue at ages 0..2 (70 at age 3, 90 after the as-of
    # day and the 23 Feb cohort's 200 are out); spend 100 + 20 + 80 = 200.00 (not 23 Feb's).
    assert body["a"]["n"] == 3 and body["a"]["successes"] == 3
    assert body["a"]["value"] == pytest.approx((220 * MARGIN - 200) / 200)
    # Referrals: cohort 9 Feb, 60 (age 0) + 90 (day 17: age 2) = 150.00 on 50.00 of spend.
    assert body["b"]["n"] == 2 and body["b"]["successes"] == 1
    assert body["b"]["value"] == pytest.approx((150 * MARGIN - 50) / 50)
    assert body["difference"]["estimate"] == pytest.approx(0.5 - (-0.45))
    a = MARGIN * 3 / 200 * np.array([150.0, 30.0, 40.0])
    b = MARGIN * 2 / 50 * np.array([150.0, 0.0])
    np.testing.assert_allclose(body["p_value"], stats.ttest_ind(b, a, equal_var=False).pvalue)
    assert body["enough_data"] is False and body["metric"] == "roi"
    assert_matches_openapi(client.get("/api/v1/openapi.json").get_json(), "get", "/compare",
                           200, body)


@pytest.mark.parametrize(("extra", "expected_a", "expected_b"), [
    # To date: Ads 490.00 revenue (all but the purchase after 4 March) on 700.00 spend.
    ("", (490 * MARGIN - 700) / 700, (1150 * MARGIN - 350) / 350),
    # Age 0: every cohort up to 2 March; days 0..6 only (Ads 100 + 200, Referrals 60 + 1000).
    ("&age=0", (300 * MARGIN - 700) / 700, (1060 * MARGIN - 350) / 350),
    # Age 4: only Ads' 2 Feb cohort (100 + 50 + 30 + 70 on 100.00); Referrals is too young.
    ("&age=4", (250 * MARGIN - 100) / 100, None),
])
def test_roi_to_date_and_other_ages(client: FlaskClient, db: Session, owner: User,
                                    aged: dict[str, Any], extra: str,
                                    expected_a: float, expected_b: float | None) -> None:
    status, body = roi_fetch(client, db, owner, aged, extra)
    assert status == 200, body
    assert body["a"]["value"] == pytest.approx(expected_a)
    assert body["b"]["value"] == (None if expected_b is None else pytest.approx(expected_b))


def test_no_cohort_old_enough_is_not_enough_data(client: FlaskClient, db: Session,
                                                 owner: User, aged: dict[str, Any]) -> None:
    status, body = roi_fetch(client, db, owner, aged, "&age=52")
    assert status == 200, body
    assert body["a"] == {"n": 0, "successes": 0, "value": None, "ci": None}
    assert body["b"]["value"] is None and body["difference"]["estimate"] is None
    assert body["p_value"] is None and body["enough_data"] is False
    assert body["significant"] is False
    assert body["verdict"] == "Ads and Referrals cannot be compared on this metric yet."
    assert_matches_openapi(client.get("/api/v1/openapi.json").get_json(), "get", "/compare",
                           200, body)


@pytest.mark.parametrize(("metric", "age"), [
    ("roi", "-1"), ("roi", "2.5"), ("roi", "two"), ("roi", "99999"), ("conversion", "2"),
    ("cac", "0"),
])
def test_bad_age_is_named(client: FlaskClient, db: Session, owner: User,
                          aged: dict[str, Any], metric: str, age: str) -> None:
    status, body = fetch(client, db, owner, f"a=channel:{aged['ads']}&b=channel:{aged['refs']}"
                         f"&metric={metric}&age={age}")
    assert status == 400, body
    assert body["error"]["details"] == {"parameter": "age"}
    assert_matches_openapi(client.get("/api/v1/openapi.json").get_json(), "get", "/compare",
                           400, body)
