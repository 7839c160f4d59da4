"""The week's decisions (pure): which channels are listed, with which numbers, in which order."""

from dataclasses import replace
from datetime import date

import numpy as np

from cohorts.economics import ChannelEconomics, RuleResult, Viability
from experiments.decisions import (
    ChannelSituation,
    ChannelTestSituation,
    Decision,
    RuleSettings,
    Target,
    channel_decisions,
    sort_decisions,
)

RULES = RuleSettings(ltv_to_cac_min=3.0, payback_max_months=6.0, currency="USD")


def economics(spend: int, customers: int, revenue: int, payback: int | None) -> ChannelEconomics:
    """Return hand-made totals: CAC = spend / customers, LTV = revenue / customers."""
    cac, ltv = spend / customers, revenue / customers
    return ChannelEconomics(
        spend_minor=spend, leads=customers * 10, customers=customers, revenue_minor=revenue,
        cpl_minor=spend / (customers * 10), cac_minor=cac, conversion_rate=0.1, ltv_minor=ltv,
        ltv_projected_minor=None, projection_horizon=0, projection_support=0,
        roi=(revenue - spend) / spend, payback_week=payback, ltv_to_cac=ltv / cac,
        program_cost_share=spend / revenue, roi_by_age=np.zeros(30),
    )


# 100.00 spent, 20 customers: CAC 5.00; revenue 600.00: LTV 30.00 = 6 × CAC, paid back in 3 weeks
PASSING = economics(10_000, 20, 60_000, 3)
# CAC 5.00, LTV 12.00 = 2.4 × CAC (fails 3×); paid back in 3 weeks
THIN = economics(10_000, 20, 24_000, 3)
# CAC 50.00, LTV 40.00 (0.8×): not paid back after 30 weeks, ROI to date -20.0 %
LOSING = economics(100_000, 20, 80_000, None)


def channel(cid: int, name: str, *, ring: str = "inner", status: str = "focus",
            e: ChannelEconomics = PASSING, ltv: RuleResult = "pass", payback: RuleResult = "pass",
            health: str | None = "healthy", reason: str = "", since: date | None = None,
            ) -> ChannelSituation:
    return ChannelSituation(cid, name, ring, status, e, Viability(ltv, payback), health,
                            reason, since)


BURNED = channel(1, "Lookalikes", health="burned_out", since=date(2026, 3, 1),
                 reason="conversion fell from 17.4 % to 1.5 %, p < 0.001")


def test_a_burned_out_focus_channel_is_listed_with_its_numbers_first() -> None:
    [item] = channel_decisions([BURNED], RULES)
    assert item == Decision(
        "burned_out_in_focus", 1, "Lookalikes",
        "Lookalikes is burned out but still in the inner ring with status focus: "
        "conversion fell from 17.4 % to 1.5 %, p < 0.001.", 3, date(2026, 3, 1),
        Target("channel", 1))
    assert item.severity_label == "act now"


def test_watch_counts_in_the_inner_ring_or_on_status_focus_only() -> None:
    reason = "conversion is at 65 % of its best 4 weeks"
    inner = channel(2, "Blog", status="testing", health="watch", reason=reason)
    focus = channel(3, "Ads", ring="middle", health="watch", reason=reason)
    outer = channel(4, "Events", ring="outer", status="testing", health="watch", reason=reason)
    burned_middle = channel(5, "Old", ring="middle", status="testing", health="burned_out")
    items = channel_decisions([inner, focus, outer, burned_middle], RULES)
    assert [(i.kind, i.channel_name) for i in items] == [
        ("watch_in_focus", "Ads"), ("watch_in_focus", "Blog")]
    assert items[0].sentence == f"Ads is on watch but still on status focus: {reason}."
    assert items[1].sentence == f"Blog is on watch but still in the inner ring: {reason}."
    assert items[0].severity == 1 and items[0].severity_label == "watch"


def test_an_inner_channel_failing_ltv_to_cac_is_listed_with_ltv_cac_and_ratio() -> None:
    thin = channel(6, "SEO blog", e=THIN, ltv="fail")
    [item] = channel_decisions([thin], RULES)
    assert item.kind == "fails_ltv_to_cac" and item.severity == 2
    assert item.sentence == ("SEO blog fails LTV ≥ 3 × CAC: LTV 12.00 USD is 2.40 × CAC "
                             "5.00 USD (20 customers).")
    assert item.target == Target("channel", 6) and item.since is None


def test_an_inner_channel_not_paying_back_in_time_is_listed() -> None:
    losing = channel(7, "Search", e=LOSING, ltv="fail", payback="fail")
    late = channel(8, "Webinars", e=replace(PASSING, payback_week=40), payback="fail")
    items = channel_decisions([losing, late], RULES)
    assert [(i.kind, i.channel_name) for i in items] == [
        ("fails_ltv_to_cac", "Search"), ("fails_payback", "Search"),
        ("fails_payback", "Webinars")]
    assert items[1].sentence == ("Search fails payback within 6 months (26 weeks): its cohorts "
                                 "have not paid back their spend yet (ROI to date -20.0 %).")
    assert items[2].sentence == ("Webinars fails payback within 6 months (26 weeks): its cohorts "
                                 "paid back their spend after 40 weeks.")


def test_rules_count_in_the_inner_ring_only_and_only_when_judged_fail() -> None:
    middle = channel(9, "Coupons", ring="middle", status="testing", e=THIN, ltv="fail")
    unjudged = channel(10, "New", e=THIN, ltv="not_enough_data", payback="not_enough_data")
    assert channel_decisions([middle, unjudged], RULES) == []


def test_a_healthy_passing_inner_channel_and_one_not_computed_yet_are_not_listed() -> None:
    healthy = channel(11, "Long tail")
    computing = channel(12, "Fresh", health=None)
    assert channel_decisions([healthy, computing], RULES) == []


def test_order_is_most_severe_then_newest_then_by_name() -> None:
    older_burned = replace(BURNED, channel_id=13, name="Banner ads", health_since=date(2026, 1, 4))
    undated_burned = replace(BURNED, channel_id=14, name="Apps", health_since=None)
    watch = channel(15, "Blog", health="watch", since=date(2026, 3, 8), reason="r")
    thin = channel(16, "Affiliates", e=THIN, ltv="fail")
    items = channel_decisions([watch, thin, undated_burned, older_burned, BURNED], RULES)
    assert [i.channel_name for i in items] == [
        "Lookalikes", "Banner ads", "Apps", "Affiliates", "Blog"]
    assert [i.severity for i in items] == [3, 3, 3, 2, 1]
    assert sort_decisions(reversed(items)) == items


def test_thresholds_and_currency_come_from_the_settings() -> None:
    # LTV 30.00 = 6 × CAC passes 3× but fails the stricter 10×; the rule result is what counts
    strict = channel(17, "Long tail", ltv="fail")
    [item] = channel_decisions([strict], RuleSettings(10.0, 1.0, "EUR"))
    assert item.sentence == ("Long tail fails LTV ≥ 10 × CAC: LTV 30.00 EUR is 6.00 × CAC "
                             "5.00 EUR (20 customers).")


def test_tests_needing_a_decision_and_iterations_without_follow_up_are_items() -> None:
    over = ChannelTestSituation(7, "Comparison ads", 2, "Search", "over budget",
                         verdict="1 of 2 criteria not met: 1,200.00 USD spent.")
    past = ChannelTestSituation(8, "Dev weeklies", 3, "Newsletters", "past its end date",
                         end_date=date(2026, 3, 1))
    iterate = ChannelTestSituation(9, "Referral share", 4, "Partners", None,
                                   decision="iterate", decided_on=date(2026, 2, 10))
    followed = replace(iterate, test_id=10, has_follow_up=True)
    items = channel_decisions([], RULES, [over, past, iterate, followed])
    assert [(i.kind, i.target) for i in items] == [
        ("test_needs_decision", Target("test", 8)),  # dated: newest first among equals
        ("test_needs_decision", Target("test", 7)),
        ("iterate_without_follow_up", Target("test", 9)),
    ]
    assert items[1].sentence == ("Test “Comparison ads” on Search needs a decision (over "
                                 "budget): 1 of 2 criteria not met: 1,200.00 USD spent.")
    assert items[0].since == date(2026, 3, 1)
    assert items[2].sentence == ("Test “Referral share” on Partners was decided: iterate on "
                                 "2026-02-10, but it has no follow-up test yet.")
