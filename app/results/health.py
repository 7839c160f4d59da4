"""Channel health for views and the API: fitted off the request path, read from storage.

`compute_channel` is what the worker (app.jobs.fits) runs per channel; pages call
`health_state`, which only reads stored results and asks for missing or stale ones.
"""

import functools
import hashlib
from dataclasses import asdict, dataclass, fields, is_dataclass
from datetime import date, datetime
from typing import Any, get_args, get_type_hints

from sqlmodel import Session

from app.db import get_session
from app.models import Settings
from app.results.cache import current_channel_versions, metrics_cache
from app.results.fits import (
    StoredFit,
    load_payloads,
    mark_wanted,
    newest_fits,
    request_fits,
    wake_worker,
)
from app.results.metrics import today
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


# Bump when what a fit computes changes without its result's fields changing, so results
# stored by the previous code are computed again after a deploy.
FIT_FORMAT = 1


def _shape(kind: Any, seen: frozenset[Any] = frozenset()) -> str:
    """Return the field names and types of a result dataclass, recursively."""
    if not (isinstance(kind, type) and is_dataclass(kind)) or kind in seen:
        return str(kind)
    hints = get_type_hints(kind)
    inner = [
        f"{f.name}:{_shape(arg, seen | {kind})}"
        for f in fields(kind)
        for arg in (hints[f.name], *get_args(hints[f.name]))
    ]
    return f"{kind.__name__}({','.join(inner)})"


@functools.cache
def result_shape() -> str:
    """Return the stored result's structure: a deploy that changes it changes every key."""
    return f"{FIT_FORMAT}:{_shape(ChannelHealthReport)}"


def settings_key(thresholds: HealthSettings, margin: float,
                 calendar: tuple[int, str] = (0, "UTC")) -> str:  # fmt: skip
    """Return a short stable key of what a stored fit depends on besides the data: the
    settings (thresholds, margin, week start and time zone) and the result's format.

    A fit computed while the settings changed is stored under the old key, so a page never
    shows it as current under the new settings.
    """
    text = repr((sorted(asdict(thresholds).items()), float(margin), calendar, result_shape()))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def fit_key(settings: Settings) -> str:
    """Return the settings key of fits computed under the install's `settings`."""
    return settings_key(health_settings(settings), settings.gross_margin,
                        (settings.week_start, settings.timezone))


def compute_channel(session: Session, *, as_of: AsOf, channel_id: int,
                    thresholds: HealthSettings, margin: float) -> ChannelHealthReport | None:
    """Fit one channel's health, trends and capacity (None: no spend or leads up to as_of)."""
    channel = session.get(Channel, channel_id)
    facts = channel_facts(session=session, as_of=as_of, channel_ids=[channel_id])
    if channel is None or channel_id not in facts:
        return None
    series = health_series(facts[channel_id], thresholds, margin)
    health = assess(series, thresholds)
    points = [*status_history(facts[channel_id], thresholds, margin), (as_of.day, health)]
    return ChannelHealthReport(channel_id, channel.name, health, series,
                               tuple(status_changes(points)))


@dataclass(frozen=True)
class HealthState:
    """The newest completed health results, and how far they lag behind the data.

    reports: channels with a result (by name); computed_at: when each was computed;
    outdated: channels whose result predates their newest data (being analysed again);
    pending: channels with no result yet.
    """

    reports: list[ChannelHealthReport]
    computed_at: dict[int, datetime]
    outdated: frozenset[int]
    pending: tuple[int, ...]

    @property
    def oldest_outdated(self) -> datetime | None:
        """Return when the oldest result shown despite newer data was computed."""
        return min((self.computed_at[c] for c in self.outdated), default=None)

    def notice(self, channel_id: int) -> datetime | None:
        """Return when the channel's shown result was computed if newer data exists."""
        return self.computed_at.get(channel_id) if channel_id in self.outdated else None


def _payloads(session: Session, found: dict[int, StoredFit]) -> dict[int, Any]:
    """Return unpickled results, reusing those this process already read (keyed by version)."""
    cache = metrics_cache()
    results: dict[int, Any] = {}
    missing = []
    for channel_id, fit in found.items():
        hit, value = cache.lookup(("fit", fit.row_id, fit.data_version, fit.computed_at))
        if hit:
            results[channel_id] = value
        else:
            missing.append(fit)
    loaded = load_payloads(session, row_ids=[f.row_id for f in missing])
    for fit in missing:
        if fit.row_id in loaded:  # absent: unreadable, handed back to the worker
            cache.store(("fit", fit.row_id, fit.data_version, fit.computed_at),
                        loaded[fit.row_id])
            results[fit.channel_id] = loaded[fit.row_id]
    return results


def health_state(as_of: AsOf) -> HealthState:
    """Return every channel's newest stored health; ask the worker for missing or stale ones."""
    key = fit_key(load_settings())
    session = get_session()
    versions = current_channel_versions()
    is_today = as_of.day == today()
    found = newest_fits(session, as_of=as_of.day, key=key, fallback=is_today)
    payloads = _payloads(session, found)
    outdated = frozenset(c for c, fit in found.items() if c in versions and (
        fit.data_version < versions[c] or fit.as_of != as_of.day))
    added = request_fits(session, channel_ids=list(versions), as_of=as_of.day, key=key)
    if not is_today:
        mark_wanted(session, row_ids=[found[c].row_id for c in outdated])
    if added or outdated:
        wake_worker()
    reports = [payloads[c] for c in versions if payloads.get(c) is not None]
    return HealthState(reports, {c: fit.computed_at for c, fit in found.items()}, outdated,
                       tuple(c for c in versions if c not in payloads))


def health_reports(as_of: AsOf) -> list[ChannelHealthReport]:
    """Return the newest stored health of every channel that has spend or leads, by name."""
    return health_state(as_of).reports


def recent_changes(state: HealthState) -> list[tuple[date, ChannelHealthReport, StatusChange]]:
    """Return every channel's status changes over the last weeks, newest first."""
    rows = [(change.on, report, change) for report in state.reports
            for change in report.changes]
    rows.sort(key=lambda row: row[1].name)
    return sorted(rows, key=lambda row: row[0], reverse=True)
