"""The dashboard's health badges and "Decisions this week", from its rows and stored fits."""

from collections.abc import Sequence
from dataclasses import dataclass

from app.models import Settings
from app.results.channel_tests import board_of_tests, situations_of_tests
from app.results.health import ChannelHealthReport, health_state
from cohorts.queries import AsOf
from cohorts.report import ChannelReport
from experiments.decisions import (
    ChannelSituation,
    ChannelTestSituation,
    Decision,
    RuleSettings,
    channel_decisions,
)


@dataclass(frozen=True)
class DashboardHealth:
    """Each channel's stored health (by id), the channels still being computed, and the
    decisions the rows ask for."""

    health: dict[int, ChannelHealthReport]
    pending: frozenset[int]
    decisions: list[Decision]


def situation(report: ChannelReport, health: ChannelHealthReport | None) -> ChannelSituation:
    """Return what the decisions read about one channel: its row's numbers and its health."""
    channel = report.channel
    status = health.health.status if health else None
    since = next((c.on for c in health.changes if c.status == status), None) if health else None
    return ChannelSituation(
        channel_id=channel.id or 0, name=channel.name, ring=channel.ring,
        status=channel.status, economics=report.economics, rules=report.rules,
        health=status, health_reason=health.health.reason if health else "",
        health_since=since,
    )


def week_decisions(reports: Sequence[ChannelReport], health: dict[int, ChannelHealthReport],
                   settings: Settings,
                   tests: Sequence[ChannelTestSituation] = ()) -> list[Decision]:
    """Return the decisions for the dashboard's channels (the rows' numbers and rules) and
    its channel tests."""
    rules = RuleSettings(ltv_to_cac_min=settings.ltv_to_cac_min,
                         payback_max_months=settings.payback_max_months,
                         currency=settings.currency)
    return channel_decisions([situation(r, health.get(r.channel.id or 0)) for r in reports],
                             rules, tests)


def dashboard_health(reports: Sequence[ChannelReport], as_of: AsOf,
                     settings: Settings) -> DashboardHealth:
    """Return the stored health of the rows' channels and their decisions (fits only read)."""
    state = health_state(as_of)
    health = {h.channel_id: h for h in state.reports}
    tests = situations_of_tests(board_of_tests(as_of, settings))
    return DashboardHealth(health, frozenset(state.pending),
                           week_decisions(reports, health, settings, tests))
