"""Channel health for views and the API: computed from cached cohort facts per data version."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from app.db import get_session
from app.models import Settings
from app.results.cache import cached
from app.results.metrics import aggregates
from app.settings import load_settings
from channels.health import ChannelHealth, HealthSeries, HealthSettings, assess
from channels.models import Channel
from cohorts.health_queries import channel_facts
from cohorts.health_series import (
    StatusChange,
    health_series,
    status_changes,
    status_history,
)
from cohorts.queries import AsOf


@dataclass(frozen=True)
class ChannelHealthReport:
    """One channel's health as of a date, with its status changes (newest first)."""

    channel_id: int
    name: str
    health: ChannelHealth
    series: HealthSeries
    changes: tuple[StatusChange, ...]


def health_settings(settings: Settings) -> HealthSettings:
    """Return the health thresholds from the install's settings."""
    return HealthSettings(
        mature_weeks=settings.mature_weeks, burnout_p=settings.burnout_p,
        watch_p=settings.watch_p, burnout_level=settings.burnout_level,
        watch_level=settings.watch_level, ltv_to_cac_min=settings.ltv_to_cac_min,
    )


def _compute(as_of: AsOf, thresholds: HealthSettings, margin: float) -> list[ChannelHealthReport]:
    session = get_session()
    facts = channel_facts(session=session, as_of=as_of, aggregates=aggregates())
    names = {c.id: c.name for c in session.exec(select(Channel)).all()}
    reports = []
    for channel_id, channel in sorted(facts.items(), key=lambda item: names.get(item[0], "")):
        series = health_series(channel, thresholds, margin)
        health = assess(series, thresholds)
        points = [*status_history(channel, thresholds, margin), (as_of.day, health)]
        reports.append(ChannelHealthReport(channel_id, names.get(channel_id, "?"), health,
                                           series, tuple(status_changes(points))))
    return reports


def health_reports(as_of: AsOf) -> list[ChannelHealthReport]:
    """Return every active channel's health as of a date (by name), cached per data version."""
    settings = load_settings()
    thresholds = health_settings(settings)
    return cached(("channel_health", as_of, thresholds, settings.gross_margin),
                  lambda: _compute(as_of, thresholds, settings.gross_margin))


def recent_changes(as_of: AsOf) -> list[tuple[date, ChannelHealthReport, StatusChange]]:
    """Return every channel's status changes over the last weeks, newest first."""
    rows = [(change.on, report, change) for report in health_reports(as_of)
            for change in report.changes]
    rows.sort(key=lambda row: row[1].name)
    return sorted(rows, key=lambda row: row[0], reverse=True)
