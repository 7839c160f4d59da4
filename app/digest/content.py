"""The weekly email of a week: the dashboard's numbers as of its last day, rendered.

`load_digest` reads exactly what the dashboard shows for that as-of date (the same cached
reports, stored health and decisions) and hands it to the pure core in
`experiments.digest`; `render_digest` turns it into subject, HTML and plain text.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

import numpy as np
from flask import current_app, render_template
from sqlmodel import col, select

from app.db import get_session
from app.models import Goal
from app.results.cache import cached_per_channel, current_channel_versions
from app.results.comparisons import significance_since_last_week
from app.results.decisions import week_decisions
from app.results.health import (
    ChannelHealthReport,
    compute_channel,
    health_settings,
    health_state,
    settings_key,
)
from app.results.ltv import LtvView, ltv_views
from app.results.metrics import AsOfError, parse_as_of, reports, today
from app.settings import load_settings
from cohorts.economics import RuleResult, Viability
from cohorts.queries import AsOf
from cohorts.report import SPARK_WEEKS, ChannelReport
from experiments.digest.content import (
    ChannelWeeks,
    Digest,
    HealthFlag,
    build_digest,
    subject,
)
from experiments.digest.goals import GoalProgress, GoalTarget, WeeklySeries, goal_progress
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


def channel_weeks(report: ChannelReport, health: ChannelHealthReport | None,
                  ltv: LtvView | None = None) -> ChannelWeeks:
    """Return what the email reads about one dashboard row (its LTV ≥ k × CAC rule from
    `ltv`, the row's projection view, as the dashboard shows it)."""
    rules = report.rules if ltv is None else Viability(cast(RuleResult, ltv.rule),
                                                       report.rules.payback)
    return ChannelWeeks(
        channel_id=report.channel.id or 0, name=report.channel.name, ring=report.channel.ring,
        spend_minor=[int(v) for v in report.weekly_spend_minor],
        leads=_trailing(report.counts.leads),
        customers=[int(v) for v in report.weekly_customers],
        revenue_minor=[int(v) for v in report.weekly_revenue_minor],
        economics=report.economics, rules=rules,
        health=health.health.status if health else None,
    )


def _series(channels: list[ChannelWeeks]) -> WeeklySeries:
    def total(name: str) -> list[int]:
        return [int(sum(v)) for v in zip(*(getattr(c, name) for c in channels), strict=True)] \
            if channels else [0] * SPARK_WEEKS
    return WeeklySeries(total("spend_minor"), total("leads"), total("customers"),
                        total("revenue_minor"))


def _goals(week: date, channels: list[ChannelWeeks]) -> list[GoalProgress]:
    """Return the progress of the goals set for the month of the week's first day."""
    month = week.replace(day=1)
    following = (month + timedelta(days=31)).replace(day=1)
    goals = get_session().exec(
        select(Goal).where(col(Goal.month) >= month, col(Goal.month) < following)
        .order_by(col(Goal.channel_id).is_not(None), col(Goal.id))).all()
    by_id = {c.channel_id: c for c in channels}
    progress = []
    for goal in goals:
        target = GoalTarget(goal.month, goal.channel_id, goal.leads, goal.new_customers,
                            goal.revenue_minor, goal.max_cac_minor)
        if goal.channel_id is None:
            progress.append(goal_progress(target, "All channels", _series(channels), week))
        elif goal.channel_id in by_id:
            one = by_id[goal.channel_id]
            progress.append(goal_progress(target, one.name, _series([one]), week))
    return progress


def load_digest(week: date) -> Digest:
    """Return the email's content for the week starting `week`, as of its last day."""
    settings = load_settings()
    as_of = parse_as_of((week + timedelta(days=6)).isoformat())
    rows = reports(as_of)
    health = _health(as_of)
    ltv = ltv_views(rows, as_of, today(), settings)
    channels = [channel_weeks(r, health.get(r.channel.id or 0), ltv.get(r.channel.id or 0))
                for r in rows]
    changes = [HealthFlag(h.channel_id, h.name, c.previous, c.status, c.on, c.reason)
               for h in health.values() for c in h.changes]
    return build_digest(week=week, currency=settings.currency, channels=channels,
                        decisions=week_decisions(rows, health, settings, ltv=ltv),
                        goals=_goals(week, channels), changes=changes,
                        significance=significance_since_last_week(as_of))


def render_digest(digest: Digest) -> RenderedDigest:
    """Return the subject, HTML (inline styles only) and plain text of `digest`."""
    title = subject(digest)
    context = {"digest": digest, "subject": title,
               "base_url": current_app.config["BASE_URL"].rstrip("/")}
    return RenderedDigest(digest.week, title,
                          render_template("emails/digest.html", **context),
                          render_template("emails/digest.txt", **context))


def digest_for(week: date) -> RenderedDigest:
    """Return the rendered email of the week starting `week`."""
    return render_digest(load_digest(week))
