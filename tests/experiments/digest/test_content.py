"""The weekly email's pure content: headline numbers, subject, flags (hand-checked).

Its goals are the goals page's (tests/app/digest/test_goals.py)."""

from datetime import date

import numpy as np
import pytest

from cohorts.economics import ChannelEconomics, Viability
from experiments.decisions import Decision, Target
from experiments.digest.content import (
    ChannelWeeks,
    HealthFlag,
    build_digest,
    headlines,
    new_flags,
    percent_text,
    relative_change,
    subject,
)

ECONOMICS = ChannelEconomics(0, 0, 0, 0, None, None, None, None, None, 52, 0, None, None, None,
                             None, np.zeros(0))
RULES = Viability("not_enough_data", "not_enough_data")


def channel(spend: list[int], leads: list[int], customers: list[int],
            revenue: list[int]) -> ChannelWeeks:
    return ChannelWeeks(1, "A", "inner", spend, leads, customers, revenue, ECONOMICS, RULES)


def decision(page: str) -> Decision:
    return Decision("fails_payback", 1, "A", "A fails payback.", 2, None, Target(page, 1))  # type: ignore[arg-type]


def test_headlines_against_previous_week_and_four_week_average() -> None:
    a = channel([100, 200, 300, 400, 500], [1, 2, 3, 4, 5], [0, 1, 1, 2, 5], [0, 0, 10, 0, 90])
    b = channel([0, 0, 0, 100, 100], [0, 0, 0, 0, 1], [0, 0, 0, 2, 0], [0, 0, 0, 0, 0])
    rows = {h.key: h for h in headlines([a, b])}
    assert rows["spend_minor"].week == 600 and rows["spend_minor"].previous == 500
    assert rows["spend_minor"].average == (100 + 200 + 300 + 500) / 4
    assert rows["spend_minor"].change == pytest.approx(0.2)
    assert rows["spend_minor"].tone == "neutral"  # more spend is neither good nor bad
    assert rows["leads"].week == 6 and rows["leads"].average == 10 / 4
    assert rows["customers"].week == 5 and rows["customers"].change == pytest.approx(0.25)
    assert rows["customers"].tone == "good"
    assert rows["revenue_minor"].change is None  # previous week had none: undefined, not 0
    # CAC of the 4 weeks: their spend over their customers, not a mean of weekly CACs.
    assert rows["cac"].week == 120 and rows["cac"].previous == 500 / 4
    assert rows["cac"].average == pytest.approx(1100 / 6)
    assert rows["cac"].change == pytest.approx(120 / 125 - 1) and rows["cac"].tone == "good"


def test_short_series_and_no_customers_are_undefined() -> None:
    rows = {h.key: h for h in headlines([channel([300], [2], [0], [0])])}
    assert rows["cac"].week is None and rows["cac"].change is None
    assert rows["spend_minor"].previous == 0 and rows["spend_minor"].change is None
    assert rows["spend_minor"].average == 0


@pytest.mark.parametrize(("value", "reference", "expected"), [
    (110, 100, 0.1), (92, 100, -0.08), (5, 0, None), (None, 4, None), (3, None, None)])
def test_relative_change(value: float | None, reference: float | None,
                         expected: float | None) -> None:
    assert relative_change(value, reference) == (None if expected is None
                                                 else pytest.approx(expected))


@pytest.mark.parametrize(("change", "text"), [
    (-0.08, "−8 %"), (0.123, "+12 %"), (0.0, "±0 %"), (-0.004, "±0 %"), (None, "—")])
def test_percent_text(change: float | None, text: str) -> None:
    assert percent_text(change) == text


def test_subject_counts_decisions_and_shows_cac_change() -> None:
    a = channel([0, 0, 0, 44_800, 41_200], [0] * 5, [0, 0, 0, 1, 1], [0] * 5)
    digest = build_digest(week=date(2026, 11, 16), currency="USD", channels=[a],
                          decisions=[decision("channel"), decision("test")], goals=[])
    assert subject(digest) == "Bullseye weekly — week of 2026-11-16: 2 decisions, CAC 412 (−8 %)"
    assert len(digest.decisions) == 1 and len(digest.tests_needing_decision) == 1
    assert digest.as_of == date(2026, 11, 22)
    quiet = build_digest(week=date(2026, 11, 16), currency="USD",
                         channels=[channel([1], [1], [0], [0])], decisions=[], goals=[])
    assert subject(quiet) == "Bullseye weekly — week of 2026-11-16: 0 decisions, CAC —"


def test_new_flags_are_the_weeks_changes_to_watch_or_burned_out() -> None:
    week = date(2026, 11, 16)
    changes = [
        HealthFlag(1, "A", "healthy", "watch", date(2026, 11, 22), "CAC rose"),  # last day
        HealthFlag(2, "B", "watch", "burned_out", date(2026, 11, 16), "conversion fell"),
        HealthFlag(3, "C", "watch", "healthy", date(2026, 11, 18), "recovered"),  # not a flag
        HealthFlag(4, "D", "healthy", "watch", date(2026, 11, 15), "before the week"),
        HealthFlag(5, "E", "healthy", "burned_out", date(2026, 11, 23), "after the week"),
    ]
    assert [f.channel_id for f in new_flags(changes, week)] == [1, 2]
    digest = build_digest(week=week, currency="USD", channels=[], decisions=[], goals=[],
                          changes=changes)
    assert [f.name for f in digest.flags] == ["A", "B"]
