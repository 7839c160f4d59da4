"""Channel reports: totals, rules, calendar-week trends and ranking."""

from datetime import timedelta

import numpy as np
from numpy.testing import assert_array_equal
from sqlmodel import Session

from cohorts.queries import AsOf
from cohorts.report import EconomicsSettings, calendar_weeks, channel_reports, rank
from tests import factories
from tests.cohorts.test_queries import MON


def test_calendar_weeks_sums_anti_diagonals() -> None:
    by_age = np.array([[1, 2, 3], [4, 5, 0], [6, 0, 0]])
    # week 0: [0,0]; week 1: [0,1] + [1,0]; week 2: [0,2] + [1,1] + [2,0]
    assert_array_equal(calendar_weeks(by_age), [1, 6, 14])


def test_reports_rank_channels_and_judge_rules(db: Session) -> None:
    good = factories.channel(db, name="Referrals")
    poor = factories.channel(db, name="Display")
    factories.channel(db, name="Idea only", status="idea")
    factories.spend(db, good, MON, 1000)
    factories.spend(db, poor, MON, 10000)
    for i in range(5):
        lead = factories.lead(db, good, MON)
        factories.purchase(db, lead, MON + timedelta(1), 2000 if i else 1000)
        other = factories.lead(db, poor, MON)
        if i < 2:
            factories.purchase(db, other, MON + timedelta(2), 3000)
    reports = channel_reports(
        session=db, as_of=AsOf(MON + timedelta(6)), settings=EconomicsSettings()
    )
    assert [r.channel.name for r in reports] == ["Display", "Idea only", "Referrals"]
    by_name = {r.channel.name: r for r in reports}
    referrals = by_name["Referrals"].economics
    assert (referrals.customers, referrals.revenue_minor, referrals.cac_minor) == (5, 9000, 200)
    assert referrals.roi == 8.0 and referrals.ltv_to_cac == 1800 / 200
    assert by_name["Referrals"].rules.ltv_to_cac == "pass"
    assert by_name["Referrals"].rules.payback == "pass"
    display = by_name["Display"].economics
    assert display.cac_minor == 5000 and display.roi == -0.4
    assert by_name["Display"].rules.ltv_to_cac == "not_enough_data"  # 2 customers < 5
    assert by_name["Idea only"].economics.cac_minor is None
    assert by_name["Referrals"].weekly_customers[-1] == 5
    assert by_name["Referrals"].weekly_revenue_minor[-1] == 9000
    assert by_name["Display"].weekly_spend_minor.tolist()[-1] == 10000

    assert [r.channel.name for r in rank(reports, "roi")] == ["Referrals", "Display", "Idea only"]
    assert [r.channel.name for r in rank(reports, "cac")] == ["Referrals", "Display", "Idea only"]
