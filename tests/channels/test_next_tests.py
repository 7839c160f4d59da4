"""What to test next: the ranking rules on hand-made scenarios."""

import math
from datetime import date

from channels.capacity import WEEKS_PER_MONTH, SaturationFit
from channels.health import Capacity
from channels.next_tests import (
    ChannelSituation,
    NextTest,
    PendingIteration,
    ice_score,
    next_tests,
)

EVERY_KIND = ("viral", "pr", "unconventional_pr", "sem", "social_display_ads", "offline_ads",
              "seo", "content_marketing", "email_marketing", "engineering_as_marketing",
              "targeting_blogs", "business_development", "sales", "affiliate_programs",
              "existing_platforms", "trade_shows", "offline_events", "speaking_engagements",
              "community_building")  # fmt: skip


def _capacity(share: float, b: float = 2.0, c: float = 10_000.0,
              model: str = "saturating") -> Capacity:
    """A fitted curve b·tanh(s/(b·c)) whose recent spend s delivers `share` of b."""
    return Capacity(
        observed_per_month=None, modelled_per_month=b * WEEKS_PER_MONTH,
        fit=SaturationFit(b=b, c=c, max_bend=1.0),
        recent_weekly_spend_minor=math.atanh(share) * b * c,
        average_cac_minor=None, marginal_cac_minor=None, economic_spend_per_month_minor=None,
        model=model,  # type: ignore[arg-type]
    )


def _tried() -> list[ChannelSituation]:
    """Channels covering every kind, so the untried-kind rule stays out of the way."""
    return [ChannelSituation(f"filler {kind}", kind, "middle", "testing") for kind in EVERY_KIND]


def _rules(items: list[NextTest]) -> list[tuple[str, str]]:
    return [(item.rule, item.subject) for item in items]


def test_ice_score_is_the_product_and_undefined_when_a_score_is_missing() -> None:
    assert ice_score(8, 6, 7) == 336
    assert ice_score(10, 10, 10) == 1000
    assert ice_score(8, None, 7) is None


def test_a_focus_channel_near_capacity_is_listed_with_its_numbers() -> None:
    ads = ChannelSituation("Google Ads — long tail", "sem", "inner", "focus", health="healthy",
                           capacity=_capacity(0.87, b=22.8 / WEEKS_PER_MONTH))
    [item] = next_tests([ads, *_tried()])
    assert item.rule == "capacity"
    assert item.reason == ("Google Ads — long tail is at 87 % of its modelled capacity "
                           "(22.8 customers/month)")
    assert dict(item.numbers) == {"health": "healthy", "share of modelled capacity": "87 %",
                                  "modelled capacity": "22.8 customers/month"}


def test_below_80_percent_or_with_no_limit_seen_there_is_no_capacity_item() -> None:
    channels = [
        ChannelSituation("Half full", "sem", "inner", "focus", health="healthy",
                         capacity=_capacity(0.79)),
        ChannelSituation("No limit", "seo", "inner", "focus", health="healthy",
                         capacity=_capacity(0.95, model="no_limit_seen")),
        ChannelSituation("Not a focus", "pr", "middle", "testing", health="healthy",
                         capacity=_capacity(0.95)),
    ]
    assert next_tests([*channels, *_tried()]) == []


def test_burning_focus_channels_come_first_burned_out_before_watch_before_capacity() -> None:
    channels = [
        ChannelSituation("Full", "sem", "inner", "focus", health="healthy",
                         capacity=_capacity(0.9)),
        ChannelSituation("Fuller", "sem", "middle", "focus", health="healthy",
                         capacity=_capacity(0.95)),
        ChannelSituation("Watched", "seo", "inner", "focus", health="watch",
                         health_reason="conversion fell from 4.1 % to 2.6 % over 12 weeks"),
        ChannelSituation("Burnt", "pr", "inner", "focus", health="burned_out",
                         health_reason="conversion fell from 4.1 % to 1.3 % over 12 weeks"),
        ChannelSituation("Unknown", "pr", "inner", "focus", health=None),
    ]
    items = next_tests([*channels, *_tried()])
    assert _rules(items) == [("burnout", "Burnt"), ("burnout", "Watched"),
                             ("capacity", "Fuller"), ("capacity", "Full")]
    assert items[0].reason == ("Burnt is burned out: conversion fell from 4.1 % to 1.3 % "
                               "over 12 weeks")
    assert items[1].reason.startswith("Watched is on watch: ")


def test_the_best_outer_idea_wins_by_ice_then_fewer_launch_days() -> None:
    ideas = [
        ChannelSituation("Podcasts", "pr", "outer", "idea", impact=9, confidence=9, ease=4,
                         launch_days=3),  # 324
        ChannelSituation("Blog", "seo", "outer", "idea", impact=8, confidence=6, ease=7,
                         launch_days=30),  # 336
        ChannelSituation("Meetups", "offline_events", "outer", "idea", impact=7, confidence=8,
                         ease=6, launch_days=10),  # 336, sooner
        ChannelSituation("Unscored", "sales", "outer", "idea", impact=10, confidence=10),
        ChannelSituation("Middle", "sem", "middle", "testing", impact=10, confidence=10, ease=10),
    ]
    [item] = next_tests([*ideas, *_tried()])
    assert item.rule == "best_idea" and item.subject == "Meetups"
    assert item.reason == ("Meetups is the outer-ring idea with the best ICE score: 336 "
                           "(impact 7 × confidence 8 × ease 6), launch time 10 days")
    assert dict(item.numbers)["ICE score"] == "336"


def test_an_untried_kind_is_the_first_in_traction_order_with_the_count() -> None:
    channels = [ChannelSituation("Referrals", "viral", "middle", "testing"),
                ChannelSituation("Press", "pr", "outer", "idea"),
                ChannelSituation("Misc", "other", "outer", "idea")]
    [item] = next_tests(channels)
    assert (item.rule, item.subject) == ("untried_kind", "Unconventional PR")
    assert item.reason == ("Unconventional PR has never been tried: no channel of this kind "
                           "(17 of 19 Traction kinds untried)")


def test_everything_together_is_ranked_focus_then_idea_then_untried_kind() -> None:
    channels = [
        ChannelSituation("Ads", "sem", "inner", "focus", health="healthy",
                         capacity=_capacity(0.85)),
        ChannelSituation("Blog", "seo", "outer", "idea", impact=5, confidence=5, ease=5),
    ]
    assert _rules(next_tests(channels)) == [("capacity", "Ads"), ("best_idea", "Blog"),
                                            ("untried_kind", "Viral marketing")]
    assert _rules(next_tests([])) == [("untried_kind", "Viral marketing")]


def test_iterate_decisions_without_a_follow_up_come_last_oldest_first() -> None:
    newer = PendingIteration(5, "Headline B", "Search", date(2026, 3, 2))
    older = PendingIteration(9, "Share 20 %", "Partners", date(2026, 2, 1))
    items = next_tests([], [newer, older])
    assert [i.rule for i in items] == ["untried_kind", "iterate", "iterate"]
    assert [i.subject for i in items[1:]] == ["Partners", "Search"]
    assert items[1].reason == ("Test “Share 20 %” on Partners was decided: iterate on "
                               "2026-02-01, and has no follow-up test yet")
    assert items[1].numbers == (("test", "Share 20 %"), ("decided on", "2026-02-01"))
