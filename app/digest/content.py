"""The weekly email of a week: the dashboard's numbers as of its last day, rendered.

`load_digest` reads exactly what the dashboard shows for that as-of date (the same cached
reports, stored health and decisions) and hands it to the pure core in
`experiments.digest`; `render_digest` turns it into subject, HTML and plain text.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

import numpy as np
from flask import current_app, render_template

from app.db import get_session
from app.models import Settings
from app.results.cache import cached_per_channel, current_channel_versions, metrics_cache
from app.results.channel_tests import board_of_tests, situations_of_tests
from app.results.comparisons import significance_since_last_week
from app.results.decisions import week_decisions
from app.results.goals import goals_progress
from app.results.health import (
    ChannelHealthReport,
    compute_channel,
    health_settings,
    health_state,
    settings_key,
)
from app.results.ltv import LtvView, ltv_key, ltv_state, projection_view
from app.results.metrics import AsOfError, parse_as_of, reports, today
from app.settings import load_settings
from cohorts.aggregates import data_version
from cohorts.economics import RuleResult, Viability
from cohorts.ltv.channels import LtvProjections, channel_ltvs
from cohorts.queries import AsOf
from cohorts.report import SPARK_WEEKS, ChannelReport
from experiments.decisions import ChannelTestSituation
from experiments.digest.content import (
    ChannelWeeks,
    Digest,
    HealthFlag,
    build_digest,
    subject,
)
from experiments.goals.progress import STATUS_LABELS, ScopeProgress
from kernel.weeks import week_of


class DigestWeekError(ValueError):
    """A week the email cannot cover (malformed, not complete yet, or before the window)."""


@dataclass(frozen=True)
class RenderedDigest:
    """A week's email: subject, HTML body and plain-text alternative."""

    week: date
    subject: str
    html: str
    text: str


def last_complete_week(day: date | None = None) -> date:
    """Return the first day of the last complete week before `day` (default: today)."""
    settings = load_settings()
    return week_of(day or today(), settings.week_start) - timedelta(days=7)


def digest_week(text: str | None) -> date:
    """Return the week starting on or containing the day 'YYYY-MM-DD' (empty: the last
    complete week); raise DigestWeekError when it is malformed or not over yet."""
    if not text:
        return last_complete_week()
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise DigestWeekError(f"week must be a date like 2026-11-16, not {text!r}") from exc
    week = week_of(day, load_settings().week_start)
    try:
        parse_as_of((week + timedelta(days=6)).isoformat())
    except AsOfError as exc:
        if week <= last_complete_week():
            raise DigestWeekError(str(exc)) from exc
    if week > last_complete_week():
        raise DigestWeekError(f"the week of {week} is not complete yet; the last complete "
                              f"week starts {last_complete_week()}")
    return week


def _health(as_of: AsOf) -> dict[int, ChannelHealthReport]:
    """Return the dashboard's stored health; channels not computed yet are fitted now (and
    kept until their data changes), so an email never says "being computed"."""
    state = health_state(as_of)
    found = {h.channel_id: h for h in state.reports}
    settings = load_settings()
    thresholds = health_settings(settings)
    key = ("digest_health", as_of.day, settings_key(thresholds, settings.gross_margin))
    pending = set(state.pending)

    def compute(channel_ids: list[int]) -> list[tuple[int, ChannelHealthReport | None]]:
        return [(c, compute_channel(get_session(), as_of=as_of, channel_id=c,
                                    thresholds=thresholds, margin=settings.gross_margin))
                for c in channel_ids]

    versions = {c: v for c, v in current_channel_versions().items() if c in pending}
    fitted = cached_per_channel(key, versions, compute)  # previews of a week fit it once
    return found | {c: report for c, report in fitted.items() if report is not None}


def _trailing(values: np.ndarray) -> list[int]:
    """Return the last SPARK_WEEKS values, zero-padded in front (as the report's series)."""
    padded = np.concatenate([np.zeros(SPARK_WEEKS, dtype=np.int64), values])
    return [int(v) for v in padded[-SPARK_WEEKS:]]


def _ltv_views(rows: Sequence[ChannelReport], as_of: AsOf,
               settings: Settings) -> dict[int, LtvView]:
    """Return each row's projection view as the dashboard and the channel page show it: from
    the stored fit of the as-of day, or, while it is not stored, from the same projection
    computed now (kept until the data changes), so an email never says "being computed"."""
    state = ltv_state(as_of, today())
    projections: LtvProjections
    if state.result is not None and state.result.as_of == as_of.day:
        projections = state.result.projections
    else:
        key = ("digest_ltv", as_of.day, ltv_key(settings),
               data_version(get_session().connection()))
        projections = metrics_cache().get_or_compute(key, "projections", lambda: channel_ltvs(
            session=get_session(), as_of=as_of, horizon_weeks=settings.projection_horizon_weeks,
            margin=settings.gross_margin))
    return {r.channel.id or 0: projection_view(projections, r, settings) for r in rows}


def _tests(as_of: AsOf, settings: Settings) -> list[ChannelTestSituation]:
    """Return the channel tests as the dashboard's decisions read them as of `as_of`."""
    return situations_of_tests(board_of_tests(as_of, settings))


def channel_weeks(report: ChannelReport, health: ChannelHealthReport | None,
                  ltv: LtvView | None = None) -> ChannelWeeks:
    """Return what the email reads about one dashboard row: its LTV ≥ k × CAC rule from
    `ltv`, the row's projection view, as the dashboard shows it, and the projected LTV."""
    rules = report.rules if ltv is None else Viability(cast(RuleResult, ltv.rule),
                                                       report.rules.payback)
    projected = None if ltv is None else ltv.ltv
    return ChannelWeeks(
        channel_id=report.channel.id or 0, name=report.channel.name, ring=report.channel.ring,
        spend_minor=[int(v) for v in report.weekly_spend_minor],
        leads=_trailing(report.counts.leads),
        customers=[int(v) for v in report.weekly_customers],
        revenue_minor=[int(v) for v in report.weekly_revenue_minor],
        economics=report.economics, rules=rules,
        health=health.health.status if health else None,
        ltv_projected_minor=projected.ltv_minor if projected else None,
        ltv_low_minor=projected.low_minor if projected else None,
        ltv_high_minor=projected.high_minor if projected else None,
    )


def digest_goals(week: date, as_of: AsOf) -> list[ScopeProgress]:
    """Return the goals as the goals page shows them as of the week's last day (the same
    `goals_progress`: every kind, projection, interval and status): the goals of the month
    the week ends in and, when the week began in the month before, that month's final ones."""
    months = sorted({week.replace(day=1), as_of.day.replace(day=1)})
    return [scope for month in months
            for scope in goals_progress(session=get_session(), as_of=as_of, month=month)]


def load_digest(week: date) -> Digest:
    """Return the email's content for the week starting `week`, as of its last day."""
    settings = load_settings()
    as_of = parse_as_of((week + timedelta(days=6)).isoformat())
    rows = reports(as_of)
    health = _health(as_of)
    ltv = _ltv_views(rows, as_of, settings)
    channels = [channel_weeks(r, health.get(r.channel.id or 0), ltv.get(r.channel.id or 0))
                for r in rows]
    changes = [HealthFlag(h.channel_id, h.name, c.previous, c.status, c.on, c.reason)
               for h in health.values() for c in h.changes]
    decisions = week_decisions(rows, health, settings, _tests(as_of, settings), ltv)
    return build_digest(week=week, currency=settings.currency, channels=channels,
                        decisions=decisions,
                        goals=digest_goals(week, as_of), changes=changes,
                        significance=significance_since_last_week(as_of))


def render_digest(digest: Digest) -> RenderedDigest:
    """Return the subject, HTML (inline styles only) and plain text of `digest`."""
    title = subject(digest)
    context = {"digest": digest, "subject": title, "goal_labels": STATUS_LABELS,
               "base_url": current_app.config["BASE_URL"].rstrip("/")}
    return RenderedDigest(digest.week, title,
                          render_template("emails/digest.html", **context),
                          render_template("emails/digest.txt", **context))


def digest_for(week: date) -> RenderedDigest:
    """Return the rendered email of the week starting `week`."""
    return render_digest(load_digest(week))
