"""The dashboard's health badges and "Decisions this week", from its rows and stored fits."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from app.models import Settings
from app.results.channel_tests import board_of_tests, situations_of_tests
from app.results.comparisons import significance_since_last_week
from app.results.health import ChannelHealthReport, health_state
from app.results.ltv import LtvView, ltv_views
from app.results.metrics import today
from cohorts.economics import RuleResult, Viability
from cohorts.queries import AsOf
from cohorts.report import ChannelReport
from experiments.decisions import (
    ChannelSituation,
    ChannelTestSituation,
    Decision,
    RuleSettings,
    channel_decisions,
)
from experiments.significance import SignificanceChanges


@dataclass(frozen=True)
class DashboardHealth:
    """Each channel's stored health (by id), the channels still being computed, the
    decisions the rows ask for, and the comparisons that became (or stopped being)
    significant since last week."""

    health: dict[int, ChannelHealthReport]
    pending: frozenset[int]
    decisions: list[Decision]
    significance: SignificanceChanges


def situation(report: ChannelReport, health: ChannelHealthReport | None,
              ltv: LtvView | None = None) -> ChannelSituation:
    """Return what the decisions read about one channel: its row's numbers, its health and
    its row's LTV ≥ k × CAC rule (`ltv`: on the projected interval when fitted, as the row
    and the API judge it; None: the point rule of the economics)."""
    channel = report.channel
    rules = report.rules if ltv is None else Viability(cast(RuleResult, ltv.rule),
                                                               report.rules.payback)
    interval = None if ltv is None or ltv.ltv_to_cac_low is None or ltv.ltv_to_cac_high is None \
        else (ltv.ltv_to_cac_low, ltv.ltv_to_cac_high)
    status = health.health.status if health else None
    since = next((c.on for c in health.changes if c.status == status), None) if health else None
    return ChannelSituation(
        channel_id=channel.id or 0, name=channel.name, ring=channel.ring,
        status=channel.status, economics=report.economics, rules=rules,
        health=status, health_reason=health.health.reason if health else "",
        health_since=since, ltv_to_cac_interval=interval,
    )


def week_decisions(reports: Sequence[ChannelReport], health: dict[int, ChannelHealthReport],
                   settings: Settings,
                   tests: Sequence[ChannelTestSituation] = (),
                   ltv: Mapping[int, LtvView] | None = None) -> list[Decision]:
    """Return the decisions for the dashboard's channels (the rows' numbers and rules; `ltv`:
    the rows' projection views, see ltv_views) and its channel tests."""
    views = ltv or {}
    rules = RuleSettings(ltv_to_cac_min=settings.ltv_to_cac_min,
                         payback_max_months=settings.payback_max_months,
                         currency=settings.currency)
    return channel_decisions([situation(r, health.get(r.channel.id or 0),
                                        views.get(r.channel.id or 0)) for r in reports],
                             rules, tests)


def dashboard_health(reports: Sequence[ChannelReport], as_of: AsOf, settings: Settings,
                     ltv: Mapping[int, LtvView] | None = None) -> DashboardHealth:
    """Return the stored health of the rows' channels and their decisions (fits only read);
    `ltv`: the rows' projection views (read here when not given)."""
    if ltv is None:
        ltv = ltv_views(reports, as_of, today(), settings)
    state = health_state(as_of)
    health = {h.channel_id: h for h in state.reports}
    tests = situations_of_tests(board_of_tests(as_of, settings))
    return DashboardHealth(health, frozenset(state.pending),
                           week_decisions(reports, health, settings, tests, ltv),
                           significance_since_last_week(as_of))
